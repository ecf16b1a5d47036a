/**
 * Fault injection for the crash-safety tests: with KVGIT_TEST_CRASH_AT=<step> in the environment,
 * the process kills itself with SIGKILL when it reaches that step. Unset, this is one string compare.
 */
const target = process.env.KVGIT_TEST_CRASH_AT;

export function crashPoint(step: string): void {
  if (target !== undefined && target === step) process.kill(process.pid, 'SIGKILL');
}
