import { readSync, unlinkSync } from 'node:fs';

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
