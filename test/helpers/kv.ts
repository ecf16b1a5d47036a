/**
 * Helpers for the core's KV tests: one real store per test file (a fresh mount per test keeps the
 * tests independent), error assertions on KvgitError's stable fields, and a time formatter written
 * from the reference (§2.3), independent of the engine's.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { type ErrorCode, KvgitError, type Layout, type Store } from '@kvgit/core';
import { type TempStore, manualClock, tempStore } from './temp';

export const HOUR = 3_600_000;
export const MINUTE = 60_000;
export const SECOND = 1000;

export interface SharedStore {
  clock: ReturnType<typeof manualClock>;
  t: TempStore;
  store: Store;
  /** Enables a new KV mount (v2 unless asked) and returns its path without the slash. */
  mount(version?: 1 | 2): Promise<string>;
}

/** A store created before the file's tests and removed after them. */
export function sharedStore(options: { layout?: Layout } = {}): SharedStore {
  const ctx = { clock: manualClock() } as SharedStore;
  let n = 0;
  before(async function () {
    this.timeout(60_000);
    ctx.t = await tempStore({ clock: ctx.clock, ...options });
    ctx.store = ctx.t.store;
  });
  after(() => ctx.t?.cleanup());
  ctx.mount = async (version = 2) => {
    const m = `m${++n}`;
    await ctx.store.enableMount(m, { version });
    return m;
  };
  return ctx;
}

export interface ExpectedError {
  code: ErrorCode;
  status?: number;
  message?: string | RegExp;
  /** The 404 body's data; `undefined` asserts a 404 without a body. */
  data?: unknown;
}

/** Awaits `p`, asserts it failed with a KvgitError matching `e`, and returns the error. */
export async function rejects(p: Promise<unknown>, e: ExpectedError): Promise<KvgitError> {
  let err: unknown;
  let value: unknown;
  try {
    value = await p;
  } catch (x) {
    err = x;
  }
  if (err === undefined) assert.fail(`expected ${e.code}, but the call succeeded with ${JSON.stringify(value)}`);
  if (!(err instanceof KvgitError)) throw err;
  assert.equal(err.code, e.code, `code (message: ${err.message})`);
  if (e.status !== undefined) assert.equal(err.httpStatus, e.status, 'HTTP status');
  if (typeof e.message === 'string') assert.equal(err.message, e.message);
  else if (e.message) assert.match(err.message, e.message);
  if ('data' in e) assert.deepEqual(err.details.data, e.data, '404 body data');
  return err;
}

/** A 404 Vault answers without a body (missing key or version). */
export const NOT_FOUND: ExpectedError = { code: 'ERR_NOT_FOUND', status: 404, data: undefined };

/** Reference §2.3: RFC 3339 UTC, trailing fractional zeros trimmed, no fraction when zero. */
export function rfc3339(ms: number): string {
  const iso = new Date(ms).toISOString();
  const [whole, frac] = iso.slice(0, -1).split('.') as [string, string];
  const f = frac.replace(/0+$/, '');
  return f === '' ? `${whole}Z` : `${whole}.${f}Z`;
}

/** The version metadata Vault returns (write/patch response, read's `metadata`). */
export function versionMeta(version: number, created: number, opts: { deletion?: number | null; destroyed?: boolean; custom?: Record<string, string> | null } = {}) {
  return {
    created_time: rfc3339(created),
    custom_metadata: opts.custom ?? null,
    deletion_time: opts.deletion == null ? '' : rfc3339(opts.deletion),
    destroyed: opts.destroyed ?? false,
    version,
  };
}

export function git(cwd: string, args: string[], input?: string): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
}

/** The commit the store's ref points at (directory layout: HEAD; branch layout: refs/heads/kvgit). */
export function storeHead(t: TempStore): string {
  const ref = t.store.location.layout === 'branch' ? t.store.location.branchRef! : 'HEAD';
  return git(t.repo, ['rev-parse', ref]).trim();
}

export function commitCount(t: TempStore): number {
  const ref = t.store.location.layout === 'branch' ? t.store.location.branchRef! : 'HEAD';
  return Number(git(t.repo, ['rev-list', '--count', ref]).trim());
}
