import { unlinkSync } from 'node:fs';

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
