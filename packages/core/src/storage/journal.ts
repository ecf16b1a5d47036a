/**
 * The purge journal: blob ids a history rewrite is about to remove, written before the rewrite
 * starts, so the next command can finish a rewrite cut short (docs/FORMAT.md §4.1).
 */
import { promises as fsp, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const JOURNAL = 'kvgit-purge.json';

export async function writeJournal(gitdir: string, blobs: string[]): Promise<void> {
  const path = join(gitdir, JOURNAL);
  let existing: string[] = [];
  try {
    existing = JSON.parse(await fsp.readFile(path, 'utf8')).blobs ?? [];
  } catch {
    // none
  }
  const tmp = `${path}.tmp-${process.pid}`;
  await fsp.writeFile(tmp, JSON.stringify({ blobs: [...new Set([...existing, ...blobs])] }));
  await fsp.rename(tmp, path);
}

export async function clearJournal(gitdir: string): Promise<void> {
  await fsp.rm(join(gitdir, JOURNAL), { force: true });
}

/** Read synchronously: every write checks for it, and it is almost never there. */
export async function readJournal(gitdir: string): Promise<string[] | undefined> {
  try {
    const j = JSON.parse(readFileSync(join(gitdir, JOURNAL), 'utf8'));
    return Array.isArray(j.blobs) ? j.blobs : undefined;
  } catch {
    return undefined;
  }
}

