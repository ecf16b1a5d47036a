/** Real temporary repositories and an isolated environment (own HOME and config folder) per test. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store, type InitOptions, type Layout } from '@kvgit/core';

export interface TempStore {
  root: string;
  repo: string;
  env: NodeJS.ProcessEnv;
  store: Store;
  cleanup(): void;
}

/** An environment with no identity sources but the ones a test sets, and a fixed git identity. */
export function isolatedEnv(root: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('KVGIT_') || k.startsWith('GIT_')) delete env[k];
  return {
    ...env,
    HOME: join(root, 'home'),
    XDG_CONFIG_HOME: join(root, 'home', '.config'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Test Author',
    GIT_AUTHOR_EMAIL: 'author@example.test',
    GIT_COMMITTER_NAME: 'Test Committer',
    GIT_COMMITTER_EMAIL: 'committer@example.test',
    ...extra,
  };
}

/**
 * Every folder made by tempDir, removed when the mocha run ends even if a test did not clean up:
 * they hold identities and stores, which must not pile up in /tmp.
 */
const made = new Set<string>();
if (typeof after === 'function') {
  // Called while mocha loads the first test file that imports this: a hook of the root suite.
  after(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
    made.clear();
  });
}

export function tempDir(prefix = 'kvgit-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** A fresh store in a new repository. `clock` lets a test control time. */
export async function tempStore(options: { layout?: Layout; clock?: () => Date } & Partial<InitOptions> = {}): Promise<TempStore> {
  const root = tempDir();
  const env = isolatedEnv(root);
  const repo = join(root, 'repo');
  const { store } = await Store.init({ path: repo, env, ...options });
  return { root, repo, env, store, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** A controllable clock: starts at a fixed instant; `advance(ms)` moves it. */
export function manualClock(start = Date.parse('2026-01-01T00:00:00Z')) {
  let now = start;
  const clock = () => new Date(now);
  // defineProperty, not Object.assign: assign would copy the getter's value once, freezing `now`.
  const controls = Object.assign(clock, {
    advance(ms: number) {
      now += ms;
    },
    set(ms: number) {
      now = ms;
    },
  });
  return Object.defineProperty(controls, 'now', { get: () => now, enumerable: true }) as typeof controls & { readonly now: number };
}
