/** Child processes for the bench: a checked synchronous runner and the peers' installer. */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  /** Accept any exit code (the result says which). */
  allowFail?: boolean;
  timeoutMs?: number;
}

export interface RunResult { status: number | null; stdout: string; stderr: string }

export function run(cmd: string, args: string[], o: RunOptions = {}): RunResult {
  const opts: SpawnSyncOptions = { cwd: o.cwd, env: o.env, input: o.input, encoding: 'utf8', maxBuffer: 1 << 28, timeout: o.timeoutMs };
  const r = spawnSync(cmd, args, opts);
  const res = { status: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
  if (!o.allowFail && (r.error || r.status !== 0)) {
    const why = r.error ? r.error.message : `exit ${r.status}`;
    throw new Error(`${cmd} ${args.join(' ')}: ${why}\n${res.stderr.trim().split('\n').slice(-8).join('\n')}`);
  }
  return res;
}

export function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

let aptUpdated = false;

/**
 * Makes sure each peer tool is on PATH: installs the missing ones with apt-get when root, and
 * returns one clear line per tool that could not be had (those rows are then not measured).
 */
export function ensurePeers(peers: Array<{ cmd: string; pkg: string }>, log: (s: string) => void): Map<string, string> {
  const missing = new Map<string, string>();
  const need = peers.filter((p) => !have(p.cmd));
  if (need.length > 0 && process.getuid?.() === 0 && have('apt-get')) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    if (!aptUpdated) {
      log(`installing ${need.map((p) => p.pkg).join(', ')} with apt-get`);
      run('apt-get', ['update', '-qq'], { env, allowFail: true, timeoutMs: 300_000 });
      aptUpdated = true;
    }
    run('apt-get', ['install', '-y', '-qq', ...new Set(need.map((p) => p.pkg))], { env, allowFail: true, timeoutMs: 600_000 });
  }
  for (const p of peers) {
    if (!have(p.cmd)) {
      const why = process.getuid?.() === 0 ? `apt-get install ${p.pkg} failed` : `not root, cannot apt-get install ${p.pkg}`;
      missing.set(p.cmd, why);
      log(`PEER NOT AVAILABLE: ${p.cmd} (${why}); its rows are marked "not measured"`);
    }
  }
  return missing;
}
