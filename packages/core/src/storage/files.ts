import { closeSync, fsyncSync, openSync, promises as fsp, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Removes a file if it is there, like `rmSync(path, { force: true })`, which in Node 20 loads the
 * recursive-removal module on first use: a cost on every write that removes its lock.
 */
export function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** Reads `length` bytes at `position` into `buf` (fewer only at the end of the file); returns how many. */
export function readAt(fd: number, buf: Buffer, length: number, position: number): number {
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

// Durability (docs/FORMAT.md §4.3): what a store's history is made of (objects, packs, refs, the
// purge journal) reaches the disk before anything that depends on it is written, so a crash or a
// power loss leaves the old store or the new one, never a ref to an object that was not written.

const tmpName = (path: string) => `${path}.kvgit-tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;

/** Writes a file whole or not at all, even across a power loss: a temporary file, flushed, renamed. */
export function writeFileDurably(path: string, content: Uint8Array | string, mode = 0o666): void {
  const tmp = tmpName(path);
  const fd = openSync(tmp, 'wx', mode);
  try {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    removeFile(tmp);
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

/**
 * writeFileDurably for large files (packs), without blocking the event loop. `through` names the
 * temporary file: a lock file, created exclusively (EEXIST when another process holds it).
 */
export async function writeFileDurablyAsync(path: string, content: Uint8Array | string, { mode = 0o666, through: tmp = tmpName(path) } = {}): Promise<void> {
  const file = await fsp.open(tmp, 'wx', mode);
  try {
    await file.writeFile(content);
    await file.sync();
  } catch (e) {
    await file.close();
    await fsp.rm(tmp, { force: true });
    throw e;
  }
  await file.close();
  await fsp.rename(tmp, path);
}

/** Makes the renames into a directory durable (the entries, not the files' contents). */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** syncDirectory for the folders of these files, each once (a folder that is not there has nothing to keep). */
export function syncDirectoriesOf(paths: Iterable<string>): void {
  for (const dir of new Set([...paths].map((p) => dirname(p)))) {
    try {
      syncDirectory(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}
