/**
 * The three-way merge of two store trees (docs/TEAMS.md). It walks the trees from the store root
 * and only descends where both sides changed something: a subtree one side left alone is taken
 * whole from the other, byte for byte, so changes to different keys merge without reading a
 * single blob. Where both sides changed a key, mergeKey decides; the mount table and the keyring
 * merge as records. The result is a new tree, or the list of conflicts and nothing written
 * (objects aside: unreferenced blobs and trees, which `git gc` collects).
 */
import { KvgitError } from '../errors';
import { canonicalJson } from '../bytes/json';
import { sealToRecipients } from '../crypto/age';
import { decodeBlobPayload, encodeBlobPayload } from '../format/blob';
import { decodeMetadata, encodeMetadata } from '../format/metadata';
import { decodeMounts, encodeMounts } from '../format/mounts';
import { KEYRING_DIR, KEYRING_FILE, METADATA_FILE, MOUNTS_DIR, MOUNTS_FILE, V1_DATA_FILE, classifyEntry, metadataFile, mountDir } from '../format/paths';
import { type StoreKey, decodeKeyringUnverified, encodeKeyring } from '../keys/keyring';
import type { KeyMetadata, Mount, Operation, SecretData } from '../kv/model';
import { Snapshot } from '../storage/git';
import { FILE_MODE, type ObjectStore, TREE_MODE, type TreeEntry } from '../storage/objects';
import type { Conflict } from './conflicts';
import type { KeyChain } from './keys';
import { type BlobSource, type KeySide, type Renumbering, mergeKey } from './mergeKey';
import { mergeKeyring, mergeMounts } from './mergeRecords';

export interface StoreTrees {
  /** The store root tree of the merge base; undefined when the sides share no history of it. */
  base: string | undefined;
  ours: string;
  theirs: string;
}

export interface RenumberedVersion extends Renumbering {
  mount: string;
  key: string;
}

export interface MergeOutcome {
  /** The merged store root tree; undefined when there are conflicts. */
  tree: string | undefined;
  conflicts: Conflict[];
  /** Keys both sides changed, merged version by version ("secret/app/db"). */
  merged: string[];
  renumbered: RenumberedVersion[];
  /** One per key merged, for the merge commit's trailers (docs/FORMAT.md §4). */
  operations: Operation[];
}

type Entries = Map<string, TreeEntry>;

class Walker {
  readonly conflicts: Conflict[] = [];
  readonly merged: string[] = [];
  readonly renumbered: RenumberedVersion[] = [];
  readonly operations: Operation[] = [];

  constructor(
    readonly objects: ObjectStore,
    /** Both sides' store key (a rotation on one side is a conflict before anything is walked). */
    readonly key: StoreKey,
    /** The base's key when it can be opened: base records are then authenticated too. */
    readonly baseKey: StoreKey | undefined,
  ) {}

  async entries(oid: string | undefined): Promise<Entries> {
    if (!oid) return new Map();
    return new Map((await this.objects.readTree(oid)).map((e) => [e.name, e]));
  }

  async writeTree(entries: Entries): Promise<string | undefined> {
    if (entries.size === 0) return undefined;
    return this.objects.writeTree([...entries.values()]);
  }

  conflict(where: string, field: string, b: TreeEntry | undefined, o: TreeEntry | undefined, t: TreeEntry | undefined, message: string): void {
    const side = (e: TreeEntry | undefined) => (e ? `${e.mode === TREE_MODE ? 'tree' : 'blob'} ${e.oid.slice(0, 12)}` : '(absent)');
    this.conflicts.push({ where, field, base: side(b), ours: side(o), theirs: side(t), message });
  }

  /**
   * Generic three-way merge of two trees by entry: a side that left an entry as the base had it
   * takes the other side's. `both` decides an entry both sides changed (default: recurse into
   * trees, conflict on files).
   */
  async tree(
    b: string | undefined,
    o: string | undefined,
    t: string | undefined,
    where: string,
    both?: (name: string, be: TreeEntry | undefined, oe: TreeEntry | undefined, te: TreeEntry | undefined) => Promise<TreeEntry | undefined>,
    fromTheirs?: (name: string, be: TreeEntry | undefined, te: TreeEntry) => Promise<void>,
  ): Promise<string | undefined> {
    if (o === t) return o;
    if (b === o) return t;
    if (b === t) return o;
    const [be, oe, te] = await Promise.all([this.entries(b), this.entries(o), this.entries(t)]);
    const out: Entries = new Map();
    for (const name of [...new Set([...oe.keys(), ...te.keys(), ...be.keys()])].sort()) {
      const x = be.get(name);
      const y = oe.get(name);
      const z = te.get(name);
      let r: TreeEntry | undefined;
      if (same(y, z)) r = y;
      else if (same(x, y)) {
        r = z;
        if (z && fromTheirs) await fromTheirs(name, x, z);
      } else if (same(x, z)) r = y;
      else if (both) r = await both(name, x, y, z);
      else if (y?.mode === TREE_MODE && z?.mode === TREE_MODE && (!x || x.mode === TREE_MODE)) {
        const sub = await this.tree(x?.oid, y.oid, z.oid, `${where}${name}/`);
        r = sub ? { mode: TREE_MODE, name, oid: sub } : undefined;
      } else {
        this.conflict(`${where}${name}`, 'file', x, y, z, `${where}${name} was changed differently on both sides`);
        r = y;
      }
      if (r) out.set(name, { ...r, name });
    }
    return this.writeTree(out);
  }

  // ---- keys

  async readMeta(dir: Entries, mount: Mount, key: string, macKey: Uint8Array): Promise<KeyMetadata> {
    const file = metadataFile(mount.path, key);
    const e = dir.get(METADATA_FILE);
    if (!e) throw new KvgitError('ERR_CORRUPT', `${mount.path}${key} has no ${METADATA_FILE}`, { mount: mount.path, path: key });
    return decodeMetadata((await this.objects.read(e.oid)).content, mount.uuid, key, macKey, file);
  }

  async open(oid: string, mount: Mount, key: string, version: number): Promise<SecretData> {
    const file = `${mount.path}${key} ${version === 0 ? V1_DATA_FILE : `version ${version}`}`;
    const plain = await this.key.open((await this.objects.read(oid)).content);
    if (!plain) throw new KvgitError('ERR_DECRYPT', `${file} cannot be decrypted with the store key`, { mount: mount.path, path: key, version });
    return decodeBlobPayload(plain, { mountUuid: mount.uuid, mountPath: mount.path, key, version }, file, this.key.macKey);
  }

  /** A key folder both sides changed. */
  async keyDir(mount: Mount, key: string, b: TreeEntry | undefined, o: TreeEntry | undefined, t: TreeEntry | undefined): Promise<TreeEntry | undefined> {
    const where = `${mount.path}${key}`;
    if (!o || !t || o.mode !== TREE_MODE || t.mode !== TREE_MODE) {
      const state = (e: TreeEntry | undefined) => (e ? 'changed' : 'deleted (metadata delete)');
      this.conflicts.push({ where, field: 'key', base: b ? 'present' : '(absent)', ours: state(o), theirs: state(t), message: `${where} was deleted on one side and changed on the other` });
      return o;
    }
    const [be, oe, te] = await Promise.all([this.entries(b?.mode === TREE_MODE ? b.oid : undefined), this.entries(o.oid), this.entries(t.oid)]);
    if (mount.version === 1) return this.v1KeyDir(mount, key, be, oe, te, o.name);

    const ours = await this.side(oe, mount, key);
    const theirs = await this.side(te, mount, key);
    let base: KeyMetadata | undefined;
    if (be.has(METADATA_FILE) && this.baseKey) base = await this.readMeta(be, mount, key, this.baseKey.macKey).catch(() => undefined);
    const r = await mergeKey({
      where,
      mountConfig: mount.config,
      base,
      ours,
      theirs,
      open: (oid, version) => this.open(oid, mount, key, version),
    });
    if (r.kind !== 'merged') {
      if (r.kind === 'conflict') this.conflicts.push(...r.conflicts);
      return o;
    }
    const out: Entries = new Map();
    // Files that are neither metadata nor versions are not the engine's: merged like any file.
    for (const name of new Set([...oe.keys(), ...te.keys()])) {
      if (name === METADATA_FILE || /^\d+\.age$/.test(name)) continue;
      const sub = await this.tree(undefined, await this.writeTree(pickOne(oe, name)), await this.writeTree(pickOne(te, name)), `${where}/`);
      for (const e of await this.entries(sub)) out.set(e[0], e[1]);
    }
    const meta = encodeMetadata(r.meta, mount.uuid, this.key.macKey);
    out.set(METADATA_FILE, { mode: FILE_MODE, name: METADATA_FILE, oid: await this.objects.write('blob', meta) });
    for (const [n, src] of r.blobs) out.set(`${n}.age`, { mode: FILE_MODE, name: `${n}.age`, oid: await this.blob(src, mount, key, n) });
    this.merged.push(where);
    for (const x of r.renumbered) this.renumbered.push({ ...x, mount: mount.path, key });
    const versions = [...new Set(r.renumbered.map((x) => x.to))].sort((a, c) => a - c);
    this.operations.push({ op: 'merge', mount: mount.path, path: key, versions });
    const tree = await this.writeTree(out);
    return tree ? { mode: TREE_MODE, name: o.name, oid: tree } : undefined;
  }

  async side(entries: Entries, mount: Mount, key: string): Promise<KeySide> {
    const meta = await this.readMeta(entries, mount, key, this.key.macKey);
    const blobs = new Map<number, string>();
    for (const [name, e] of entries) {
      const m = /^(\d+)\.age$/.exec(name);
      if (m && e.mode !== TREE_MODE) blobs.set(Number(m[1]), e.oid);
    }
    return { meta, blobs };
  }

  async blob(src: BlobSource, mount: Mount, key: string, version: number): Promise<string> {
    if ('oid' in src) return src.oid;
    // The payload names its version, so a renumbered version is sealed again (docs/FORMAT.md §3.6).
    const sealed = await sealToRecipients([this.key.recipient], encodeBlobPayload({ mountUuid: mount.uuid, mountPath: mount.path, key, version }, src.reseal, this.key.macKey));
    return this.objects.write('blob', sealed);
  }

  async v1KeyDir(mount: Mount, key: string, be: Entries, oe: Entries, te: Entries, name: string): Promise<TreeEntry | undefined> {
    const where = `${mount.path}${key}`;
    const tree = await this.tree(await this.writeTree(be), await this.writeTree(oe), await this.writeTree(te), `${where}/`, async (file, x, y, z) => {
      if (file === V1_DATA_FILE && y && z) {
        // Sealed again on one side (a rotation, an earlier merge) but the same value: keep one, the same on both sides.
        const [a, c] = await Promise.all([this.open(y.oid, mount, key, 0), this.open(z.oid, mount, key, 0)]);
        if (canonicalJson(a) === canonicalJson(c)) return y.oid < z.oid ? y : z;
        this.conflicts.push({ where, field: 'value', base: x ? `ciphertext ${x.oid.slice(0, 12)}` : '(absent)', ours: `ciphertext ${y.oid.slice(0, 12)}`, theirs: `ciphertext ${z.oid.slice(0, 12)}`, message: `${where} (a KV version 1 key, which keeps no versions) was written on both sides` });
        return y;
      }
      this.conflict(`${where}/${file}`, 'file', x, y, z, `${where}/${file} was changed differently on both sides`);
      return y;
    });
    this.merged.push(where);
    return tree ? { mode: TREE_MODE, name, oid: tree } : undefined;
  }

  /** A mount's folder tree: folders merge as trees, keys both sides changed merge as keys. */
  async folder(mount: Mount, prefix: string, b: string | undefined, o: string | undefined, t: string | undefined): Promise<string | undefined> {
    if (b === o && t !== o) await this.authenticate(mount, prefix, b, t);
    return this.tree(
      b,
      o,
      t,
      `${mount.path}${prefix}`,
      async (name, x, y, z) => {
        const c = classifyEntry(name);
        if (!c.folder) return this.keyDir(mount, `${prefix}${c.name}`, x, y, z);
        if (y?.mode === TREE_MODE && z?.mode === TREE_MODE) {
          const sub = await this.folder(mount, `${prefix}${c.name}/`, x?.mode === TREE_MODE ? x.oid : undefined, y.oid, z.oid);
          return sub ? { mode: TREE_MODE, name, oid: sub } : undefined;
        }
        // A folder deleted on one side (its last key deleted) while the other changed it: merge its keys.
        if (y?.mode === TREE_MODE || z?.mode === TREE_MODE) {
          const sub = await this.folder(mount, `${prefix}${c.name}/`, x?.mode === TREE_MODE ? x.oid : undefined, y?.oid, z?.oid);
          return sub ? { mode: TREE_MODE, name, oid: sub } : undefined;
        }
        this.conflict(`${mount.path}${prefix}${name}`, 'file', x, y, z, `${mount.path}${prefix}${name} is not a key or folder and was changed on both sides`);
        return y;
      },
      async (name, x, z) => this.authenticateEntry(mount, prefix, name, x, z),
    );
  }

  /**
   * Keys taken whole from their side are authenticated (their metadata's MAC) before they are
   * merged in: what a non-member forged there must not slip in because we changed nothing near it.
   */
  async authenticate(mount: Mount, prefix: string, b: string | undefined, t: string | undefined): Promise<void> {
    if (mount.version !== 2 || b === t) return;
    const [be, te] = await Promise.all([this.entries(b), this.entries(t)]);
    for (const [name, z] of te) await this.authenticateEntry(mount, prefix, name, be.get(name), z);
  }

  async authenticateEntry(mount: Mount, prefix: string, name: string, x: TreeEntry | undefined, z: TreeEntry): Promise<void> {
    if (mount.version !== 2 || z.mode !== TREE_MODE || x?.oid === z.oid) return;
    const c = classifyEntry(name);
    if (c.folder) await this.authenticate(mount, `${prefix}${c.name}/`, x?.mode === TREE_MODE ? x.oid : undefined, z.oid);
    else await this.readMeta(await this.entries(z.oid), mount, `${prefix}${c.name}`, this.key.macKey);
  }
}

function same(a: TreeEntry | undefined, b: TreeEntry | undefined): boolean {
  return a?.oid === b?.oid && (a === undefined || a.mode === b!.mode);
}

function pickOne(entries: Entries, name: string): Entries {
  const e = entries.get(name);
  return e ? new Map([[name, e]]) : new Map();
}

/** Builds nested trees from "a/b/c" paths. */
async function buildTree(objects: ObjectStore, base: Entries, files: Array<{ path: string; mode: string; oid: string }>): Promise<string> {
  const root: Node = { entries: new Map(base), children: new Map() };
  for (const f of files) {
    const parts = f.path.split('/');
    let cur = root;
    for (const p of parts.slice(0, -1)) {
      let next = cur.children.get(p);
      if (!next) {
        next = { entries: new Map(), children: new Map() };
        cur.children.set(p, next);
      }
      cur = next;
    }
    const name = parts[parts.length - 1]!;
    cur.entries.set(name, { mode: f.mode, name, oid: f.oid });
  }
  const write = async (n: Node): Promise<string> => {
    for (const [name, child] of n.children) n.entries.set(name, { mode: TREE_MODE, name, oid: await write(child) });
    return objects.writeTree([...n.entries.values()]);
  };
  return write(root);
}

interface Node {
  entries: Entries;
  children: Map<string, Node>;
}

/** Merges two store trees; see the module comment. `keys` must open both sides. */
export async function mergeStoreTrees(objects: ObjectStore, keys: KeyChain, trees: StoreTrees): Promise<MergeOutcome> {
  const done = (tree: string): MergeOutcome => ({ tree, conflicts: [], merged: [], renumbered: [], operations: [] });
  if (trees.ours === trees.theirs || trees.base === trees.theirs) return done(trees.ours);
  if (trees.base === trees.ours) return done(trees.theirs);

  const snap = (root: string | undefined) => new Snapshot(objects, undefined, root);
  const [b, o, t] = [snap(trees.base), snap(trees.ours), snap(trees.theirs)];
  const keyO = await keys.requireKeyFor(o, 'our side of the merge');
  const keyT = await keys.requireKeyFor(t, 'their side of the merge');
  const keyB = trees.base ? await keys.keyFor(b).catch(() => undefined) : undefined;

  const keyringOf = async (s: Snapshot) => decodeKeyringUnverified((await s.readFile(KEYRING_FILE))!);
  const ring = mergeKeyring(keyB ? await keyringOf(b) : undefined, await keyringOf(o), await keyringOf(t));
  if (ring.conflicts.length > 0 || keyO.recipient !== keyT.recipient) {
    return { tree: undefined, conflicts: ring.conflicts, merged: [], renumbered: [], operations: [] };
  }
  const w = new Walker(objects, keyO, keyB);
  w.conflicts.push(...ring.conflicts);

  const mountsOf = async (s: Snapshot, key: StoreKey) => {
    const bytes = await s.readFile(MOUNTS_FILE);
    if (!bytes) throw new KvgitError('ERR_CORRUPT', `${MOUNTS_FILE} is missing`, { file: MOUNTS_FILE });
    return decodeMounts(bytes, key.macKey);
  };
  const mb = keyB ? await mountsOf(b, keyB).catch(() => undefined) : undefined;
  const [mo, mt] = [await mountsOf(o, keyO), await mountsOf(t, keyT)];
  const mounts = mergeMounts(mb, mo, mt);
  w.conflicts.push(...mounts.conflicts);

  const [be, oe, te] = await Promise.all([w.entries(trees.base), w.entries(trees.ours), w.entries(trees.theirs)]);
  const root: Entries = new Map();
  // Files of front ends (ext/), the descriptor and anything else: merged as files.
  for (const name of new Set([...oe.keys(), ...te.keys(), ...be.keys()])) {
    if ([KEYRING_FILE, KEYRING_DIR, MOUNTS_FILE, MOUNTS_DIR].includes(name)) continue;
    const sub = await w.tree(await w.writeTree(pickOne(be, name)), await w.writeTree(pickOne(oe, name)), await w.writeTree(pickOne(te, name)), '');
    for (const [n, e] of await w.entries(sub)) root.set(n, e);
  }

  // The keyring: the merged member list, and each remaining member's wrapped store key.
  root.set(KEYRING_FILE, { mode: FILE_MODE, name: KEYRING_FILE, oid: await objects.write('blob', encodeKeyring(ring.keyring, keyO)) });
  const members = new Set(ring.keyring.members.map((m) => m.name));
  const kdir = await w.tree(be.get(KEYRING_DIR)?.oid, oe.get(KEYRING_DIR)?.oid, te.get(KEYRING_DIR)?.oid, `${KEYRING_DIR}/`, async (_name, _x, y, z) => {
    // Both sides wrapped the same store key for the same member again: either wrap opens it.
    if (y && z) return y.oid < z.oid ? y : z;
    return y ?? z;
  });
  const kept: Entries = new Map([...(await w.entries(kdir))].filter(([name]) => members.has(name.replace(/(\.key)?\.age$/, ''))));
  const keyringTree = await w.writeTree(kept);
  if (keyringTree) root.set(KEYRING_DIR, { mode: TREE_MODE, name: KEYRING_DIR, oid: keyringTree });

  // The mount table and each mount's folder, matched by uuid across the three sides.
  root.set(MOUNTS_FILE, { mode: FILE_MODE, name: MOUNTS_FILE, oid: await objects.write('blob', encodeMounts(mounts.mounts, keyO.macKey)) });
  const dirOf = async (s: Snapshot, table: Map<string, Mount> | undefined, uuid: string) => {
    const m = [...(table ?? new Map<string, Mount>()).values()].find((x) => x.uuid === uuid);
    return m ? (await s.entry(mountDir(m.path)))?.oid : undefined;
  };
  const mountTrees: Array<{ path: string; mode: string; oid: string }> = [];
  for (const m of mounts.mounts.values()) {
    const [x, y, z] = [await dirOf(b, mb, m.uuid), await dirOf(o, mo, m.uuid), await dirOf(t, mt, m.uuid)];
    const versions = [...mo.values(), ...mt.values()].filter((v) => v.uuid === m.uuid).map((v) => v.version);
    if (new Set(versions).size > 1 && x !== y && x !== z) {
      w.conflicts.push({ where: m.path, field: 'version', base: '', ours: `KV version ${[...mo.values()].find((v) => v.uuid === m.uuid)?.version}`, theirs: `KV version ${[...mt.values()].find((v) => v.uuid === m.uuid)?.version}`, message: `mount ${m.path} was upgraded to KV version 2 on one side while its keys changed on the other` });
      continue;
    }
    const tree = await w.folder(m, '', x, y, z);
    if (tree) mountTrees.push({ path: mountDir(m.path), mode: TREE_MODE, oid: tree });
  }
  // A mount disabled on one side must not lose what the other side wrote to it meanwhile.
  for (const m of mb?.values() ?? []) {
    if ([...mounts.mounts.values()].some((x) => x.uuid === m.uuid)) continue;
    const [x, y, z] = [await dirOf(b, mb, m.uuid), await dirOf(o, mo, m.uuid), await dirOf(t, mt, m.uuid)];
    if ((y && y !== x) || (z && z !== x)) {
      w.conflicts.push({ where: m.path, field: 'mount', base: 'enabled', ours: y ? 'keys changed' : 'disabled', theirs: z ? 'keys changed' : 'disabled', message: `mount ${m.path} was disabled on one side while its keys changed on the other` });
    }
  }
  if (w.conflicts.length > 0) return { tree: undefined, conflicts: w.conflicts, merged: w.merged, renumbered: w.renumbered, operations: w.operations };
  const tree = await buildTree(objects, root, mountTrees);
  return { tree, conflicts: [], merged: w.merged, renumbered: w.renumbered, operations: w.operations };
}

