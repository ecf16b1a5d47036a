/**
 * The real `git` binary, for what only it does: talking to remotes (fetch, push), merging the
 * user's own files and hooks into their index, and merge bases. Never given a terminal: stdin is
 * closed, so a prompt can never wait for input; output is captured, never printed.
 */
import { spawn } from 'node:child_process';
import { KvgitError } from '../errors';

export interface GitRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface GitOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Bytes for git's stdin (e.g. `update-index --index-info`); stdin is closed otherwise. */
  input?: string;
}

export function runGit(args: string[], options: GitOptions): Promise<GitRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      // No credential prompt on a terminal either: a sync run by a hook or a script must fail, not wait.
      env: { ...(options.env ?? process.env), GIT_TERMINAL_PROMPT: '0' },
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new KvgitError('ERR_GIT_STATE', `cannot run git: ${(e as Error).message}`, { hint: 'install git and put it on PATH' })));
    child.on('close', (code) => resolve({ code: code ?? 128, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

/** Runs git and returns its stdout; a non-zero exit becomes ERR_GIT_STATE with git's own words. */
export async function git(args: string[], options: GitOptions): Promise<string> {
  const r = await runGit(args, options);
  if (r.code !== 0) {
    const said = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-6).join('\n');
    throw new KvgitError('ERR_GIT_STATE', `git ${args[0]} failed: ${said}`, {});
  }
  return r.stdout;
}
