/**
 * Destroy that destroys: removes blobs from every commit reachable from any local ref or reflog
 * (linked work trees' HEADs and reflogs included), wherever in the tree they are (a copy of a
 * version file outside the store is ciphertext too), then removes the old objects from loose
 * storage and packs. Only commits whose tree held a purged blob, and their descendants, change;
 * only the trees above a purged blob are rebuilt, and every other object is reused.
 *
 * Crash safety: the blob ids are journaled in <gitdir>/kvgit-purge.json before anything moves; the
 * purge is idempotent, so an interrupted purge is finished by the next kvgit command. New objects
 * are written before refs move; a new pack and its index are complete before an old pack goes.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { ObjectStore, TREE_MODE, type TreeEntry, encodeTree, parseCommit } from './objects';
import { listRefs, readHead } from './refs';
import { crashPoint } from './crash';
import { KvgitError } from '../errors';
import { clearJournal } from './journal';
import { writePackFile } from './packWriter';
import { syncDirectoriesOf, writeFileDurablyAsync } from './files';

const ZERO = '0'.repeat(40);

export interface PurgeReceipt {
  blobs: string[];
  commitsRewritten: number;
  refsMoved: Array<{ ref: string; old: string; new: string }>;
  /** Remote-tracking refs that held the ciphertext: removed locally; the remote still has it. */
  remoteRefsRemoved: Array<{ ref: string; old: string }>;
  /** What kvgit cannot reach: remotes that need a force-push, and other clones. */
  unreachable: string[];
  objectsRemoved: number;
  packsRewritten: number;
}

export interface PurgePlan {
  blobs: string[];
  /** Commits that will get new ids (code commits included in the directory layout). */
  commits: number;
  refs: string[];
}

interface Graph {
  tips: Map<string, string>; // ref → oid (commit or tag)
  commits: Map<string, { raw: Buffer; tree: string; parents: string[] }>;
  order: string[]; // parents before children
}

async function allRefs(gitdir: string): Promise<Map<string, string>> {
  const refs = await listRefs(gitdir, 'refs/');
  const head = await readHead(gitdir);
  if (!head.symbolic && head.oid) refs.set('HEAD', head.oid);
  // Linked work trees (`git worktree add`) keep their own HEAD, ORIG_HEAD and reflogs in worktrees/<name>/.
  const specials = ['ORIG_HEAD'];
  for (const wt of await linkedWorktrees(gitdir)) specials.push(`worktrees/${wt}/HEAD`, `worktrees/${wt}/ORIG_HEAD`);
  for (const special of specials) {
    try {
      const v = (await fsp.readFile(join(gitdir, special), 'utf8')).trim();
      if (/^[0-9a-f]{40}$/.test(v)) refs.set(special, v);
    } catch {
      // absent
    }
  }
  return refs;
}

async function linkedWorktrees(gitdir: string): Promise<string[]> {
  try {
    return (await fsp.readdir(join(gitdir, 'worktrees'), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}

async function reflogFiles(gitdir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    let entries: nodeFs.Dirent[];
    try {
      entries = await fsp.readdir(join(gitdir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) await walk(`${rel}/${e.name}`);
      else if (!e.name.endsWith('.lock')) out.push(`${rel}/${e.name}`);
    }
  };
  await walk('logs');
  for (const wt of await linkedWorktrees(gitdir)) await walk(`worktrees/${wt}/logs`);
  return out;
}

async function reflogOids(gitdir: string): Promise<string[]> {
  const out: string[] = [];
  for (const f of await reflogFiles(gitdir)) {
    const text = await fsp.readFile(join(gitdir, f), 'utf8');
    for (const line of text.split('\n')) {
      const m = /^([0-9a-f]{40}) ([0-9a-f]{40}) /.exec(line);
      if (!m) continue;
      for (const oid of [m[1]!, m[2]!]) if (oid !== ZERO) out.push(oid);
    }
  }
  return out;
}

async function loadGraph(objects: ObjectStore, gitdir: string): Promise<Graph> {
  const tips = await allRefs(gitdir);
  const commits: Graph['commits'] = new Map();
  const starts = [...tips.values(), ...(await reflogOids(gitdir))];
  const order: string[] = [];
  const state = new Map<string, 1 | 2>();
  // Iterative DFS post-order: parents before children.
  for (const start of starts) {
    let oid = start;
    let obj = await objects.read(oid).catch(() => undefined);
    while (obj && obj.type === 'tag') {
      const m = /^object ([0-9a-f]{40})/.exec(Buffer.from(obj.content).toString('utf8'));
      if (!m) break;
      oid = m[1]!;
      obj = await objects.read(oid).catch(() => undefined);
    }
    if (!obj || obj.type !== 'commit' || state.has(oid)) continue;
    const stack: Array<{ oid: string; i: number }> = [{ oid, i: 0 }];
    state.set(oid, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      let c = commits.get(top.oid);
      if (!c) {
        const raw = Buffer.from((await objects.read(top.oid)).content);
        const p = parseCommit(raw);
        c = { raw, tree: p.tree, parents: p.parents };
        commits.set(top.oid, c);
      }
      if (top.i < c.parents.length) {
        const parent = c.parents[top.i++]!;
        if (!state.has(parent) && (await objects.has(parent))) {
          state.set(parent, 1);
          stack.push({ oid: parent, i: 0 });
        }
      } else {
        stack.pop();
        state.set(top.oid, 2);
        order.push(top.oid);
      }
    }
  }
  return { tips, commits, order };
}

class TreeRewriter {
  private readonly memo = new Map<string, string>();
  readonly oldTrees = new Set<string>();
  constructor(private readonly objects: ObjectStore, private readonly blobs: Set<string>) {}

  /** Rewrites the whole subtree; unchanged subtrees keep their ids. */
  async rewrite(oid: string): Promise<string> {
    const hit = this.memo.get(oid);
    if (hit) return hit;
    const entries = await this.objects.readTree(oid);
    let changed = false;
    const out: TreeEntry[] = [];
    for (const e of entries) {
      if (e.mode === TREE_MODE) {
        const n = await this.rewrite(e.oid);
        if (n === e.oid) out.push(e);
        else {
          changed = true;
          // A folder the purge emptied disappears, as git never stores empty trees in a commit's tree.
          if (n !== EMPTY_TREE) out.push({ ...e, oid: n });
        }
      } else if (this.blobs.has(e.oid)) changed = true;
      else out.push(e);
    }
    const result = changed ? await this.objects.writeTree(out) : oid;
    if (changed) this.oldTrees.add(oid);
    this.memo.set(oid, result);
    return result;
  }


}

const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

function replaceCommitHeaders(raw: Buffer, tree: string, parents: string[]): Buffer {
  const text = raw.toString('utf8');
  const split = text.indexOf('\n\n');
  const headerLines = text.slice(0, split).split('\n');
  const out: string[] = [`tree ${tree}`, ...parents.map((p) => `parent ${p}`)];
  let inSig = false;
  for (const line of headerLines) {
    if (line.startsWith('tree ') || line.startsWith('parent ')) continue;
    // A signature no longer matches a rewritten commit: drop it, as git filter-repo does.
    if (line.startsWith('gpgsig ') || line.startsWith('gpgsig-sha256 ')) {
      inSig = true;
      continue;
    }
    if (inSig && line.startsWith(' ')) continue;
    inSig = false;
    out.push(line);
  }
  return Buffer.from(`${out.join('\n')}${text.slice(split)}`, 'utf8');
}

async function rewriteAll(objects: ObjectStore, graph: Graph, blobs: Set<string>, onProgress?: PurgeProgress) {
  const trees = new TreeRewriter(objects, blobs);
  const map = new Map<string, string>();
  let done = 0;
  for (const oid of graph.order) {
    if (onProgress && ++done % 100 === 0) onProgress(done, graph.order.length);
    const c = graph.commits.get(oid)!;
    const tree = await trees.rewrite(c.tree);
    const parents = c.parents.map((p) => map.get(p) ?? p);
    if (tree === c.tree && parents.every((p, i) => p === c.parents[i])) continue;
    map.set(oid, await objects.write('commit', replaceCommitHeaders(c.raw, tree, parents)));
  }
  onProgress?.(graph.order.length, graph.order.length);
  return { map, oldTrees: trees.oldTrees };
}

/** Counts what a purge would change, without changing anything. */
export async function planPurge(objects: ObjectStore, gitdir: string, blobs: string[]): Promise<PurgePlan> {
  const graph = await loadGraph(objects, gitdir);
  const set = new Set(blobs);
  const trees = new TreeRewriter(new DryObjects(objects) as unknown as ObjectStore, set);
  const changed = new Set<string>();
  for (const oid of graph.order) {
    const c = graph.commits.get(oid)!;
    const tree = await trees.rewrite(c.tree);
    if (tree !== c.tree || c.parents.some((p) => changed.has(p))) changed.add(oid);
  }
  const refs = [...graph.tips.entries()].filter(([, o]) => changed.has(o)).map(([r]) => r);
  return { blobs, commits: changed.size, refs };
}

/** Computes tree ids without writing objects (for plans). */
class DryObjects {
  constructor(private readonly real: ObjectStore) {}
  readTree(oid: string) {
    return this.fake.has(oid) ? Promise.resolve(this.fake.get(oid)!) : this.real.readTree(oid);
  }
  private readonly fake = new Map<string, TreeEntry[]>();
  async writeTree(entries: TreeEntry[]): Promise<string> {
    const body = encodeTree(entries);
    const oid = createHash('sha1').update(`tree ${body.length}\0`).update(body).digest('hex');
    this.fake.set(oid, entries);
    return oid;
  }
}

/** Runs under the store lock, after the journal is written. */
export type PurgeProgress = (done: number, total: number) => void;

export async function purgeBlobs(objects: ObjectStore, gitdir: string, blobs: string[], onProgress?: PurgeProgress): Promise<PurgeReceipt> {
  const set = new Set(blobs);
  const graph = await loadGraph(objects, gitdir);
  crashPoint('purge:loaded');
  // The rewritten trees and commits go into one new pack, written before any ref moves.
  objects.beginBatch();
  const { map, oldTrees } = await rewriteAll(objects, graph, set, onProgress);
  await objects.flushBatch();
  crashPoint('purge:rewritten');
  const receipt: PurgeReceipt = { blobs, commitsRewritten: map.size, refsMoved: [], remoteRefsRemoved: [], unreachable: [], objectsRemoved: 0, packsRewritten: 0 };
  const oldTags = new Set<string>();
  const moved: string[] = []; // files of refs and reflogs changed or removed

  // Move refs: loose ones through their lock file, packed ones by rewriting packed-refs.
  const packed = await readPackedRefsRaw(gitdir);
  let packedChanged = false;
  for (const [ref, oid] of graph.tips) {
    let next = map.get(oid);
    if (!next) {
      const tag = await objects.read(oid).catch(() => undefined);
      if (tag?.type === 'tag') {
        const text = Buffer.from(tag.content).toString('utf8');
        const target = /^object ([0-9a-f]{40})/.exec(text)?.[1];
        if (target && map.has(target)) {
          const stripped = text.replace(/^object [0-9a-f]{40}/, `object ${map.get(target)}`).replace(/-----BEGIN PGP SIGNATURE-----[\s\S]*?-----END PGP SIGNATURE-----\n?/, '');
          next = await objects.write('tag', Buffer.from(stripped, 'utf8'));
          oldTags.add(oid);
        }
      }
    }
    if (!next) continue;
    if (ref.startsWith('refs/remotes/')) {
      await removeRef(gitdir, ref);
      moved.push(join(gitdir, ref), join(gitdir, 'logs', ref));
      if (packed.has(ref)) {
        packed.delete(ref);
        packedChanged = true;
      }
      receipt.remoteRefsRemoved.push({ ref, old: oid });
      const remote = ref.split('/')[2]!;
      const branch = ref.split('/').slice(3).join('/');
      receipt.unreachable.push(`remote ${remote}: run \`git push --force ${remote} ${branch}\`, then have every clone fetch and reset`);
      continue;
    }
    await writeRefFile(gitdir, ref, oid, next, packed.has(ref));
    moved.push(join(gitdir, ref));
    if (packed.has(ref)) {
      packed.set(ref, next);
      packedChanged = true;
    }
    receipt.refsMoved.push({ ref, old: oid, new: next });
    crashPoint('purge:ref-moved');
  }
  if (packedChanged) {
    await writePackedRefs(gitdir, packed);
    moved.push(join(gitdir, 'packed-refs'));
  }
  crashPoint('purge:refs-moved');

  // Reflogs: map old commit ids to new ones, so no entry reaches the old history.
  for (const f of await reflogFiles(gitdir)) {
    const path = join(gitdir, f);
    const text = await fsp.readFile(path, 'utf8');
    const mapped = text.replace(/^([0-9a-f]{40}) ([0-9a-f]{40}) /gm, (_, a: string, b: string) => `${map.get(a) ?? a} ${map.get(b) ?? b} `);
    if (mapped !== text) {
      await writeFileDurablyAsync(path, mapped);
      moved.push(path);
    }
  }
  crashPoint('purge:reflogs');

  // The moved refs and reflogs reach the disk before the objects they no longer name are removed:
  // after a power loss, no ref may be found pointing at a removed object.
  syncDirectoriesOf(moved);

  // Remove the old objects: purged blobs, replaced trees, commits and tags.
  const remove = new Set<string>([...set, ...oldTrees, ...map.keys(), ...oldTags]);
  receipt.objectsRemoved = await removeObjects(objects, gitdir, remove, (n) => (receipt.packsRewritten += n));
  objects.resetPacks();
  await fsp.rm(join(gitdir, 'objects', 'info', 'commit-graph'), { force: true });
  await fsp.rm(join(gitdir, 'objects', 'info', 'commit-graphs'), { recursive: true, force: true });
  await fsp.rm(join(gitdir, 'objects', 'pack', 'multi-pack-index'), { force: true });
  if (receipt.commitsRewritten > 0) receipt.unreachable.push('other clones of this repository keep the old history until they fetch the rewritten refs and prune (`git fetch && git reset --hard @{u} && git reflog expire --expire=now --all && git gc --prune=now`)');
  crashPoint('purge:objects-removed');
  await clearJournal(gitdir);
  return receipt;
}

/** Moves a ref file as git does: its lock created, written, flushed, then renamed over it. */
async function replaceThroughLock(lock: string, path: string, body: string, whenLocked: () => KvgitError): Promise<void> {
  try {
    await writeFileDurablyAsync(path, body, { through: lock });
  } catch (e) {
    throw (e as NodeJS.ErrnoException).code === 'EEXIST' ? whenLocked() : e;
  }
}

async function readPackedRefsRaw(gitdir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let text: string;
  try {
    text = await fsp.readFile(join(gitdir, 'packed-refs'), 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{40}) (\S+)$/.exec(line);
    if (m) out.set(m[2]!, m[1]!);
  }
  return out;
}

/** packed-refs without peeled lines (git recomputes them); written through packed-refs.lock. */
async function writePackedRefs(gitdir: string, refs: Map<string, string>): Promise<void> {
  const lock = join(gitdir, 'packed-refs.lock');
  const body = `# pack-refs with: peeled fully-peeled sorted \n${[...refs.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([r, o]) => `${o} ${r}\n`).join('')}`;
  await replaceThroughLock(lock, join(gitdir, 'packed-refs'), body, () => new KvgitError('ERR_STORE_MODIFIED', 'packed-refs is locked by another git process', { file: 'packed-refs.lock' }));
}

async function writeRefFile(gitdir: string, ref: string, old: string, next: string, alsoPacked: boolean): Promise<void> {
  const path = join(gitdir, ref);
  let current: string | undefined;
  try {
    current = (await fsp.readFile(path, 'utf8')).trim();
  } catch {
    current = undefined;
  }
  if (current === undefined && alsoPacked) return; // packed-refs carries it
  if (current !== undefined && current !== old) {
    throw new KvgitError('ERR_STORE_MODIFIED', `${ref} moved during the history rewrite`, {});
  }
  await replaceThroughLock(`${path}.lock`, path, `${next}\n`, () => new KvgitError('ERR_STORE_MODIFIED', `${ref} is being updated by another git process (${ref}.lock exists)`, { file: `${ref}.lock` }));
}

async function removeRef(gitdir: string, ref: string): Promise<void> {
  await fsp.rm(join(gitdir, ref), { force: true });
  await fsp.rm(join(gitdir, 'logs', ref), { force: true });
}

/** Object ids in a pack's .idx (version 2). */
export async function packIndexOids(idxPath: string): Promise<string[]> {
  const b = await fsp.readFile(idxPath);
  if (b.readUInt32BE(0) !== 0xff744f63 || b.readUInt32BE(4) !== 2) throw new KvgitError('ERR_CORRUPT', `${idxPath} is not a version 2 pack index`);
  const n = b.readUInt32BE(8 + 255 * 4);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(b.subarray(8 + 1024 + i * 20, 8 + 1024 + (i + 1) * 20).toString('hex'));
  return out;
}

async function removeObjects(objects: ObjectStore, gitdir: string, remove: Set<string>, packsRewritten: (n: number) => void): Promise<number> {
  let removed = 0;
  for (const oid of remove) {
    const p = join(gitdir, 'objects', oid.slice(0, 2), oid.slice(2));
    try {
      await fsp.rm(p);
      removed++;
    } catch {
      // not loose
    }
  }
  const packDir = join(gitdir, 'objects', 'pack');
  let names: string[] = [];
  try {
    names = await fsp.readdir(packDir);
  } catch {
    return removed;
  }
  for (const idx of names.filter((n) => n.endsWith('.idx'))) {
    const oids = await packIndexOids(join(packDir, idx));
    const keep = oids.filter((o) => !remove.has(o));
    if (keep.length === oids.length) continue;
    removed += oids.length - keep.length;
    const base = idx.slice(0, -4);
    if (keep.length > 0) await writePack(objects, gitdir, keep);
    crashPoint('purge:pack-survivors-written');
    for (const ext of ['.idx', '.pack', '.rev', '.bitmap', '.promisor', '.keep', '.mtimes']) {
      await fsp.rm(join(packDir, base + ext), { force: true });
    }
    packsRewritten(1);
  }
  return removed;
}

/** Writes the surviving objects of a pack as a new pack with its index (index last). */
async function writePack(objects: ObjectStore, gitdir: string, oids: string[]): Promise<void> {
  const survivors = [];
  for (const oid of oids) survivors.push({ oid, ...(await objects.read(oid)) });
  await writePackFile(gitdir, survivors);
}
