/**
 * What the warm process keeps between requests, and how it stays correct while commits land
 * underneath (a `git pull`, a checkout, the CLI, another server). Everything cached is keyed by
 * the store's head commit: a commit fixes every byte the core reads, so a result computed at
 * commit C is the answer at C until time passes a version's deletion_time. Each request re-reads
 * the ref (two small files), and a new head starts an empty generation. Results are only kept
 * when the head was the same before and after computing them.
 *
 * Writes from this process run one at a time (the core's file lock serialises them with other
 * processes); a write the ref moved under (ERR_STORE_MODIFIED: nothing was written) is retried.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Mount, type Store, isKvgitError } from '@kvgit/core';

interface Entry {
  promise: Promise<unknown>;
  /** Epoch ms after which the result may differ although the commit did not. */
  until?: number;
}

export interface Generation {
  readonly head: string | undefined;
  readonly memo: Map<string, Entry>;
}

const MAX_ENTRIES = 20_000;
const WRITE_RETRIES = 5;

export class StoreState {
  private gen: Generation = { head: '<none>', memo: new Map() };
  private writeChain: Promise<unknown> = Promise.resolve();
  private inflight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(readonly store: Store) {}

  /** The generation for the newest commit; call once per request. */
  async current(): Promise<Generation> {
    const head = this.head();
    if (head !== this.gen.head) this.gen = { head, memo: new Map() };
    return this.gen;
  }

  /**
   * The commit the store is at, read the way the core reads it (HEAD's branch, or the store's
   * branch; a loose ref, else packed-refs), but synchronously: a few microseconds instead of
   * several thread-pool round trips, on the path of every request.
   */
  head(): string | undefined {
    const { gitdir, layout, branchRef } = this.store.location;
    let ref = branchRef;
    if (layout !== 'branch') {
      const text = readFileSync(join(gitdir, 'HEAD'), 'utf8').trim();
      if (!text.startsWith('ref: ')) return `detached ${text}`;
      ref = text.slice(5).trim();
    }
    return resolveRef(gitdir, ref!, 0);
  }

  /**
   * Computes `fn` once per generation and key. Failures the core reports as Vault errors (4xx)
   * are cached like results: they too are fixed by the commit.
   */
  async memo<T>(gen: Generation, key: string, fn: () => Promise<T>, expiresAt?: (value: T) => number | undefined): Promise<T> {
    const hit = gen.memo.get(key);
    if (hit && (hit.until === undefined || Date.now() < hit.until)) return hit.promise as Promise<T>;
    const entry: Entry = { promise: fn() };
    if (gen.memo.size >= MAX_ENTRIES) gen.memo.delete(gen.memo.keys().next().value as string);
    gen.memo.set(key, entry);
    try {
      const value = (await entry.promise) as T;
      entry.until = expiresAt?.(value);
      await this.keepIfStill(gen, key, entry);
      return value;
    } catch (e) {
      if (isKvgitError(e) && e.httpStatus !== undefined && e.httpStatus < 500) await this.keepIfStill(gen, key, entry);
      else if (gen.memo.get(key) === entry) gen.memo.delete(key);
      throw e;
    }
  }

  private async keepIfStill(gen: Generation, key: string, entry: Entry): Promise<void> {
    // The core read the newest commit, which may already be a later one than gen.head.
    let head: string | undefined;
    try {
      head = this.head();
    } catch {
      head = '<error>';
    }
    if (head !== gen.head && gen.memo.get(key) === entry) gen.memo.delete(key);
  }

  mounts(gen: Generation): Promise<Mount[]> {
    return this.memo(gen, 'mounts', () => this.store.mounts());
  }

  /** Runs a mutation after every earlier one from this process has finished. */
  write<T>(fn: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await fn();
        } catch (e) {
          if (!isKvgitError(e, 'ERR_STORE_MODIFIED') || attempt >= WRITE_RETRIES) throw e;
          await new Promise((r) => setTimeout(r, 5 * (attempt + 1)));
        }
      }
    };
    const p = this.writeChain.then(run, run);
    this.writeChain = p.catch(() => undefined);
    return p;
  }

  /** Counts a request in flight, so shutdown can wait for it. */
  async track<T>(fn: () => Promise<T>): Promise<T> {
    this.inflight++;
    try {
      return await fn();
    } finally {
      this.inflight--;
      if (this.inflight === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** Resolves when no request is being handled and every queued write has finished. */
  async drained(): Promise<void> {
    await this.writeChain;
    if (this.inflight > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
    await this.writeChain;
  }
}

function resolveRef(gitdir: string, ref: string, depth: number): string | undefined {
  try {
    const text = readFileSync(join(gitdir, ref), 'utf8').trim();
    if (text.startsWith('ref: ') && depth < 5) return resolveRef(gitdir, text.slice(5).trim(), depth + 1);
    if (/^[0-9a-f]{40}$/.test(text)) return text;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'EISDIR' && code !== 'ENOTDIR') throw e;
  }
  let packed: string;
  try {
    packed = readFileSync(join(gitdir, 'packed-refs'), 'utf8');
  } catch {
    return undefined;
  }
  for (const line of packed.split('\n')) {
    const [oid, name] = line.split(' ');
    if (name === ref && oid && /^[0-9a-f]{40}$/.test(oid)) return oid;
  }
  return undefined;
}
