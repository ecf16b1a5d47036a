/**
 * Finding a store: a folder holding kvgit.json inside a work tree ("directory" layout), a
 * ".kvgit" folder in a work tree, or a "kvgit" branch ("branch" layout; after a fresh clone the
 * local branch is created from the remote-tracking one).
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { KvgitError } from '../errors';
import { STORE_FILE } from '../format/paths';
import type { StorageLocation } from '../storage/git';
import { findGitdir, listRefs, readRef, updateRef } from '../storage/refs';

export const DEFAULT_STORE_DIR = '.kvgit';
export const DEFAULT_BRANCH = 'kvgit';

// Synchronous checks: a handful of stats on every command's start.
function exists(p: string): boolean {
  return existsSync(p);
}

/** The nearest work tree root at or above `start`. */
export async function findWorktree(start: string): Promise<{ worktree: string; gitdir: string } | undefined> {
  let dir = resolve(start);
  for (;;) {
    const gitdir = await findGitdir(dir);
    if (gitdir) return { worktree: dir, gitdir };
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export async function locateStore(start: string, branch = DEFAULT_BRANCH): Promise<StorageLocation> {
  const repo = await findWorktree(start);
  if (!repo) throw new KvgitError('ERR_NOT_A_STORE', `no kvgit store at or above ${resolve(start)} (not in a git repository)`, { hint: 'run `kvgit init`' });
  // Directory layout: kvgit.json in the start folder or an ancestor, or in a .kvgit folder on the way up.
  let dir = resolve(start);
  for (;;) {
    for (const candidate of [dir, join(dir, DEFAULT_STORE_DIR)]) {
      if (exists(join(candidate, STORE_FILE))) {
        const rel = relative(repo.worktree, candidate).split('\\').join('/');
        if (rel !== '' && !rel.startsWith('..')) return { layout: 'directory', gitdir: repo.gitdir, worktree: repo.worktree, prefix: `${rel}/` };
      }
    }
    if (dir === repo.worktree) break;
    dir = dirname(dir);
  }
  const ref = `refs/heads/${branch}`;
  if (await readRef(repo.gitdir, ref)) return { layout: 'branch', gitdir: repo.gitdir, worktree: repo.worktree, prefix: '', branchRef: ref };
  const remotes = [...(await listRefs(repo.gitdir, 'refs/remotes/')).entries()].filter(([r]) => r.endsWith(`/${branch}`));
  if (remotes.length > 0) {
    const preferred = remotes.find(([r]) => r === `refs/remotes/origin/${branch}`) ?? remotes[0]!;
    await updateRef(repo.gitdir, ref, undefined, preferred[1]);
    return { layout: 'branch', gitdir: repo.gitdir, worktree: repo.worktree, prefix: '', branchRef: ref };
  }
  throw new KvgitError('ERR_NOT_A_STORE', `no kvgit store in the repository at ${repo.worktree}`, { hint: 'run `kvgit init`' });
}
