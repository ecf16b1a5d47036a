/**
 * The engine's reader and writer over one snapshot of the store: decrypts and authenticates on
 * the way in, encrypts and MACs on the way out. A writer buffers edits; `edits()` turns them into
 * the file changes of one commit.
 */
import { KvgitError } from '../errors';
import { sealToRecipients } from '../crypto/age';
import { decodeBlobPayload, encodeBlobPayload, type BlobPlace } from '../format/blob';
import { decodeMetadata, encodeMetadata } from '../format/metadata';
import { encodeMounts } from '../format/mounts';
import { KEY_DIR_SUFFIX, MOUNTS_FILE, classifyEntry, folderDir, keyDir, metadataFile, mountDir, v1DataFile, versionFile } from '../format/paths';
import type { StoreKey } from '../keys/keyring';
import type { Child, KeyMetadata, KvWriter, Mount, Operation, SecretData } from '../kv/model';
import type { V1Writer } from '../kv/v1';
import type { Edit, Snapshot } from '../storage/git';
import { TREE_MODE } from '../storage/objects';

export class StoreView {
  constructor(
    readonly snap: Snapshot,
    readonly key: StoreKey,
    readonly mounts: Map<string, Mount>,
    readonly now: number,
  ) {}

  /** Set while rotating: version/1 blobs (no MAC) are read, to be sealed again with one. */
  acceptUnauthenticatedBlobs = false;

  async metadata(mount: Mount, key: string): Promise<KeyMetadata | undefined> {
    const file = metadataFile(mount.path, key);
    const bytes = await this.snap.readFile(file);
    if (!bytes) return undefined;
    const meta = decodeMetadata(bytes, mount.uuid, key, this.key.macKey, file);
    // An older (validly MACed) metadata file put back over newer versions: their blobs betray it.
    for (const e of (await this.snap.listDir(keyDir(mount.path, key))) ?? []) {
      const n = /^(\d+)\.age$/.exec(e.name);
      if (n && Number(n[1]) > meta.currentVersion) {
        throw new KvgitError('ERR_METADATA_ROLLBACK', `${file} says the current version is ${meta.currentVersion}, but version ${n[1]} exists: the metadata was rolled back`, { file, mount: mount.path, path: key });
      }
    }
    return meta;
  }

  private async openBlob(file: string, place: BlobPlace): Promise<SecretData | undefined> {
    const bytes = await this.snap.readFile(file);
    if (!bytes) return undefined;
    const plain = await this.key.open(bytes);
    const where = { mount: place.mountPath, path: place.key, version: place.version, file };
    if (!plain) {
      throw new KvgitError('ERR_DECRYPT', `${file} (${place.mountPath}${place.key}${place.version ? ` version ${place.version}` : ''}) cannot be decrypted with the store key: the blob is damaged or was not written by a member`, where);
    }
    return decodeBlobPayload(plain, place, file, this.key.macKey, this.acceptUnauthenticatedBlobs);
  }

  versionData(mount: Mount, key: string, version: number): Promise<SecretData | undefined> {
    return this.openBlob(versionFile(mount.path, key, version), { mountUuid: mount.uuid, mountPath: mount.path, key, version });
  }

  hasVersionData(mount: Mount, key: string, version: number): Promise<boolean> {
    return this.snap.exists(versionFile(mount.path, key, version));
  }

  v1Data(mount: Mount, key: string): Promise<SecretData | undefined> {
    return this.openBlob(v1DataFile(mount.path, key), { mountUuid: mount.uuid, mountPath: mount.path, key, version: 0 });
  }

  async children(mount: Mount, folder: string): Promise<Child[]> {
    const entries = await this.snap.listDir(folderDir(mount.path, folder));
    return (entries ?? []).filter((e) => e.mode === TREE_MODE).map((e) => classifyEntry(e.name));
  }

  /** Every key of a mount (recursive), for upgrade, verify and rotation. */
  async allKeys(mount: Mount): Promise<string[]> {
    const out: string[] = [];
    const walk = async (folder: string): Promise<void> => {
      for (const c of await this.children(mount, folder)) {
        if (c.folder) await walk(`${folder}${c.name}/`);
        else out.push(folder + c.name);
      }
    };
    await walk('');
    return out;
  }
}

/** What a change removes: version files and key folders (store paths), and their blobs now. */
export interface Removals {
  blobs: string[];
  files: string[];
  dirs: string[];
}

export class StoreWriter extends StoreView implements KvWriter, V1Writer {
  private readonly pending = new Map<string, Edit | Promise<Edit>>();
  readonly operations: Operation[] = [];
  /** The key new blobs and records are sealed with: the store key, or a new one while rotating. */
  sealKey: StoreKey = this.key;
  mountsChanged = false;

  get hasChanges(): boolean {
    return this.pending.size > 0 || this.mountsChanged;
  }

  private seal(file: string, place: BlobPlace, data: SecretData): void {
    this.pending.set(file, sealToRecipients([this.sealKey.recipient], encodeBlobPayload(place, data, this.sealKey.macKey)).then((content) => ({ path: file, content })));
  }

  putMetadata(mount: Mount, meta: KeyMetadata): void {
    const file = metadataFile(mount.path, meta.key);
    this.pending.set(file, { path: file, content: encodeMetadata(meta, mount.uuid, this.sealKey.macKey) });
  }

  putVersionData(mount: Mount, key: string, version: number, data: SecretData): void {
    this.seal(versionFile(mount.path, key, version), { mountUuid: mount.uuid, mountPath: mount.path, key, version }, data);
  }

  putV1Data(mount: Mount, key: string, data: SecretData): void {
    this.seal(v1DataFile(mount.path, key), { mountUuid: mount.uuid, mountPath: mount.path, key, version: 0 }, data);
  }

  removeVersionData(mount: Mount, key: string, version: number): void {
    const file = versionFile(mount.path, key, version);
    this.pending.set(file, { path: file, remove: true });
  }

  removeKey(mount: Mount, key: string): void {
    const dir = keyDir(mount.path, key);
    for (const p of this.pending.keys()) if (p.startsWith(`${dir}/`)) this.pending.delete(p);
    this.pending.set(dir, { path: dir, tree: undefined });
  }

  putMount(mount: Mount): void {
    this.mounts.set(mount.path, mount);
    this.mountsChanged = true;
  }

  removeMount(mount: Mount): void {
    this.mounts.delete(mount.path);
    this.pending.set(mountDir(mount.path), { path: mountDir(mount.path), tree: undefined });
    this.mountsChanged = true;
  }

  /** Moves a mount's folder by pointing the new path at the same tree: no blob is rewritten. */
  async moveMount(from: Mount, to: Mount): Promise<void> {
    const tree = await this.snap.entry(mountDir(from.path));
    this.mounts.delete(from.path);
    this.mounts.set(to.path, to);
    this.pending.set(mountDir(from.path), { path: mountDir(from.path), tree: undefined });
    if (tree) this.pending.set(mountDir(to.path), { path: mountDir(to.path), tree: tree.oid });
    this.mountsChanged = true;
  }

  putFile(path: string, content: Uint8Array): void {
    this.pending.set(path, { path, content });
  }

  removeFile(path: string): void {
    this.pending.set(path, { path, remove: true });
  }

  describe(op: Operation): void {
    this.operations.push(op);
  }

  /** The version files and whole key folders this change removes, and the blobs they hold now. */
  async removals(): Promise<Removals> {
    const out: Removals = { blobs: [], files: [], dirs: [] };
    for (const e of this.pending.values()) {
      if (e instanceof Promise) continue;
      if ('remove' in e && e.path.endsWith('.age')) {
        out.files.push(e.path);
        const entry = await this.snap.entry(e.path);
        if (entry) out.blobs.push(entry.oid);
      } else if ('tree' in e && e.tree === undefined && e.path.endsWith(KEY_DIR_SUFFIX)) {
        out.dirs.push(e.path);
        for (const f of (await this.snap.listDir(e.path)) ?? []) if (f.name.endsWith('.age') && f.mode !== TREE_MODE) out.blobs.push(f.oid);
      }
    }
    return out;
  }

  async edits(): Promise<Edit[]> {
    const out = await Promise.all(this.pending.values());
    if (this.mountsChanged) out.push({ path: MOUNTS_FILE, content: encodeMounts(this.mounts, this.sealKey.macKey) });
    return out;
  }
}
