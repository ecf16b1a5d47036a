/**
 * The store's storage: files inside git commits. A read walks trees from one commit (a consistent
 * snapshot); a write builds new blobs and only the trees on the changed paths, writes one commit
 * and moves the ref with a compare-and-swap. No index pass over the repository is ever made.
 *
 * Two layouts (docs/FORMAT.md §Layouts): "directory" keeps the store under a folder of the current
 * branch and mirrors each change into the work tree and the index entries of the store's own
 * paths; "branch" keeps it on a dedicated branch with no work-tree files.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, promises as fsp, readFileSync, renameSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KvgitError } from '../errors';
import { FILE_MODE, ObjectStore, TREE_MODE, type TreeEntry, encodeCommit, parseCommit } from './objects';
import { readHead, readRef, updateRef } from './refs';
import { type LockOwner, noteInLock, withLock } from './lock';
import { signatures } from './signature';
import { crashPoint } from './crash';
import { type IndexLock, type IndexRead, checkIndex, lockIndex, releaseIndex, updateIndex } from './gitIndex';
import { removeFile } from './files';

export type Layout = 'directory' | 'branch';

export interface StorageLocation {
  layout: Layout;
  gitdir: string;
  /** The repository's work tree (both layouts have one unless the repository is bare). */
  worktree: string | undefined;
  /** "directory": the folder inside the branch, with a trailing "/"; "branch": "". */
  prefix: string;
  /** "branch": the dedicated branch's full ref name. "directory": resolved from HEAD at each use. */
  branchRef?: string;
}

export type Edit =
  | { path: string; content: Uint8Array }
  | { path: string; remove: true }
  /** Put an existing tree at a path (moving a folder reuses its objects), or remove the folder. */
  | { path: string; tree: string | undefined };

type Node =
  | { kind: 'blob'; content: Uint8Array }
  | { kind: 'remove' }
  | { kind: 'tree'; oid: string | undefined }
  /** Edits inside a folder; `base` (when set) replaces the folder's current tree before they apply. */
  | { kind: 'dir'; children: Map<string, Node>; base?: { oid: string | undefined } };

/** One commit's view of the store's files (paths relative to the store root). */
export class Snapshot {
  private readonly trees = new Map<string, Promise<TreeEntry[]>>();

  constructor(
    private readonly objects: ObjectStore,
    readonly commit: string | undefined,
    private readonly rootTree: string | undefined,
  ) {}

  private entries(oid: string): Promise<TreeEntry[]> {
    let p = this.trees.get(oid);
    if (!p) {
      p = this.objects.readTree(oid);
      this.trees.set(oid, p);
    }
    return p;
  }

  /** The entry at a path, or undefined. "" is the store root. */
  async entry(path: string): Promise<{ mode: string; oid: string } | undefined> {
    if (!this.rootTree) return undefined;
    let cur: { mode: string; oid: string } = { mode: TREE_MODE, oid: this.rootTree };
    for (const part of path.split('/').filter((p) => p !== '')) {
      if (cur.mode !== TREE_MODE) return undefined;
      const next = (await this.entries(cur.oid)).find((e) => e.name === part);
      if (!next) return undefined;
      cur = next;
    }
    return cur;
  }

  async readFile(path: string): Promise<Uint8Array | undefined> {
    const e = await this.entry(path);
    if (!e || e.mode === TREE_MODE) return undefined;
    return (await this.objects.read(e.oid)).content;
  }

  async listDir(path: string): Promise<TreeEntry[] | undefined> {
    const e = await this.entry(path);
    if (!e || e.mode !== TREE_MODE) return undefined;
    return this.entries(e.oid);
  }

  async exists(path: string): Promise<boolean> {
    return (await this.entry(path)) !== undefined;
  }
}

export class GitStorage {
  readonly objects: ObjectStore;

  constructor(
    readonly location: StorageLocation,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.objects = new ObjectStore(location.gitdir);
  }

  /** The ref the store lives on, checking that the repository is in a state we may write to. */
  async ref(forWrite = false): Promise<string> {
    const { layout, gitdir } = this.location;
    if (layout === 'branch') return this.location.branchRef!;
    const head = await readHead(gitdir);
    if (!head.symbolic) {
      throw new KvgitError('ERR_GIT_STATE', 'HEAD is detached; check out a branch before changing the store', { hint: 'git switch <branch>' });
    }
    if (forWrite) {
      const inProgress: Array<[string, string]> = [
        ['MERGE_HEAD', 'merge'], ['rebase-merge', 'rebase'], ['rebase-apply', 'rebase'], ['CHERRY_PICK_HEAD', 'cherry-pick'], ['REVERT_HEAD', 'revert'],
      ];
      for (const [marker, what] of inProgress) {
        if (existsSync(join(gitdir, marker))) {
          throw new KvgitError('ERR_GIT_STATE', `a ${what} is in progress; finish or abort it before changing the store`, {});
        }
      }
    }
    return head.symbolic;
  }

  /** The store's newest commit. A detached HEAD (a CI checkout) is read where it points; writes refuse it (ref). */
  async head(): Promise<string | undefined> {
    if (this.location.layout === 'directory') {
      const head = await readHead(this.location.gitdir);
      if (!head.symbolic) return head.oid;
    }
    return readRef(this.location.gitdir, await this.ref());
  }

  async snapshot(commit?: string): Promise<Snapshot> {
    const oid = commit ?? (await this.head());
    if (!oid) return new Snapshot(this.objects, undefined, undefined);
    const c = await this.objects.read(oid);
    if (c.type !== 'commit') throw new KvgitError('ERR_CORRUPT', `${oid} is not a commit`);
    const root = parseCommit(c.content).tree;
    const storeRoot = this.location.prefix === '' ? root : (await new Snapshot(this.objects, oid, root).entry(this.location.prefix))?.oid;
    return new Snapshot(this.objects, oid, storeRoot);
  }

  withLock<T>(fn: () => Promise<T>, timeoutMs?: number): Promise<T> {
    return withLock(this.location.gitdir, async (crashed) => {
      if (crashed) await this.repairAfterCrash(crashed);
      return fn();
    }, { timeoutMs });
  }

  /**
   * After taking the lock over from a killed writer: drop the ref lock and the index lock it may
   * have left, and re-apply the newest commit's store files to the work tree (the sync may have
   * been cut short). The index lock is removed only if it is the very file the writer created.
   */
  private async repairAfterCrash(crashed: LockOwner): Promise<void> {
    const ref = await this.ref();
    await fsp.rm(join(this.location.gitdir, `${ref}.lock`), { force: true });
    const indexLock = join(this.location.gitdir, 'index.lock');
    const left = crashed.indexLock && (await fsp.stat(indexLock).catch(() => undefined));
    if (left && left.dev === crashed.indexLock!.dev && left.ino === crashed.indexLock!.ino) removeFile(indexLock);
    if (crashed.pid !== undefined) await this.removeTemporaryFiles(crashed.pid);
    if (this.location.layout !== 'directory' || !this.location.worktree) return;
    const head = await this.head();
    if (!head) return;
    const commit = parseCommit((await this.objects.read(head)).content);
    const parentTree = commit.parents[0] ? parseCommit((await this.objects.read(commit.parents[0])).content).tree : undefined;
    await this.syncWorktree(parentTree, commit.tree, this.lockIndex(), undefined, true);
  }

  /**
   * A killed writer's half-written files (`<name>.kvgit-tmp-<pid>…`): objects and packs in the git
   * directory, store files in the work tree. git fsck calls the first "bad sha1 file" and git
   * status shows the second, so they go. Only files of that very process id are touched.
   */
  private async removeTemporaryFiles(pid: number): Promise<void> {
    const mark = `.kvgit-tmp-${pid}`;
    const sweep = async (dir: string, recurse: boolean): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await fsp.readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const at = e.name.indexOf(mark);
        if (e.isFile() && at > 0 && /^(-|$)/.test(e.name.slice(at + mark.length))) removeFile(join(dir, e.name));
        else if (e.isDirectory() && recurse) await sweep(join(dir, e.name), true);
      }
    };
    const objects = join(this.location.gitdir, 'objects');
    await sweep(objects, false);
    for (const e of await fsp.readdir(objects).catch(() => [] as string[])) if (/^[0-9a-f]{2}$|^pack$/.test(e)) await sweep(join(objects, e), false);
    if (this.location.layout === 'directory' && this.location.worktree) await sweep(join(this.location.worktree, this.location.prefix), true);
  }

  /** Takes git's index lock, noted in kvgit's own lock so that a crash does not leave it behind. */
  private lockIndex(): IndexLock {
    const lock = lockIndex(this.location.gitdir);
    try {
      noteInLock(this.location.gitdir, { indexLock: { dev: lock.dev, ino: lock.ino } });
    } catch (e) {
      releaseIndex(lock);
      throw e;
    }
    return lock;
  }

  /**
   * Writes the edits as one commit on top of `base` and moves the ref from `base` to it. Must run
   * under the lock. Objects are written before the ref moves: a crash leaves the old state.
   */
  async commit(base: string | undefined, edits: Edit[], message: string, now: Date): Promise<string> {
    const ref = await this.ref(true);
    const prefix = this.location.prefix;
    let baseRoot: string | undefined;
    let indexRead: IndexRead | undefined;
    if (base) baseRoot = parseCommit((await this.objects.read(base)).content).tree;
    // The index follows the branch: as git does, take its lock before anything is written, so a
    // git process holding it fails this write before it commits, not after.
    let indexLock: IndexLock | undefined;
    let refMoved = false;
    try {
      if (this.location.layout === 'directory') {
        if (this.location.worktree) indexLock = this.lockIndex();
        indexRead = await checkIndex(this.location.gitdir);
        await this.assertWorktreeMatches(baseRoot, edits);
      }
      // A large change (rotation, an upgrade) writes its objects as one pack, not one file each.
      const batch = edits.length > 64;
      if (batch) this.objects.beginBatch();
      const root: Node = { kind: 'dir', children: new Map() };
      for (const e of edits) insert(root, `${prefix}${e.path}`, toNode(e));
      const newRoot = (await this.applyTree(baseRoot, root)) ?? (await this.objects.writeTree([]));
      const { author, committer } = signatures(this.location.gitdir, now, this.env);
      crashPoint('commit:trees-written');
      const oid = await this.objects.write('commit', encodeCommit({ tree: newRoot, parents: base ? [base] : [], author, committer, message }));
      if (batch) await this.objects.flushBatch();
      crashPoint('commit:commit-written');
      await updateRef(this.location.gitdir, ref, base, oid);
      refMoved = true;
      crashPoint('commit:ref-moved');
      if (indexLock) await this.syncWorktree(baseRoot, newRoot, indexLock, indexRead);
      return oid;
    } catch (e) {
      // Before the ref moved nothing was committed: give the index lock back. After, the commit
      // stands and syncWorktree has given it back (a later write repairs the work tree).
      if (indexLock && !refMoved) releaseIndex(indexLock);
      throw e;
    }
  }

  private async applyTree(oid: string | undefined, node: Node & { kind: 'dir' }): Promise<string | undefined> {
    const entries = new Map<string, TreeEntry>();
    if (oid) for (const e of await this.objects.readTree(oid)) entries.set(e.name, e);
    for (const [name, child] of node.children) {
      switch (child.kind) {
        case 'blob':
          entries.set(name, { mode: FILE_MODE, name, oid: await this.objects.write('blob', child.content) });
          crashPoint('commit:blob-written');
          break;
        case 'remove':
          entries.delete(name);
          break;
        case 'tree':
          if (child.oid) entries.set(name, { mode: TREE_MODE, name, oid: child.oid });
          else entries.delete(name);
          break;
        case 'dir': {
          const existing = entries.get(name);
          const start = child.base ? child.base.oid : existing?.mode === TREE_MODE ? existing.oid : undefined;
          const sub = await this.applyTree(start, child);
          if (sub) entries.set(name, { mode: TREE_MODE, name, oid: sub });
          else entries.delete(name);
        }
      }
    }
    if (entries.size === 0) return undefined;
    return this.objects.writeTree([...entries.values()]);
  }

  /** Paths (repository-relative) whose blob differs between two root trees, below the store prefix. */
  private async changedFiles(a: string | undefined, b: string | undefined, base: string, out: Array<{ path: string; oid: string | undefined }>): Promise<void> {
    if (a === b) return;
    const ea = a ? await this.objects.readTree(a) : [];
    const eb = b ? await this.objects.readTree(b) : [];
    const names = new Set([...ea.map((e) => e.name), ...eb.map((e) => e.name)]);
    for (const name of names) {
      const x = ea.find((e) => e.name === name);
      const y = eb.find((e) => e.name === name);
      if (x?.oid === y?.oid && x?.mode === y?.mode) continue;
      const path = `${base}${name}`;
      const xt = x?.mode === TREE_MODE ? x.oid : undefined;
      const yt = y?.mode === TREE_MODE ? y.oid : undefined;
      if (xt || yt) await this.changedFiles(xt, yt, `${path}/`, out);
      if (x && x.mode !== TREE_MODE && !yt) out.push({ path, oid: y?.oid });
      else if (y && y.mode !== TREE_MODE) out.push({ path, oid: y.oid });
      else if (x && x.mode !== TREE_MODE) out.push({ path, oid: undefined });
    }
  }

  private async storeTree(root: string | undefined): Promise<string | undefined> {
    if (!root) return undefined;
    return (await new Snapshot(this.objects, undefined, root).entry(this.location.prefix))?.oid;
  }

  /** Refuses to write over store files that have uncommitted edits in the work tree. */
  private async assertWorktreeMatches(baseRoot: string | undefined, edits: Edit[]): Promise<void> {
    const worktree = this.location.worktree;
    if (!worktree) return;
    const snap = new Snapshot(this.objects, undefined, await this.storeTree(baseRoot));
    const checked = new Set<string>();
    for (const e of edits) {
      const paths: string[] = [];
      if ('tree' in e) {
        const files: Array<{ path: string; oid: string | undefined }> = [];
        const t = (await snap.entry(e.path))?.oid;
        await this.changedFiles(t, undefined, `${e.path}/`, files);
        paths.push(...files.map((f) => f.path));
      } else paths.push(e.path);
      for (const p of paths) {
        this.assertNoLink(`${this.location.prefix}${p}`, checked);
        const committed = await snap.entry(p);
        const full = join(worktree, this.location.prefix, p);
        let onDisk: Buffer | undefined;
        try {
          onDisk = readFileSync(full); // a small file: synchronous, like the writes below
        } catch {
          onDisk = undefined;
        }
        const diskOid = onDisk ? blobOid(onDisk) : undefined;
        if (diskOid !== committed?.oid) {
          throw new KvgitError('ERR_STORE_MODIFIED', `${this.location.prefix}${p} has uncommitted changes in the work tree; commit or restore it first (git restore ${this.location.prefix}${p})`, { file: `${this.location.prefix}${p}` });
        }
      }
    }
  }

  /**
   * Refuses a store path that leads through a symbolic link in the work tree (committed or not):
   * writing through it would put store files outside the store, or outside the repository.
   */
  private assertNoLink(path: string, checked: Set<string>): void {
    const parts = path.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const sub = parts.slice(0, i).join('/');
      if (checked.has(sub)) continue;
      let st;
      try {
        st = lstatSync(join(this.location.worktree!, sub));
      } catch {
        return; // not there (yet): nothing below it is either
      }
      if (st.isSymbolicLink()) {
        throw new KvgitError('ERR_INTEGRITY', `${sub} is a symbolic link; kvgit does not write store files through links`, { file: sub, hint: `replace it with the store's own files: git rm ${sub}` });
      }
      checked.add(sub);
    }
  }

  /**
   * Mirrors the store's files that changed from `oldRoot` to `newRoot` into the work tree and the
   * index entries of those paths only, which `indexLock` (taken by the caller) guards; the lock is
   * released or used up. Files are written synchronously: a few small ones per change, each a
   * thread-pool round trip else.
   */
  private async syncWorktree(oldRoot: string | undefined, newRoot: string, indexLock: IndexLock, indexRead?: IndexRead, repairing = false): Promise<void> {
    const worktree = this.location.worktree!;
    const prefix = this.location.prefix;
    const changes: Array<{ path: string; oid: string | undefined }> = [];
    try {
      await this.changedFiles(await this.storeTree(oldRoot), await this.storeTree(newRoot), prefix, changes);
      if (changes.length > 0) await this.writeWorktreeFiles(changes, repairing);
    } catch (e) {
      releaseIndex(indexLock);
      throw e;
    }
    if (changes.length === 0) {
      releaseIndex(indexLock);
      return;
    }
    await updateIndex(this.location.gitdir, worktree, changes, indexLock, indexRead);
  }

  private async writeWorktreeFiles(changes: Array<{ path: string; oid: string | undefined }>, repairing: boolean): Promise<void> {
    const worktree = this.location.worktree!;
    const prefix = this.location.prefix;
    for (const { path, oid } of changes) {
      crashPoint('worktree:file');
      const full = join(worktree, path);
      if (oid) {
        if (repairing && (await fsp.readFile(full).then(blobOid, () => undefined)) === oid) continue;
        const content = (await this.objects.read(oid)).content;
        mkdirSync(dirname(full), { recursive: true });
        const tmp = `${full}.kvgit-tmp-${process.pid}`;
        writeFileSync(tmp, content);
        renameSync(tmp, full);
      } else {
        removeFile(full);
        let dir = dirname(full);
        while (dir.startsWith(join(worktree, prefix)) && dir !== join(worktree, prefix).replace(/\/$/, '')) {
          try {
            rmdirSync(dir);
          } catch {
            break;
          }
          dir = dirname(dir);
        }
      }
    }
    crashPoint('worktree:files-written');
  }
}

export function blobOid(content: Uint8Array): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

function toNode(e: Edit): Node {
  if ('content' in e) return { kind: 'blob', content: e.content };
  if ('remove' in e) return { kind: 'remove' };
  return { kind: 'tree', oid: e.tree };
}

function insert(root: Node & { kind: 'dir' }, path: string, node: Node): void {
  const parts = path.split('/').filter((p) => p !== '');
  let cur = root;
  for (const part of parts.slice(0, -1)) {
    let next = cur.children.get(part);
    if (!next || next.kind !== 'dir') {
      // An edit below a folder this change replaces (or removes) applies to the replacement.
      next = { kind: 'dir', children: new Map(), base: next?.kind === 'tree' ? { oid: next.oid } : undefined };
      cur.children.set(part, next);
    }
    cur = next;
  }
  cur.children.set(parts[parts.length - 1]!, node);
}
