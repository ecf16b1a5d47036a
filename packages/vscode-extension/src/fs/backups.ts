/**
 * VS Code writes a dirty editor's text to a backup file about a second after each change (crash
 * recovery and hot exit), for every scheme; for a kvgit: document that is plaintext on disk. No API
 * turns this off per scheme, so the extension deletes those backups as soon as they appear (and
 * sweeps on start and stop). What remains is written down in the package README: the plaintext is
 * on disk for the moment between VS Code's write and this deletion, and a workbench whose user data
 * is on another machine than the extension host cannot be reached.
 *
 * Backups live at <user data>/Backups/<workspace>/<scheme>/<hash> (desktop) and
 * <user data>/User/Backups/<workspace>/<scheme>/<hash> (the web workbench, e.g. code-server). Both
 * are found from the extension's global storage folder, <user data>/User/globalStorage/<id>.
 */
import { type FSWatcher, promises as fsp, watch } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Emitter } from '../model/events';
import { SCHEME } from './uris';

export class BackupScrubber {
  private readonly watchers = new Map<string, FSWatcher>();
  private sweeping: Promise<number> | undefined;
  private again = false;
  private readonly scrubbed = new Emitter<string[]>();
  /** Backup files deleted (their paths). */
  readonly onDidScrub = this.scrubbed.event;
  total = 0;

  constructor(readonly roots: string[]) {}

  /** The two possible Backups folders for a global storage folder. */
  static rootsFor(globalStorage: string): string[] {
    const userDir = dirname(globalStorage); // …/User/globalStorage
    const user = basename(userDir) === 'globalStorage' ? dirname(userDir) : userDir; // …/User
    return [join(user, 'Backups'), join(dirname(user), 'Backups')];
  }

  async start(): Promise<void> {
    await this.sweep();
  }

  /** Watches one folder (not recursively: that misses events on some Linux set-ups). */
  private watchDir(dir: string): void {
    if (this.watchers.has(dir)) return;
    try {
      const w = watch(dir, { persistent: false }, () => void this.sweep());
      w.on('error', () => {
        w.close();
        this.watchers.delete(dir);
      });
      this.watchers.set(dir, w);
    } catch {
      // gone meanwhile, or no such folder on this machine (a remote workbench)
    }
  }

  /**
   * Deletes every backup of a kvgit: document and watches every folder on the way to them (each
   * Backups folder or, while it does not exist, its parent; each workspace folder; each kvgit
   * folder). Resolves to how many files were deleted.
   */
  sweep(): Promise<number> {
    if (this.sweeping) {
      this.again = true;
      return this.sweeping;
    }
    this.sweeping = (async () => {
      let n = 0;
      do {
        this.again = false;
        const removed: string[] = [];
        for (const root of this.roots) {
          const workspaces = await fsp.readdir(root).catch(() => undefined);
          if (!workspaces) {
            this.watchDir(dirname(root));
            continue;
          }
          this.watchDir(root);
          for (const ws of workspaces) {
            this.watchDir(join(root, ws));
            const dir = join(root, ws, SCHEME);
            const files = await fsp.readdir(dir).catch(() => undefined);
            if (!files) continue;
            this.watchDir(dir);
            for (const f of files) {
              const path = join(dir, f);
              await fsp.rm(path, { force: true, recursive: true }).then(() => removed.push(path), () => undefined);
            }
          }
        }
        n += removed.length;
        this.total += removed.length;
        if (removed.length > 0) this.scrubbed.fire(removed);
      } while (this.again);
      return n;
    })().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  dispose(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    this.scrubbed.dispose();
  }
}
