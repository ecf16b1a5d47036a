/**
 * The store's write lock: one file created exclusively in the git directory, naming its owner.
 * A lock whose owner process is gone (same host) is stale and taken over, so a killed writer
 * never blocks the store; otherwise writers wait, then fail with ERR_LOCK_TIMEOUT.
 */
import { promises as fsp, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { KvgitError } from '../errors';
import { removeFile } from './files';

export interface LockOptions {
  timeoutMs?: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What the lock file says of its owner. */
export interface LockOwner {
  pid?: number;
  host?: string;
  since?: string;
  /** The git index lock (device and inode of index.lock) the owner took for its write, if it had one. */
  indexLock?: { dev: number; ino: number };
}

/**
 * `fn` learns, when the lock was taken over from a crashed owner, what that owner's lock said
 * (so it can repair after it).
 */
export async function withLock<T>(gitdir: string, fn: (crashedOwner: LockOwner | undefined) => Promise<T>, options: LockOptions = {}): Promise<T> {
  const path = join(gitdir, 'kvgit.lock');
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const owner = JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() });
  let delay = 2;
  let recovered: LockOwner | undefined;
  for (;;) {
    try {
      writeFileSync(path, owner, { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (await staleOwner(path)) {
      // Rename first, so two processes that both saw the stale lock do not both delete a fresh one.
      const aside = `${path}.stale-${process.pid}`;
      try {
        await fsp.rename(path, aside);
        const stale = await staleOwner(aside);
        if (stale) {
          await fsp.rm(aside, { force: true });
          recovered = stale;
        }
        else await fsp.rename(aside, path).catch(() => {});
      } catch {
        // someone else took it over first
      }
      continue;
    }
    if (Date.now() > deadline) {
      throw new KvgitError('ERR_LOCK_TIMEOUT', `the store is locked by another process (${path})`, { file: path, hint: 'retry, or remove the lock file if its owner is gone' });
    }
    await new Promise((r) => setTimeout(r, delay + Math.random() * delay));
    delay = Math.min(delay * 2, 100);
  }
  try {
    return await fn(recovered);
  } finally {
    removeFile(path);
  }
}

/** The owner's record when the lock is stale (its owner is gone), else undefined. */
async function staleOwner(path: string): Promise<LockOwner | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const owner = JSON.parse(text) as LockOwner;
    return owner.host === hostname() && !alive(owner.pid!) ? owner : undefined;
  } catch {
    // A lock file cut short by a crash between create and write: stale once it is old.
    const st = await fsp.stat(path).catch(() => undefined);
    return st !== undefined && Date.now() - st.mtimeMs > 5_000 ? {} : undefined;
  }
}

/**
 * Adds to the lock file this process holds what a takeover would need to know after a crash.
 * Rewritten in place: a crash in the middle leaves a lock cut short, which is taken over as stale.
 */
export function noteInLock(gitdir: string, note: Partial<LockOwner>): void {
  const path = join(gitdir, 'kvgit.lock');
  const owner = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
  if (owner.pid !== process.pid) throw new Error(`${path} is not held by this process`);
  writeFileSync(path, JSON.stringify({ ...owner, ...note }));
}
