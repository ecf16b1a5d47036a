/**
 * Team tests: clones of one bare repository on disk, the real `git`, and the CLI built from the
 * sources (into a temporary folder, so a stale packages/cli/dist never decides a result), which
 * git runs as the diff driver, the merge driver and the commit hook.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Layout, Store, setupGit } from '@kvgit/core';
import { isolatedEnv, tempDir } from '../helpers/temp';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let built: Promise<string> | undefined;

/** Builds the CLI from the sources once per test run; returns the bundle's entry. */
export function buildCli(): Promise<string> {
  built ??= (async () => {
    const out = tempDir('kvgit-team-cli-');
    const { build } = await import('esbuild');
    const { bundles } = await import(pathToFileURL(join(root, 'packages', 'cli', 'build.config.mjs')).href);
    for (const options of bundles) await build({ logLevel: 'warning', absWorkingDir: join(root, 'packages', 'cli'), ...options, outdir: out });
    process.on('exit', () => rmSync(out, { recursive: true, force: true }));
    return join(out, 'kvgit.cjs');
  })();
  return built;
}

/** The shell words git runs kvgit with. */
export async function kvgitCommand(): Promise<string> {
  return `'${process.execPath}' '${await buildCli()}'`;
}

export interface Team {
  root: string;
  bare: string;
  env: NodeJS.ProcessEnv;
  /** An env with no identity at all (a non-member). */
  strangerEnv: NodeJS.ProcessEnv;
  clones: Record<string, string>;
  git(clone: string, ...args: string[]): string;
  /** Runs git without failing; for commands expected to fail. */
  tryGit(clone: string, ...args: string[]): { status: number; stdout: string; stderr: string };
  kvgit(clone: string, args: string[], env?: NodeJS.ProcessEnv): { status: number; stdout: string; stderr: string };
  /** Opens a clone's store; a clock makes created_time (which orders concurrent versions) exact. */
  open(clone: string, clock?: () => Date): Promise<Store>;
  cleanup(): void;
}

/**
 * A team: `origin` is a bare repository; `alice` made the store and pushed it; `bob` is a real
 * `git clone` of the bare repository. Both clones run `setup-git`. One identity (a member) is used
 * by both, so each test controls who is a member through the env it passes.
 */
export async function makeTeam(layout: Layout, options: { setup?: boolean } = {}): Promise<Team> {
  const dir = tempDir('kvgit-team-');
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  const identityFile = join(dir, 'identity.txt');
  // The stock age-keygen, as a member would make their identity.
  writeFileSync(identityFile, execFileSync('age-keygen', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }), { mode: 0o600 });
  const env = isolatedEnv(dir, { KVGIT_IDENTITY_FILE: identityFile });
  const strangerEnv = isolatedEnv(dir);
  const bare = join(dir, 'origin.git');
  const alice = join(dir, 'alice');
  const bob = join(dir, 'bob');
  // stdin closed and a time limit on every git run: a driver or hook that waited for input would fail the test, not hang it.
  const run = (cwd: string, args: string[], e = env) => execFileSync('git', args, { cwd, env: e, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  run(dir, ['init', '-q', '--bare', '-b', 'main', bare]);
  mkdirSync(alice);
  run(alice, ['init', '-q', '-b', 'main']);
  writeFileSync(join(alice, 'README.md'), 'a project\n');
  run(alice, ['add', 'README.md']);
  run(alice, ['commit', '-q', '-m', 'code: readme']);
  await Store.init({ path: alice, env, layout, memberName: 'team' });
  run(alice, ['remote', 'add', 'origin', bare]);
  run(alice, ['push', '-q', '-u', 'origin', 'main']);
  if (layout === 'branch') run(alice, ['push', '-q', '-u', 'origin', 'kvgit']);
  run(dir, ['clone', '-q', bare, bob]);
  const clones: Record<string, string> = { alice, bob };
  const cliPath = await buildCli();
  const command = await kvgitCommand();
  if (options.setup !== false) {
    for (const c of Object.values(clones)) await setupGit((await Store.open({ path: c, env })).location, { command, env });
  }
  const team: Team = {
    root: dir,
    bare,
    env,
    strangerEnv,
    clones,
    git: (clone, ...args) => run(clones[clone] ?? clone, args),
    tryGit: (clone, ...args) => {
      const r = spawnSync('git', args, { cwd: clones[clone] ?? clone, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
      return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
    kvgit: (clone, args, e = env) => {
      const s = spawnSync(process.execPath, [cliPath, ...args], { cwd: clones[clone] ?? clone, env: e, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
      return { status: s.status ?? -1, stdout: s.stdout, stderr: s.stderr };
    },
    open: (clone, clock) => Store.open({ path: clones[clone] ?? clone, env, clock }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  return team;
}

/**
 * Everything a member can read from a store: every key's metadata and the data of every version
 * (or why it cannot be read). Two stores with equal states are the same store to their users.
 */
export async function storeState(store: Store): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const m of await store.mounts()) {
    if (m.version !== 2) continue;
    for (const key of await store.scan(m.path)) {
      const meta = await store.readMetadata(m.path, key);
      const versions: Record<string, unknown> = {};
      for (const n of Object.keys(meta.versions)) {
        versions[n] = await store.readData(m.path, key, { version: Number(n) }).then((r) => r.data, (e: { code: string }) => e.code);
      }
      out[`${m.path}${key}`] = { meta, versions };
    }
  }
  return out;
}

/** The tree id of the store's root at the clone's store ref (the same id means the same bytes). */
export function storeTree(team: Team, clone: string, layout: Layout): string {
  return team.git(clone, 'rev-parse', layout === 'branch' ? 'kvgit^{tree}' : 'HEAD:.kvgit').trim();
}
