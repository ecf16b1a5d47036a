/**
 * Destroy rewrites one clone's history (docs/FORMAT.md §4.1); every other copy still holds the old
 * one. A merge of the two makes both histories reachable again, and with them the ciphertext the
 * destroy removed. This finds that ciphertext: the blobs of versions the merged store says are
 * destroyed, and of keys it no longer has (metadata delete), in the commits that only one side of
 * the merge held. (Trimmed versions are not counted: trimming never rewrites history.) A version a
 * merge renumbered left its earlier blob, under its earlier number, in one side's history; the
 * merge commit's `Kvgit-Renumbered` trailer names it, and it counts when the version it became is
 * destroyed.
 */
import { isPlainObject, utf8 } from '../bytes/json';
import { METADATA_FILE, MOUNTS_FILE, classifyEntry, keyDirInMount, mountDir } from '../format/paths';
import { Snapshot } from '../storage/git';
import { type ObjectStore, TREE_MODE, type TreeEntry, parseCommit } from '../storage/objects';
import { git } from './git';

export interface ResurrectedBlob {
  /** "secret/app/db". */
  where: string;
  /** The version number the blob had there (undefined for a KV v1 value). */
  version: number | undefined;
  blob: string;
  why: 'destroyed' | 'key deleted' | 'renumbered, then destroyed';
}

async function subtree(objects: ObjectStore, tree: string | undefined, path: string): Promise<string | undefined> {
  let cur = tree;
  for (const part of path.split('/').filter((p) => p !== '')) {
    if (!cur) return undefined;
    const entries: TreeEntry[] = await objects.readTree(cur);
    cur = entries.find((e) => e.name === part && e.mode === TREE_MODE)?.oid;
  }
  return cur;
}

/** Ciphertext that should be gone, reachable from `merge` through only one of its parents. */
export async function resurrectedCiphertext(objects: ObjectStore, cwd: string, env: NodeJS.ProcessEnv, merge: string, prefix: string): Promise<ResurrectedBlob[]> {
  const commit = parseCommit((await objects.read(merge)).content);
  if (commit.parents.length < 2) return [];
  // Commits one parent holds and the other does not: where a rewritten and an old history differ.
  return destroyedCiphertext(objects, cwd, env, merge, prefix, [`${commit.parents[0]}...${commit.parents[1]}`]);
}

/**
 * Ciphertext of versions destroyed (or keys deleted) in the store at `head`, in the commits
 * `git rev-list <range…>` names (default: everything reachable from head): what a push of head
 * must not carry.
 */
export async function destroyedCiphertext(objects: ObjectStore, cwd: string, env: NodeJS.ProcessEnv, head: string, prefix: string, range: string[] = [head]): Promise<ResurrectedBlob[]> {
  const storeRoot = await subtree(objects, parseCommit((await objects.read(head)).content).tree, prefix);
  if (!storeRoot) return [];
  const snap = new Snapshot(objects, head, storeRoot);
  // The merged state, read without its MACs: it is the merge's own output, checked as it was made.
  const mountsJson = await snap.readFile(MOUNTS_FILE);
  const mountPaths = mountsJson ? Object.keys((JSON.parse(utf8.decode(mountsJson)) as { mounts?: Record<string, unknown> }).mounts ?? {}) : [];
  const destroyed = new Map<string, Set<number> | undefined>(); // key dir → destroyed versions (undefined: key gone)
  const stateOf = async (dir: string): Promise<Set<number> | undefined> => {
    if (destroyed.has(dir)) return destroyed.get(dir);
    let out: Set<number> | undefined;
    const meta = await snap.readFile(`${dir}/${METADATA_FILE}`);
    if (meta) {
      const versions = (JSON.parse(utf8.decode(meta)) as { versions?: unknown }).versions;
      out = new Set(Object.entries(isPlainObject(versions) ? versions : {}).filter(([, v]) => isPlainObject(v) && v.destroyed === true).map(([n]) => Number(n)));
    } else if (await snap.exists(dir)) out = new Set(); // a KV v1 key: nothing is destroyed, it is deleted whole
    destroyed.set(dir, out);
    return out;
  };

  const found = new Map<string, ResurrectedBlob>();
  const seen = new Set<string>();
  const walk = async (tree: string, dir: string, where: string): Promise<void> => {
    if (seen.has(tree)) return;
    seen.add(tree);
    for (const e of await objects.readTree(tree)) {
      if (e.mode !== TREE_MODE) continue;
      const c = classifyEntry(e.name);
      if (c.folder) {
        await walk(e.oid, `${dir}/${e.name}`, `${where}${c.name}/`);
        continue;
      }
      if (seen.has(e.oid)) continue;
      seen.add(e.oid);
      const state = await stateOf(`${dir}/${e.name}`);
      for (const f of await objects.readTree(e.oid)) {
        const m = /^(\d+)\.age$/.exec(f.name) ?? /^data\.age$/.exec(f.name);
        if (!m || f.mode === TREE_MODE) continue;
        const version = m[1] === undefined ? undefined : Number(m[1]);
        const gone = state === undefined ? 'key deleted' : version !== undefined && state.has(version) ? 'destroyed' : undefined;
        if (gone && !found.has(f.oid)) found.set(f.oid, { where: `${where}${c.name}`, version, blob: f.oid, why: gone });
      }
    }
  };
  const commits = (await git(['rev-list', ...range, '--'], { cwd, env })).split('\n').filter((l) => l !== '');
  for (const c of commits) {
    const parsed = parseCommit((await objects.read(c)).content);
    for (const r of renumberings(parsed.message)) {
      const state = await stateOf(`${mountDir(r.mount)}/${keyDirInMount(r.key)}`);
      if ((state === undefined || state.has(r.to)) && !found.has(r.blob)) {
        found.set(r.blob, { where: `${r.mount}${r.key}`, version: r.from, blob: r.blob, why: state === undefined ? 'key deleted' : 'renumbered, then destroyed' });
      }
    }
    const root = await subtree(objects, parsed.tree, prefix);
    for (const m of mountPaths) {
      const t = await subtree(objects, root, mountDir(m));
      if (t) await walk(t, mountDir(m), m);
    }
  }
  return [...found.values()];
}

/** The `Kvgit-Renumbered: <side> <from>><to> <blob>` lines of a merge commit, with their key. */
function renumberings(message: string): Array<{ mount: string; key: string; from: number; to: number; blob: string }> {
  const out: Array<{ mount: string; key: string; from: number; to: number; blob: string }> = [];
  let mount = '';
  let key = '';
  for (const line of message.split('\n')) {
    const m = /^Kvgit-(Operation|Mount|Path|Renumbered): (.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === 'Operation') mount = key = '';
    else if (m[1] === 'Mount') mount = m[2]!;
    else if (m[1] === 'Path') key = m[2]!.replace(/\\n/g, '\n');
    else {
      const r = /^(?:ours|theirs) (\d+)>(\d+) ([0-9a-f]{40})$/.exec(m[2]!);
      if (r && mount && key) out.push({ mount, key, from: Number(r[1]), to: Number(r[2]), blob: r[3]! });
    }
  }
  return out;
}
