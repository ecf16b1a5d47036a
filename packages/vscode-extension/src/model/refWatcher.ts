/**
 * Notices changes made outside the editor: a CLI write, `git pull`, `git switch`, a rebase. All of
 * them move a ref or HEAD (and a kvgit write also removes its lock file in the git directory), so
 * watching the git directory and the folders under refs/ is enough; the work tree is not watched.
 * Each folder is watched on its own (recursive watching misses events on some Linux set-ups).
 * Events are coalesced; the model then compares refs and head commits itself, so a spurious event
 * costs one ref read.
 */
import { type FSWatcher, promises as fsp, watch } from 'node:fs';
import { join } from 'node:path';
import { findWorktree } from '@kvgit/core';
import type { Disposable } from './events';

export class RefWatcher implements Disposable {
  private readonly watchers = new Map<string, FSWatcher>();
  private timer: NodeJS.Timeout | undefined;
  private watchedGitdir: string | undefined;
  private disposed = false;

  constructor(
    private readonly root: string,
    private readonly onChange: () => void,
    private readonly delayMs = 100,
  ) {}

  /** (Re)arms the watchers for the repository holding `root`, adding folders that appeared. */
  async arm(): Promise<void> {
    if (this.disposed) return;
    const repo = await findWorktree(this.root);
    const gitdir = repo?.gitdir;
    if (gitdir !== this.watchedGitdir) this.close();
    this.watchedGitdir = gitdir;
    // Without a repository, watch the folder itself: `git init` / `kvgit init` creates .git there.
    if (!gitdir) return this.add(this.root);
    this.add(gitdir);
    for (const dir of await folders(join(gitdir, 'refs'), 4)) this.add(dir);
  }

  private add(dir: string): void {
    if (this.watchers.has(dir)) return;
    try {
      const w = watch(dir, { persistent: false }, (_event, name) => {
        if (name?.toString().startsWith('index')) return; // git's index: not a store change
        this.schedule();
      });
      w.on('error', () => {
        w.close();
        this.watchers.delete(dir);
      });
      this.watchers.set(dir, w);
    } catch {
      // gone meanwhile
    }
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.arm(); // new ref folders (a branch "feature/x", a new remote)
      this.onChange();
    }, this.delayMs);
  }

  private close(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.close();
  }
}

async function folders(dir: string, depth: number): Promise<string[]> {
  const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
  const out = [dir];
  if (depth > 0) for (const e of entries) if (e.isDirectory()) out.push(...(await folders(join(dir, e.name), depth - 1)));
  return entries.length === 0 && depth === 4 ? [] : out;
}
