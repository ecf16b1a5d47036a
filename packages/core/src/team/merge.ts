/**
 * `kvgit merge` and `kvgit sync` (docs/TEAMS.md §Merging). The store's part of a merge is computed
 * from the three commits by mergeStoreTrees, never from what a textual merge left in files.
 *
 * - Branch layout: kvgit merges a ref into the store's branch itself, in the object database,
 *   under the store lock, and moves the branch with a compare-and-swap: a fast-forward, or a merge
 *   commit with both parents.
 * - Directory layout: the store shares its branch with the user's code, so the real `git merge`
 *   merges (the merge driver settles what it can), and kvgit settles the store's files of the
 *   merge in progress (MERGE_HEAD) in the index and the work tree, leaving every other path to
 *   the user. When nothing else is left unmerged it concludes the merge with `git commit`.
 */
import { promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import { KvgitError } from '../errors';
import { blobOid } from '../storage/git';
import { writeJournal } from '../storage/journal';
import { type PurgeReceipt, planPurge, purgeBlobs } from '../storage/purge';
import { TREE_MODE, type ObjectStore, type TreeEntry, encodeCommit, parseCommit } from '../storage/objects';
import { readHead, readRef, updateRef } from '../storage/refs';
import { signatures } from '../storage/signature';
import type { ConfirmRewrite, Store } from '../store/store';
import { commitMessage } from '../store/message';
import type { Operation } from '../kv/model';
import { type Clock, systemClock } from '../time';
import type { Conflict } from './conflicts';
import { git, runGit } from './git';
import { KeyChain } from './keys';
import { type MergeOutcome, type RenumberedVersion, mergeStoreTrees } from './mergeStore';
import { type ResurrectedBlob, destroyedCiphertext, resurrectedCiphertext } from './resurrect';

export type MergeStatus =
  /** Their side holds nothing the store lacks. */
  | 'up-to-date'
  /** The store's ref moved forward to theirs; nothing was merged. */
  | 'fast-forward'
  /** A merge commit was made. */
  | 'merged'
  /** Directory layout: the store's files are settled in the index; the merge waits for the user's own conflicts. */
  | 'store-resolved'
  /** Conflicting edits of the store; nothing was written. */
  | 'conflicts';

export interface MergeReport {
  status: MergeStatus;
  layout: 'directory' | 'branch';
  ours: string | undefined;
  theirs: string | undefined;
  /** The commit the store's ref points at afterwards (the merge commit when one was made). */
  head: string | undefined;
  conflicts: Conflict[];
  /** Keys both sides changed, merged version by version. */
  merged: string[];
  renumbered: RenumberedVersion[];
  /** Directory layout: the user's own paths git left unmerged (theirs to resolve). */
  unmerged: string[];
  /**
   * Ciphertext of destroyed versions (or deleted keys) that the merge made reachable again through
   * the other side's history (one side destroyed, the other still had the old history): the local
   * history needs a purge before it is pushed (`syncStore` with `purge`).
   */
  resurrected: ResurrectedBlob[];
}

export interface MergeOptions {
  /** What to merge: a branch, tag, remote-tracking branch or commit. Directory layout: omit it to settle a merge in progress. */
  ref?: string;
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  /** Directory layout: conclude the merge with `git commit` when nothing else is unmerged (default true). */
  commit?: boolean;
  lockTimeoutMs?: number;
}

/** The store's root tree inside a commit (the commit's tree, or the folder at the prefix). */
async function storeRoot(objects: ObjectStore, commit: string | undefined, prefix: string): Promise<string | undefined> {
  if (!commit) return undefined;
  let tree: string | undefined = parseCommit((await objects.read(commit)).content).tree;
  for (const part of prefix.split('/').filter((p) => p !== '')) {
    const entries: TreeEntry[] = await objects.readTree(tree!);
    tree = entries.find((x) => x.name === part && x.mode === TREE_MODE)?.oid;
    if (!tree) return undefined;
  }
  return tree;
}

async function isAncestor(cwd: string, env: NodeJS.ProcessEnv, a: string, b: string): Promise<boolean> {
  const r = await runGit(['merge-base', '--is-ancestor', a, b], { cwd, env });
  if (r.code > 1) throw new KvgitError('ERR_GIT_STATE', `git merge-base failed: ${r.stderr.trim()}`, {});
  return r.code === 0;
}

async function mergeBase(cwd: string, env: NodeJS.ProcessEnv, a: string, b: string): Promise<string | undefined> {
  const r = await runGit(['merge-base', a, b], { cwd, env });
  if (r.code === 1) return undefined; // unrelated histories
  if (r.code !== 0) throw new KvgitError('ERR_GIT_STATE', `git merge-base failed: ${r.stderr.trim()}`, {});
  return r.stdout.trim();
}

async function resolveCommit(cwd: string, env: NodeJS.ProcessEnv, ref: string): Promise<string> {
  const r = await runGit(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { cwd, env });
  if (r.code !== 0) throw new KvgitError('ERR_INVALID_REQUEST', `"${ref}" does not name a commit in this repository`, { hint: 'fetch it first (git fetch), or name a branch, tag or commit' });
  return r.stdout.trim();
}

/** The three store trees of a merge, and the merge of them. */
async function mergeCommits(store: Store, env: NodeJS.ProcessEnv, ours: string, theirs: string) {
  const { objects } = store.storage;
  const { prefix, worktree, gitdir } = store.location;
  const base = await mergeBase(worktree ?? gitdir, env, ours, theirs);
  const [b, o, t] = await Promise.all([storeRoot(objects, base, prefix), storeRoot(objects, ours, prefix), storeRoot(objects, theirs, prefix)]);
  if (!o || !t) {
    // The store exists on one side only (a branch made before `kvgit init`): that side's store it is,
    // unless the other side deleted it, which kvgit never does.
    if (b && (!o || !t)) throw new KvgitError('ERR_CORRUPT', `the store's folder ${prefix || '(root)'} was deleted on ${o ? 'their' : 'our'} side; kvgit cannot merge that`, {});
    return { tree: o ?? t, conflicts: [], merged: [], renumbered: [], operations: [] };
  }
  return mergeStoreTrees(objects, new KeyChain(env), { base: b, ours: o, theirs: t });
}

function report(store: Store, status: MergeStatus, ours: string | undefined, theirs: string | undefined, head: string | undefined, extra: Partial<MergeReport> = {}): MergeReport {
  return { status, layout: store.location.layout, ours, theirs, head, conflicts: [], merged: [], renumbered: [], unmerged: [], resurrected: [], ...extra };
}

/** "kvgit: merge <what>", with one trailer block per key merged version by version (docs/FORMAT.md §4). */
function mergeMessage(theirsName: string, outcome: MergeOutcome): string {
  return `kvgit: merge ${theirsName}\n${mergeTrailers(outcome)}`;
}

/**
 * Each merged key's block names the versions the merge wrote; `Kvgit-Renumbered` lines say which
 * side's version moved where and its blob before the move (`theirs 2>3 <blob id>`): that
 * ciphertext stays in that side's history, and a destroy of the new number must find it there.
 */
function mergeTrailers(outcome: MergeOutcome): string {
  if (outcome.operations.length === 0) return '';
  const blocks = outcome.operations.map((op) => {
    const full = commitMessage([op]);
    const moved = outcome.renumbered.filter((r) => r.mount === op.mount && r.key === op.path).map((r) => `Kvgit-Renumbered: ${r.side} ${r.from}>${r.to}${r.blob ? ` ${r.blob}` : ''}\n`);
    return full.slice(full.indexOf('\n\n') + 2) + moved.join('');
  });
  return `\n${blocks.join('')}`;
}

/** Merges a ref into the store (both layouts), or settles the merge in progress (directory layout). */
export async function mergeStore(store: Store, options: MergeOptions = {}): Promise<MergeReport> {
  const env = options.env ?? process.env;
  let r: MergeReport;
  if (store.location.layout === 'branch') {
    if (!options.ref) throw new KvgitError('ERR_INVALID_REQUEST', 'name what to merge into the store\'s branch, e.g. `kvgit merge origin/kvgit`', {});
    r = await mergeBranch(store, options.ref, env, options);
  } else r = await mergeDirectory(store, env, options);
  if (r.status === 'merged' && r.head) {
    const { gitdir, worktree, prefix } = store.location;
    r.resurrected = await resurrectedCiphertext(store.storage.objects, worktree ?? gitdir, env, r.head, prefix);
  }
  return r;
}

async function mergeBranch(store: Store, ref: string, env: NodeJS.ProcessEnv, options: MergeOptions): Promise<MergeReport> {
  const { gitdir, worktree, branchRef } = store.location;
  const cwd = worktree ?? gitdir;
  const theirs = await resolveCommit(cwd, env, ref);
  if ((await readHead(gitdir)).symbolic === branchRef) {
    // Moving a checked-out branch under git's feet would leave its index and work tree stale.
    throw new KvgitError('ERR_GIT_STATE', `the store's branch ${branchRef!.replace(/^refs\/heads\//, '')} is checked out; switch to another branch first`, { hint: 'git switch -' });
  }
  return store.storage.withLock(async () => {
    const ours = await readRef(gitdir, branchRef!);
    if (!ours) {
      await updateRef(gitdir, branchRef!, undefined, theirs);
      return report(store, 'fast-forward', ours, theirs, theirs);
    }
    if (ours === theirs || (await isAncestor(cwd, env, theirs, ours))) return report(store, 'up-to-date', ours, theirs, ours);
    if (await isAncestor(cwd, env, ours, theirs)) {
      await updateRef(gitdir, branchRef!, ours, theirs);
      return report(store, 'fast-forward', ours, theirs, theirs);
    }
    const outcome = await mergeCommits(store, env, ours, theirs);
    const extra = { conflicts: outcome.conflicts, merged: outcome.merged, renumbered: outcome.renumbered };
    if (outcome.conflicts.length > 0 || !outcome.tree) return report(store, 'conflicts', ours, theirs, ours, extra);
    const now = (options.clock ?? systemClock)();
    const { author, committer } = signatures(gitdir, now, env);
    const commit = await store.storage.objects.write('commit', encodeCommit({ tree: outcome.tree, parents: [ours, theirs], author, committer, message: mergeMessage(ref, outcome) }));
    await updateRef(gitdir, branchRef!, ours, commit);
    return report(store, 'merged', ours, theirs, commit, extra);
  }, options.lockTimeoutMs);
}

async function exists(p: string): Promise<boolean> {
  return fsp.access(p).then(() => true, () => false);
}

async function mergeDirectory(store: Store, env: NodeJS.ProcessEnv, options: MergeOptions): Promise<MergeReport> {
  const { gitdir, worktree } = store.location;
  if (!worktree) throw new KvgitError('ERR_GIT_STATE', 'the directory layout needs a work tree', {});
  // Serialised with kvgit's own writers: none may commit between git's merge and ours.
  return store.storage.withLock(async () => {
    const inProgress = await exists(join(gitdir, 'MERGE_HEAD'));
    if (inProgress && options.ref) {
      throw new KvgitError('ERR_GIT_STATE', 'a merge is in progress; run `kvgit merge` without a ref to settle its store files, or `git merge --abort`', {});
    }
    if (!inProgress) {
      if (!options.ref) throw new KvgitError('ERR_INVALID_REQUEST', 'no merge is in progress: name what to merge, e.g. `kvgit merge origin/main`', {});
      const theirs = await resolveCommit(worktree, env, options.ref);
      const before = (await readHead(gitdir)).oid;
      // --no-commit: even a merge git finishes alone (the driver settles files one at a time) is
      // checked as a whole before it is committed: a key's files from before a history rewrite
      // (a destroy) can look like additions to git, and only the whole key says they are not.
      const r = await runGit(['merge', '--no-commit', theirs, '-m', `Merge ${options.ref}`], { cwd: worktree, env });
      const after = (await readHead(gitdir)).oid;
      const merging = await exists(join(gitdir, 'MERGE_HEAD'));
      if (!merging) {
        if (r.code !== 0) throw new KvgitError('ERR_GIT_STATE', `git merge failed: ${(r.stderr.trim() || r.stdout.trim()).split('\n').slice(-4).join('\n')}`, {});
        if (after === before) return report(store, 'up-to-date', before, theirs, after);
        return report(store, 'fast-forward', before, theirs, after);
      }
    }
    return settleMerge(store, env, options);
  }, options.lockTimeoutMs);
}

/** Settles the store's files of the merge in progress; concludes it when nothing else is unmerged. */
async function settleMerge(store: Store, env: NodeJS.ProcessEnv, options: MergeOptions): Promise<MergeReport> {
  const { gitdir, worktree, prefix } = store.location;
  const cwd = worktree!;
  const ours = (await readHead(gitdir)).oid;
  const heads = (await fsp.readFile(join(gitdir, 'MERGE_HEAD'), 'utf8')).split('\n').filter((l) => l.trim() !== '');
  if (!ours || heads.length !== 1) throw new KvgitError('ERR_GIT_STATE', heads.length > 1 ? 'an octopus merge is in progress; kvgit merges one branch at a time' : 'HEAD has no commit', {});
  const theirs = heads[0]!.trim();
  const outcome = await mergeCommits(store, env, ours, theirs);
  const extra = { conflicts: outcome.conflicts, merged: outcome.merged, renumbered: outcome.renumbered };
  if (outcome.conflicts.length > 0) return report(store, 'conflicts', ours, theirs, ours, { ...extra, unmerged: await unmergedPaths(cwd, env, prefix, true) });

  // The index: every path under the store's folder gets the merged tree's entry at stage 0.
  const merged = new Map<string, string>();
  await flatten(store.storage.objects, outcome.tree, prefix, merged);
  const indexed = new Map<string, string>();
  for (const line of (await git(['ls-files', '-s', '-z', '--', prefix], { cwd, env })).split('\0')) {
    const m = /^\d+ ([0-9a-f]{40}) (\d)\t(.*)$/s.exec(line);
    if (m) indexed.set(m[3]!, m[2] === '0' && !indexed.has(m[3]!) ? m[1]! : 'unmerged');
  }
  const lines: string[] = [];
  for (const path of new Set([...indexed.keys(), ...merged.keys()])) {
    const want = merged.get(path);
    if (indexed.get(path) === want) continue;
    if (indexed.has(path)) lines.push(`0 ${'0'.repeat(40)}\t${path}`);
    if (want) lines.push(`100644 ${want} 0\t${path}`);
  }
  if (lines.length > 0) await git(['update-index', '-z', '--index-info'], { cwd, env, input: lines.map((l) => `${l}\0`).join('') });

  // The work tree: the store's files as merged (ciphertext and records only).
  for (const path of new Set([...indexed.keys(), ...merged.keys()])) {
    const full = join(cwd, path);
    const want = merged.get(path);
    const onDisk = await fsp.readFile(full).then(blobOid, () => undefined);
    if (onDisk === want) continue;
    if (want) {
      await fsp.mkdir(dirname(full), { recursive: true });
      const tmp = `${full}.kvgit-tmp-${process.pid}`;
      await fsp.writeFile(tmp, (await store.storage.objects.read(want)).content);
      await fsp.rename(tmp, full);
    } else {
      await fsp.rm(full, { force: true });
      await removeEmptyParents(dirname(full), join(cwd, prefix));
    }
  }
  // Refresh the stat data of the entries just written, so `git status` sees them clean.
  await runGit(['update-index', '-q', '--refresh'], { cwd, env });

  if (outcome.operations.length > 0) {
    const msgFile = join(gitdir, 'MERGE_MSG');
    const msg = await fsp.readFile(msgFile, 'utf8').catch(() => `Merge ${theirs}\n`);
    await fsp.writeFile(msgFile, `${msg.trimEnd()}\n${mergeTrailers(outcome)}`);
  }
  const unmerged = await unmergedPaths(cwd, env, prefix, false);
  if (unmerged.length > 0 || options.commit === false) return report(store, 'store-resolved', ours, theirs, ours, { ...extra, unmerged });
  await git(['commit', '--no-edit', '--cleanup=strip'], { cwd, env });
  return report(store, 'merged', ours, theirs, (await readHead(gitdir)).oid, extra);
}

/** Paths git left unmerged outside the store's folder (or all of them). */
async function unmergedPaths(cwd: string, env: NodeJS.ProcessEnv, prefix: string, all: boolean): Promise<string[]> {
  const out = await git(['diff', '--name-only', '-z', '--diff-filter=U'], { cwd, env });
  return [...new Set(out.split('\0').filter((p) => p !== '' && (all || !p.startsWith(prefix))))];
}

async function flatten(objects: ObjectStore, tree: string | undefined, prefix: string, out: Map<string, string>): Promise<void> {
  if (!tree) return;
  for (const e of await objects.readTree(tree)) {
    if (e.mode === TREE_MODE) await flatten(objects, e.oid, `${prefix}${e.name}/`, out);
    else out.set(`${prefix}${e.name}`, e.oid);
  }
}

async function removeEmptyParents(dir: string, stop: string): Promise<void> {
  while (dir.length > stop.replace(/\/$/, '').length && dir.startsWith(stop)) {
    try {
      await fsp.rmdir(dir);
    } catch {
      return;
    }
    dir = dirname(dir);
  }
}

// ---- sync

/**
 * Removes the given blobs from the whole local history (the machinery of destroy, docs/FORMAT.md
 * §4.1), under the store lock and after its journal is written, so a crash is finished later.
 */
async function purgeHistory(store: Store, blobs: string[], confirm: ConfirmRewrite | undefined): Promise<PurgeReceipt> {
  const { gitdir } = store.location;
  const { objects } = store.storage;
  return store.storage.withLock(async () => {
    if (confirm) {
      const plan = await planPurge(objects, gitdir, blobs);
      if (!(await confirm(plan))) throw new KvgitError('ERR_CONFIRMATION_REFUSED', `not confirmed: nothing was pushed or changed (the purge would change ${plan.commits} commits)`, {});
    }
    await writeJournal(gitdir, blobs);
    return purgeBlobs(objects, gitdir, blobs);
  });
}

export interface SyncOptions {
  /** The remote to fetch from and push to (default: the branch's configured remote, else "origin"). */
  remote?: string;
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  lockTimeoutMs?: number;
  /** How many times to fetch and merge again when someone pushed meanwhile (default 3). */
  attempts?: number;
  /**
   * When the merge brings destroyed ciphertext back (see MergeReport.resurrected): purge it from
   * the local history (asking `confirm` first on the directory layout, where code commits change
   * too) and push with a lease on what was fetched. Without it such a sync stops before pushing.
   */
  purge?: boolean;
  confirm?: ConfirmRewrite;
}

export interface SyncReport {
  remote: string;
  /** The remote branch synced with. */
  branch: string;
  merge: MergeReport | undefined;
  /** False when conflicts (or the user's own unmerged files) stopped the sync before pushing. */
  pushed: boolean;
  /** The remote had no such branch yet: it was created by the push. */
  created: boolean;
  /** Stopped before pushing: the merge brought destroyed ciphertext back; sync again with `purge`. */
  needsPurge: boolean;
  /** The destroyed ciphertext found in the history about to be pushed (purged when `purge` was given). */
  stale: ResurrectedBlob[];
  /** Commits rewritten by the purge (0 when none ran). */
  purgedCommits: number;
}

async function configValue(cwd: string, env: NodeJS.ProcessEnv, key: string): Promise<string | undefined> {
  const r = await runGit(['config', '--get', key], { cwd, env });
  return r.code === 0 ? r.stdout.trim() || undefined : undefined;
}

/** Fetches the store's branch from the remote, merges it (rules above), then pushes. */
export async function syncStore(store: Store, options: SyncOptions = {}): Promise<SyncReport> {
  const env = options.env ?? process.env;
  const { gitdir, worktree, layout, branchRef } = store.location;
  const cwd = worktree ?? gitdir;
  let local: string;
  if (layout === 'branch') local = branchRef!;
  else {
    const head = await readHead(gitdir);
    if (!head.symbolic) throw new KvgitError('ERR_GIT_STATE', 'HEAD is detached; check out a branch before syncing', { hint: 'git switch <branch>' });
    local = head.symbolic;
  }
  const name = local.replace(/^refs\/heads\//, '');
  const remote = options.remote ?? (await configValue(cwd, env, `branch.${name}.remote`)) ?? 'origin';
  const upstream = layout === 'directory' ? await configValue(cwd, env, `branch.${name}.merge`) : undefined;
  const remoteBranch = (upstream ?? local).replace(/^refs\/heads\//, '');
  const tracking = `refs/remotes/${remote}/${remoteBranch}`;

  const attempts = options.attempts ?? 3;
  let merge: MergeReport | undefined;
  for (let attempt = 1; ; attempt++) {
    const fetched = await runGit(['fetch', '--quiet', '--no-write-fetch-head', remote, `+refs/heads/${remoteBranch}:${tracking}`], { cwd, env });
    const created = fetched.code !== 0 && /couldn't find remote ref/i.test(fetched.stderr);
    if (fetched.code !== 0 && !created) throw new KvgitError('ERR_GIT_STATE', `git fetch ${remote} failed: ${fetched.stderr.trim().split('\n').slice(-3).join('\n')}`, {});
    const result = (pushed: boolean, extra: Partial<SyncReport> = {}): SyncReport => ({ remote, branch: remoteBranch, merge, pushed, created, needsPurge: false, stale: [], purgedCommits: 0, ...extra });
    // What the remote held when we looked: a forced push after a purge may replace only that.
    const lease = created ? undefined : await readRef(gitdir, tracking);
    let purgedCommits = 0;
    if (!created) {
      merge = await mergeStore(store, { ref: tracking, env, clock: options.clock, lockTimeoutMs: options.lockTimeoutMs, commit: true });
      if (merge.status === 'conflicts' || merge.status === 'store-resolved') return result(false);
    }
    // Whatever this or an earlier sync merged: the history pushed must not carry destroyed ciphertext.
    const head = await readRef(gitdir, local);
    const stale = head ? await destroyedCiphertext(store.storage.objects, cwd, env, head, store.location.prefix) : [];
    if (stale.length > 0) {
      if (!options.purge) return result(false, { needsPurge: true, stale });
      purgedCommits = (await purgeHistory(store, stale.map((b) => b.blob), layout === 'directory' ? options.confirm : undefined)).commitsRewritten;
    }
    const how = purgedCommits > 0 && lease ? [`--force-with-lease=refs/heads/${remoteBranch}:${lease}`] : [];
    const pushed = await runGit(['push', '--quiet', '--porcelain', ...how, remote, `${local}:refs/heads/${remoteBranch}`], { cwd, env });
    if (pushed.code === 0) return result(true, { purgedCommits, stale });
    // Someone pushed between our fetch and our push: fetch, merge and try again.
    const rejected = /\[rejected\]|non-fast-forward|fetch first|stale info/i.test(pushed.stdout + pushed.stderr);
    if (!rejected || attempt >= attempts) {
      throw new KvgitError('ERR_GIT_STATE', `git push ${remote} failed: ${(pushed.stderr.trim() || pushed.stdout.trim()).split('\n').slice(-3).join('\n')}`, {});
    }
  }
}
