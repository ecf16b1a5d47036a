/**
 * `verify`: checks a store end to end without changing it. Every live version decrypts and names
 * its own place; destroyed and trimmed versions have no blob, now or anywhere in the history
 * reachable from the store's ref; every record authenticates; every object read hashes to its id.
 */
import { createHash } from 'node:crypto';
import { KvgitError, type ErrorCode } from '../errors';
import { KEYRING_DIR, KEYRING_FILE, METADATA_FILE, MOUNTS_DIR, MOUNTS_FILE, V1_DATA_FILE, classifyEntry, keyDirInMount, keyringEntryFile, memberIdentityFile, mountDir } from '../format/paths';
import { decodeKeyringUnverified } from '../keys/keyring';
import type { KeyMetadata, Mount } from '../kv/model';
import type { ObjectStore } from '../storage/objects';
import { TREE_MODE, type TreeEntry, parseCommit } from '../storage/objects';
import type { StorageLocation } from '../storage/git';
import type { StoreView } from './view';

export interface Problem {
  code: ErrorCode;
  file: string;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  mounts: number;
  keys: number;
  versions: number;
  commits: number;
  problems: Problem[];
  /** Blob ids of ciphertext still in the history that should be gone (what `purge` removes). */
  staleBlobs: string[];
}

function asProblem(e: unknown, file: string): Problem {
  if (e instanceof KvgitError) return { code: e.code, file: e.details.file ?? file, message: e.message };
  return { code: 'ERR_CORRUPT', file, message: (e as Error).message };
}

/**
 * Each member has its entry (and a passphrase member its sealed identity), and keyring/ holds
 * nothing else. Unlocking checks only the entry of the member who unlocks; the others' entries
 * are seen here, so a removed or planted entry shows before that member is locked out.
 */
async function verifyKeyringFiles(view: StoreView, report: VerifyReport): Promise<void> {
  const keyringBytes = await view.snap.readFile(KEYRING_FILE);
  if (!keyringBytes) return; // unlocking already refused such a store
  const expected = new Set<string>();
  for (const m of decodeKeyringUnverified(keyringBytes).members) {
    expected.add(keyringEntryFile(m.name));
    if (m.type === 'passphrase') expected.add(memberIdentityFile(m.name));
  }
  const present = new Set(((await view.snap.listDir(KEYRING_DIR)) ?? []).map((e) => `${KEYRING_DIR}/${e.name}`));
  for (const file of expected) {
    if (!present.has(file)) report.problems.push({ code: 'ERR_KEYRING_TAMPERED', file, message: `${file} is missing: the member it belongs to cannot unlock the store` });
  }
  for (const file of present) {
    if (!expected.has(file)) report.problems.push({ code: 'ERR_KEYRING_TAMPERED', file, message: `${file} belongs to no member in ${KEYRING_FILE}` });
  }
}

/** Everything under mounts/ belongs to a mount in mounts.json. */
async function findFilesOutsideMounts(view: StoreView, report: VerifyReport): Promise<void> {
  const dirs = [...view.mounts.values()].map((m) => mountDir(m.path));
  const walk = async (dir: string): Promise<void> => {
    for (const e of (await view.snap.listDir(dir)) ?? []) {
      const path = `${dir}/${e.name}`;
      if (dirs.includes(path)) continue;
      if (e.mode === TREE_MODE && dirs.some((d) => d.startsWith(`${path}/`))) await walk(path);
      else report.problems.push({ code: 'ERR_INTEGRITY', file: path, message: `${path} belongs to no mount in ${MOUNTS_FILE} (a mount disabled on one side of a merge, or files added by hand)` });
    }
  };
  await walk(MOUNTS_DIR);
}

/** Mount and KV folders hold only folders (KV folders and `.kv` key folders): a file there is stray. */
async function findStrayFiles(view: StoreView, dir: string, report: VerifyReport): Promise<void> {
  for (const e of (await view.snap.listDir(dir)) ?? []) {
    const path = `${dir}/${e.name}`;
    if (e.mode !== TREE_MODE) report.problems.push({ code: 'ERR_INTEGRITY', file: path, message: `${path} is not part of the store (a file where only folders and keys belong)` });
    else if (!classifyEntry(e.name).folder) continue; // a key folder: checked with its key
    else await findStrayFiles(view, path, report);
  }
}

export async function verifyStore(view: StoreView, objects: ObjectStore, location: StorageLocation): Promise<VerifyReport> {
  const report: VerifyReport = { ok: true, mounts: 0, keys: 0, versions: 0, commits: 0, problems: [], staleBlobs: [] };
  const current = new Map<string, { mount: Mount; meta: KeyMetadata | undefined }>(); // "<mountdir>/<keydir>" → key

  await verifyKeyringFiles(view, report);
  await findFilesOutsideMounts(view, report);
  for (const mount of view.mounts.values()) {
    report.mounts++;
    await findStrayFiles(view, mountDir(mount.path), report);
    for (const key of await view.allKeys(mount)) {
      report.keys++;
      const dir = `${mountDir(mount.path)}/${keyDirInMount(key)}`;
      const files = ((await view.snap.listDir(dir)) ?? []).map((e) => e.name);
      if (mount.version === 1) {
        current.set(dir, { mount, meta: undefined });
        try {
          if ((await view.v1Data(mount, key)) === undefined) report.problems.push({ code: 'ERR_CORRUPT', file: `${dir}/${V1_DATA_FILE}`, message: `${mount.path}${key} has no value` });
        } catch (e) {
          report.problems.push(asProblem(e, `${dir}/${V1_DATA_FILE}`));
        }
        continue;
      }
      let meta: KeyMetadata | undefined;
      try {
        meta = await view.metadata(mount, key);
      } catch (e) {
        report.problems.push(asProblem(e, `${dir}/${METADATA_FILE}`));
        current.set(dir, { mount, meta: undefined }); // the key is there: its history is not judged without metadata
        continue;
      }
      current.set(dir, { mount, meta });
      if (!meta) {
        report.problems.push({ code: 'ERR_CORRUPT', file: `${dir}/${METADATA_FILE}`, message: `${mount.path}${key} has no metadata` });
        continue;
      }
      const expected = new Set([METADATA_FILE]);
      for (const [n, v] of meta.versions) {
        report.versions++;
        const file = `${dir}/${n}.age`;
        if (v.destroyed) {
          if (files.includes(`${n}.age`)) report.problems.push({ code: 'ERR_INTEGRITY', file, message: `version ${n} of ${mount.path}${key} is destroyed but its blob is still there` });
          continue;
        }
        expected.add(`${n}.age`);
        try {
          if ((await view.versionData(mount, key, n)) === undefined) {
            report.problems.push({ code: 'ERR_INTEGRITY', file, message: `version ${n} of ${mount.path}${key} is live but its blob is missing` });
          }
        } catch (e) {
          report.problems.push(asProblem(e, file));
        }
      }
      for (const f of files) {
        if (!expected.has(f)) report.problems.push({ code: 'ERR_INTEGRITY', file: `${dir}/${f}`, message: `${dir}/${f} is not part of ${mount.path}${key}'s metadata (a trimmed or destroyed version, or a stray file)` });
      }
    }
  }

  await verifyHistory(view, objects, location, current, report);
  await verifyNoRollback(view, objects, location, report);
  report.ok = report.problems.length === 0;
  return report;
}

/** Walks every commit reachable from the ref; flags ciphertext of destroyed, trimmed or deleted versions. */
async function verifyHistory(
  view: StoreView,
  objects: ObjectStore,
  location: StorageLocation,
  current: Map<string, { mount: Mount; meta: KeyMetadata | undefined }>,
  report: VerifyReport,
): Promise<void> {
  const head = view.snap.commit;
  if (!head) return;
  const seenCommits = new Set<string>();
  const seenTrees = new Set<string>();
  const flagged = new Set<string>();
  const mountDirs = [...view.mounts.values()].map((m) => mountDir(m.path));
  const stack = [head];
  const readChecked = async (oid: string) => {
    const o = await objects.read(oid);
    const h = createHash('sha1').update(`${o.type} ${o.content.length}\0`).update(o.content).digest('hex');
    if (h !== oid) throw new KvgitError('ERR_CORRUPT', `git object ${oid} does not hash to its id`, { file: oid });
    return o;
  };
  const entryAt = async (tree: string, path: string): Promise<string | undefined> => {
    let cur = tree;
    for (const part of path.split('/').filter((p) => p !== '')) {
      const e = (await objects.readTree(cur)).find((x) => x.name === part && x.mode === TREE_MODE);
      if (!e) return undefined;
      cur = e.oid;
    }
    return cur;
  };
  const walkKeys = async (tree: string, dir: string, commit: string): Promise<void> => {
    if (seenTrees.has(tree)) return;
    seenTrees.add(tree);
    await readChecked(tree);
    for (const e of await objects.readTree(tree)) {
      if (e.mode !== TREE_MODE) continue;
      const path = `${dir}/${e.name}`;
      if (!classifyEntry(e.name).folder) {
        if (seenTrees.has(e.oid)) continue;
        seenTrees.add(e.oid);
        const now = current.get(path);
        for (const f of await objects.readTree(e.oid)) {
          const m = /^(\d+)\.age$/.exec(f.name);
          if (!m) continue;
          const n = Number(m[1]);
          const v = now?.meta?.versions.get(n);
          const gone = !now ? 'the key was deleted' : v?.destroyed ? 'the version is destroyed' : !v && now.meta && n <= now.meta.currentVersion ? 'the version was trimmed' : undefined;
          const id = `${path}/${f.name}@${f.oid}`;
          if (gone && !flagged.has(id)) {
            flagged.add(id);
            if (!report.staleBlobs.includes(f.oid)) report.staleBlobs.push(f.oid);
            report.problems.push({ code: 'ERR_INTEGRITY', file: `${path}/${f.name}`, message: `ciphertext of ${path}/${f.name} is still in the history (commit ${commit.slice(0, 12)}) although ${gone}` });
          }
        }
      } else await walkKeys(e.oid, path, commit);
    }
  };
  while (stack.length > 0) {
    const oid = stack.pop()!;
    if (seenCommits.has(oid)) continue;
    seenCommits.add(oid);
    report.commits++;
    let commit;
    try {
      commit = parseCommit((await readChecked(oid)).content);
    } catch (e) {
      report.problems.push(asProblem(e, oid));
      continue;
    }
    stack.push(...commit.parents);
    try {
      const storeRoot = location.prefix === '' ? commit.tree : await entryAt(commit.tree, location.prefix);
      if (!storeRoot) continue;
      for (const md of mountDirs) {
        const t = await entryAt(storeRoot, md);
        if (t) await walkKeys(t, md, oid);
      }
    } catch (e) {
      report.problems.push(asProblem(e, oid));
    }
  }
}

/**
 * Along the first-parent history, a key's current_version never goes down except where a commit
 * deletes the key: a decrease is a rolled-back metadata file (ERR_METADATA_ROLLBACK).
 */
async function verifyNoRollback(view: StoreView, objects: ObjectStore, location: StorageLocation, report: VerifyReport): Promise<void> {
  const storeTree = async (commitTree: string): Promise<string | undefined> => {
    let cur: string | undefined = commitTree;
    for (const part of location.prefix.split('/').filter((p) => p !== '')) {
      const e: TreeEntry | undefined = (await objects.readTree(cur!)).find((x) => x.name === part && x.mode === TREE_MODE);
      cur = e?.oid;
      if (!cur) return undefined;
    }
    return cur;
  };
  const versionOf = new Map<string, number | undefined>();
  const currentVersion = async (oid: string): Promise<number | undefined> => {
    if (!versionOf.has(oid)) {
      try {
        const j = JSON.parse(Buffer.from((await objects.read(oid)).content).toString('utf8'));
        versionOf.set(oid, typeof j.current_version === 'number' ? j.current_version : undefined);
      } catch {
        versionOf.set(oid, undefined);
      }
    }
    return versionOf.get(oid);
  };
  // Changed metadata files between two store trees: path → [old oid, new oid].
  const diff = async (a: string | undefined, b: string | undefined, dir: string, out: Array<[string, string | undefined, string | undefined]>) => {
    if (a === b) return;
    const ea = a ? await objects.readTree(a) : [];
    const eb = b ? await objects.readTree(b) : [];
    for (const name of new Set([...ea.map((e) => e.name), ...eb.map((e) => e.name)])) {
      const x = ea.find((e) => e.name === name);
      const y = eb.find((e) => e.name === name);
      if (x?.oid === y?.oid) continue;
      const path = dir === '' ? name : `${dir}/${name}`;
      if (name === METADATA_FILE) out.push([path, x?.oid, y?.oid]);
      else if (x?.mode === TREE_MODE || y?.mode === TREE_MODE) {
        await diff(x?.mode === TREE_MODE ? x.oid : undefined, y?.mode === TREE_MODE ? y.oid : undefined, path, out);
      }
    }
  };
  let oid = view.snap.commit;
  while (oid) {
    const c = parseCommit((await objects.read(oid)).content);
    const parent = c.parents[0];
    if (!parent) break;
    const p = parseCommit((await objects.read(parent)).content);
    const changes: Array<[string, string | undefined, string | undefined]> = [];
    await diff(await storeTree(p.tree), await storeTree(c.tree), '', changes);
    for (const [path, before, after] of changes) {
      if (!before || !after) continue;
      const [vb, va] = [await currentVersion(before), await currentVersion(after)];
      if (vb !== undefined && va !== undefined && va < vb) {
        report.problems.push({ code: 'ERR_METADATA_ROLLBACK', file: path, message: `${path} went back from version ${vb} to ${va} in commit ${oid.slice(0, 12)}: the metadata was rolled back` });
      }
    }
    oid = parent;
  }
}
