import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { defineCommand } from '../command';
import { usageError } from '../errors';
import { ENV_NAME_FLAGS, type Variable, collectVariables } from '../env/collect';

export default defineCommand({
  name: 'exec',
  group: 'deploy',
  rest: true,
  complete: 'paths',
  summary: 'Runs a command with secrets as environment variables',
  usage: 'exec [options] [PATH...] -- COMMAND [ARGS...]',
  description:
    'Reads the latest version of each secret (a key, or every key below a folder ending in "/" or a mount; the ' +
    'whole secret/ mount when no PATH is given) and runs COMMAND with each data key as an environment variable, ' +
    'on top of the current environment. Names follow the rules under "Environment variable names"; an invalid ' +
    'name or two secrets setting the same variable is an error before anything runs. The values reach the ' +
    'command through its environment only: no file, no argument. The command also inherits kvgit\'s own ' +
    'environment, KVGIT_IDENTITY included (so it can run kvgit itself); unset it there if it should not. ' +
    'kvgit exits with the command\'s exit code ' +
    '(128+N when it is killed by signal N, 127 when it cannot be found).',
  examples: [
    { cmd: 'kvgit exec secret/app/prod -- ./deploy.sh' },
    { cmd: 'kvgit exec -upcase -prefix=DB_ secret/app/db -- psql', text: 'Upper-cased names with a prefix (password → DB_PASSWORD):' },
    { cmd: 'kvgit exec secret/app/ secret/shared/smtp -- env', text: 'Every key below a folder, plus one more key:' },
  ],
  flags: ENV_NAME_FLAGS,

  async run(ctx, input) {
    if (input.rest === undefined || input.rest.length === 0) throw usageError('exec needs the command to run after "--": kvgit exec [PATH...] -- COMMAND [ARGS...]');
    const store = await ctx.openStore();
    const vars = await collectVariables(store, input, input.args);
    const env = { ...ctx.env };
    for (const v of vars) env[v.name] = v.value;
    const [cmd, ...args] = input.rest as [string, ...string[]];
    const { code, error } = cmd === '' ? { code: 127, error: 'command not found' } : await run(cmd, args, env, vars);
    return { exitCode: code, notices: error ? [`kvgit exec: ${cmd}: ${error}`] : [] };
  },
});

/** Runs the child with our stdio; signals sent to kvgit are passed on; its exit status becomes ours. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, vars: Variable[]): Promise<{ code: number; error?: string }> {
  return new Promise((resolve) => {
    // The kernel refuses an environment past its limits (a single variable over 128 KiB on Linux).
    const tooBig = () => {
      const largest = [...vars].sort((a, b) => b.value.length - a.value.length)[0];
      return `the environment is too large to start it (E2BIG)${largest ? `; the largest value is ${largest.source} (${Buffer.byteLength(largest.value)} bytes)` : ''}`;
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(cmd, args, { stdio: 'inherit', env });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'E2BIG') throw e;
      resolve({ code: 126, error: tooBig() });
      return;
    }
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
    for (const s of signals) process.on(s, forward);
    const done = (code: number, error?: string) => {
      for (const s of signals) process.off(s, forward);
      resolve({ code, error });
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      // As a shell does: 127 when the command is not found, 126 when it cannot be run.
      if (e.code === 'ENOENT') done(127, 'command not found');
      else done(126, e.code === 'EACCES' ? 'permission denied' : e.code === 'E2BIG' ? tooBig() : e.message);
    });
    child.on('exit', (code, signal) => done(code ?? 128 + (signal ? constants.signals[signal] ?? 0 : 0)));
  });
}
