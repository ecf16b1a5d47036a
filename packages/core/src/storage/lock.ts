/**
 * The store's write lock: one file created exclusively in the git directory, naming its owner.
 * A lock whose owner process is gone (same host) is stale and taken over, so a killed writer
 * never blocks the store; otherwise writers wait, then fail with ERR_LOCK_TIMEOUT.
 */
import { promises as fsp, writeFileSync } from 'node:fs';
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

/** `fn` learns whether the lock was taken over from a crashed owner (so it can repair after it). */
export async function withLock<T>(gitdir: string, fn: (recoveredFromCrash: boolean) => Promise<T>, options: LockOptions = {}): Promise<T> {
  const path = join(gitdir, 'kvgit.lock');
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const owner = JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() });
  let delay = 2;
  let recovered = false;
  for (;;) {
    try {
      writeFileSync(path, owner, { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (await isStale(path)) {
      // Rename first, so two processes that both saw the stale lock do not both delete a fresh one.
      const aside = `${path}.stale-${process.pid}`;
      try {
        await fsp.rename(path, aside);
        if (await isStale(aside)) {
          await fsp.rm(aside, { force: true });
          recovered = true;
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

async function isStale(path: string): Promise<boolean> {
  let text: string;
  try {
    text = await fsp.readFile(path, 'utf8');
  } catch {
    return false;
  }
  try {
    const { pid, host } = JSON.parse(text) as { pid: number; host: string };
    return host === hostname() && !alive(pid);
  } catch {
    // A lock file cut short by a crash between create and write: stale once it is old.
    const st = await fsp.stat(path).catch(() => undefined);
    return st !== undefined && Date.now() - st.mtimeMs > 5_000;
  }
}
