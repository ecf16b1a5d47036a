/**
 * Runs the built `kvgit` bundle as a real process with an isolated environment (own HOME, config
 * folder and git identity; no KVGIT_* or GIT_* from the caller). Build first: `node scripts/build.mjs cli`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configIdentityPath } from '@kvgit/core';
import { type TempStore, isolatedEnv, tempDir, tempStore } from './temp';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const KVGIT_BIN = join(ROOT, 'packages', 'cli', 'bin', 'kvgit.cjs');
const BUNDLE = join(ROOT, 'packages', 'cli', 'dist', 'kvgit.cjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Text for stdin; stdin is closed (empty) when absent. */
  input?: string;
}

export function runKvgit(args: string[], options: RunOptions): Promise<CliResult> {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`node scripts/build.mjs cli\` first`);
  return runProcess(process.execPath, [KVGIT_BIN, ...args], options);
}

/**
 * Runs kvgit on a pseudo-terminal (util-linux `script`), so its stdin, stdout and stderr are
 * terminals; `input` is typed into it. Both output streams arrive as one, with CRLF line ends made LF.
 */
export async function runKvgitOnTerminal(args: string[], options: RunOptions): Promise<CliResult> {
  const words = [process.execPath, KVGIT_BIN, ...args].map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = await runProcess('script', ['-qec', words, '/dev/null'], options);
  return { ...r, stdout: r.stdout.replace(/\r\n/g, '\n') };
}

export function runProcess(cmd: string, args: string[], options: RunOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr }));
    child.stdin.on('error', () => {}); // the command may exit without reading stdin
    child.stdin.end(options.input ?? '');
  });
}

/** A store made through the core, and `kvgit` run inside its repository with the member's environment. */
export interface CliStore extends TempStore {
  kvgit(args: string[], options?: Partial<RunOptions>): Promise<CliResult>;
  /** kvgit on a pseudo-terminal (see runKvgitOnTerminal). */
  kvgitOnTerminal(args: string[], options?: Partial<RunOptions>): Promise<CliResult>;
  /** The member's identity (AGE-SECRET-KEY-1…), as written to the config folder by init. */
  identity(): string;
}

export async function cliStore(options: Parameters<typeof tempStore>[0] = {}): Promise<CliStore> {
  const t = await tempStore(options);
  return {
    ...t,
    kvgit: (args, o = {}) => runKvgit(args, { cwd: t.repo, env: t.env, ...o }),
    kvgitOnTerminal: (args, o = {}) => runKvgitOnTerminal(args, { cwd: t.repo, env: t.env, ...o }),
    identity: () => readFileSync(configIdentityPath(t.env), 'utf8').split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-1'))!,
  };
}

/** An empty folder with an isolated environment (no store, no identity). */
export function emptyPlace(): { root: string; dir: string; env: NodeJS.ProcessEnv; cleanup(): void } {
  const root = tempDir('kvgit-cli-');
  const dir = join(root, 'work');
  mkdirSync(dir);
  return { root, dir, env: isolatedEnv(root), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Parses JSON output, failing the test with the output when it is not JSON. */
export function json(r: CliResult): any {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}
