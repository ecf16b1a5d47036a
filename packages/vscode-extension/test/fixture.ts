/**
 * Real temporary workspaces for the editor suites: a git repository with (or without) a kvgit
 * store, its own HOME and config folder, and a fixed git identity. Nothing is mocked: the store is
 * made by the core, as `kvgit init` would.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '@kvgit/core';

export type FixtureMode = 'directory' | 'empty' | 'browser';

export interface Fixture {
  mode: FixtureMode;
  root: string;
  repo: string;
  /** The member identity (kept outside the environment in "directory" mode, so the editor starts locked). */
  identity: string;
  identityFile: string;
  /** The environment VS Code (and so the extension host) runs with. */
  env: Record<string, string>;
  /** A value that must never reach a file (the leak test looks for it). */
  sentinel: string;
}

export const SEEDS: Record<string, Record<string, unknown>> = {
  'app/db': { username: 'dbuser', password: 'db-password-1' },
  'app/api': { token: 'api-token-1' },
  top: { note: 'top-level key' },
};

function baseEnv(root: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith('KVGIT_') || k.startsWith('GIT_') || k.startsWith('VSCODE_') || k.startsWith('ELECTRON_')) continue;
    env[k] = v;
  }
  return {
    ...env,
    HOME: join(root, 'home'),
    XDG_CONFIG_HOME: join(root, 'home', '.config'),
    XDG_DATA_HOME: join(root, 'home', '.local', 'share'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Editor Test',
    GIT_AUTHOR_EMAIL: 'editor@example.test',
    GIT_COMMITTER_NAME: 'Editor Test',
    GIT_COMMITTER_EMAIL: 'editor@example.test',
    USER: 'tester',
  };
}

export async function createFixture(mode: FixtureMode, parent = tmpdir()): Promise<Fixture> {
  const root = mkdtempSync(join(parent, `kvgit-editor-${mode}-`));
  const repo = join(root, 'repo');
  const env = baseEnv(root);
  mkdirSync(join(env.XDG_CONFIG_HOME!, 'kvgit'), { recursive: true, mode: 0o700 });
  mkdirSync(repo, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, env, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  writeFileSync(join(repo, 'README.md'), '# a project with secrets\n');
  git('add', 'README.md');
  git('commit', '-q', '-m', 'initial commit');
  const configIdentity = join(env.XDG_CONFIG_HOME!, 'kvgit', 'identity.txt');
  const identityFile = join(root, 'identity.txt');
  const sentinel = `SENTINEL-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;

  if (mode === 'empty') {
    // No store yet; the user's identity is in the config folder (init uses it).
    execFileSync('age-keygen', ['-o', configIdentity], { env, stdio: 'pipe' });
  } else {
    const { store } = await Store.init({ path: repo, env, layout: 'directory', memberName: 'tester' });
    for (const [key, data] of Object.entries(SEEDS)) await store.writeData('secret', key, { data });
    store.lock();
  }
  const identity = readFileSync(configIdentity, 'utf8').split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-1'))!;
  writeFileSync(identityFile, `${identity}\n`, { mode: 0o600 });
  if (mode === 'directory') renameSync(configIdentity, join(root, 'moved-identity.txt'));
  return { mode, root, repo, identity, identityFile, env, sentinel };
}

/** The environment of a test process that acts as another kvgit user of the same repository. */
export function otherWriterEnv(f: Fixture): NodeJS.ProcessEnv {
  return { ...f.env, KVGIT_IDENTITY_FILE: f.identityFile };
}

/** Written by the runners, read by the suite inside VS Code. */
export function fixtureFromEnv(): Fixture {
  const raw = process.env.KVGIT_TEST_FIXTURE;
  if (!raw) throw new Error('KVGIT_TEST_FIXTURE is not set: run the suite through a runner');
  return JSON.parse(readFileSync(raw, 'utf8')) as Fixture;
}
