/**
 * Notices changes made outside the editor: a CLI write, `git pull`, `git switch`, a rebase. All of
 * them move a ref or HEAD, so watching HEAD, packed-refs and refs/ is enough; the work tree is
 * not watched (store writes never need it, and it is noisy). Events are coalesced, then the model
 * compares refs and head commits itself, so a spurious event costs one ref read.
 */
import { type FSWatcher, watch } from 'node:fs';
import { join } from 'node:path';
import { findWorktree } from '@kvgit/core';
import type { Disposable } from './events';

export class RefWatcher implements Disposable {
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private watchedGitdir: string | undefined;
  private disposed = false;

  constructor(
    private readonly root: string,
    private readonly onChange: () => void,
    private readonly delayMs = 150,
  ) {}

  /** (Re)arms the watchers for the repository holding `root`; cheap when nothing changed. */
  async arm(): Promise<void> {
    if (this.disposed) return;
    const repo = await findWorktree(this.root);
    const gitdir = repo?.gitdir;
    if (gitdir === this.watchedGitdir && this.watchers.length > 0) return;
    this.close();
    this.watchedGitdir = gitdir;
    const fire = (name: string | Buffer | null) => {
      const n = name?.toString() ?? '';
      if (n.endsWith('.lock') || n.startsWith('objects') || n === 'index' || n === 'kvgit.lock') return;
      this.schedule();
    };
    const tryWatch = (path: string, recursive: boolean) => {
      try {
        const w = watch(path, { recursive, persistent: false }, (_event, name) => fire(name));
        w.on('error', () => undefined);
        this.watchers.push(w);
      } catch {
        // a folder that does not exist yet (e.g. refs/remotes): covered by the gitdir watcher
      }
    };
    // Without a repository, watch the folder itself: `git init` / `kvgit init` creates .git there.
    if (!gitdir) return tryWatch(this.root, false);
    tryWatch(gitdir, false); // HEAD, packed-refs, FETCH_HEAD, ORIG_HEAD
    tryWatch(join(gitdir, 'refs'), true);
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.onChange();
    }, this.delayMs);
  }

  private close(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.close();
  }
}
