/**
 * The purge journal: blob ids a history rewrite is about to remove, written before the rewrite
 * starts, so the next command can finish a rewrite cut short (docs/FORMAT.md §4.1).
 */
import { promises as fsp, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { syncDirectory, writeFileDurablyAsync } from './files';

export const JOURNAL = 'kvgit-purge.json';

export async function writeJournal(gitdir: string, blobs: string[]): Promise<void> {
  const path = join(gitdir, JOURNAL);
  let existing: string[] = [];
  try {
    existing = JSON.parse(await fsp.readFile(path, 'utf8')).blobs ?? [];
  } catch {
    // none
  }
  // On disk before the rewrite starts: after a crash the next command must know to finish it.
  await writeFileDurablyAsync(path, JSON.stringify({ blobs: [...new Set([...existing, ...blobs])] }));
  syncDirectory(gitdir);
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

