/** delete/, undelete/ and destroy/ endpoints (reference §4.7–4.9). */
import { invalidRequest } from '../errors';
import { type KvWriter, type Mount, effectiveDeleteVersionAfter, isDeleted, validateKey } from './model';
import { type Params, decodeVersions } from './params';

export async function deleteVersions(w: KvWriter, mount: Mount, rawKey: string, body: Params): Promise<void> {
  const key = validateKey(rawKey);
  const versions = decodeVersions(body);
  if (versions.length === 0) throw invalidRequest('No version number provided');
  const meta = await w.metadata(mount, key);
  if (!meta) return;
  const changed: number[] = [];
  for (const n of versions) {
    const v = meta.versions.get(n);
    if (!v || v.destroyed || isDeleted(v, w.now)) continue;
    v.deletion = w.now;
    changed.push(n);
  }
  if (changed.length === 0) return;
  w.putMetadata(mount, meta);
  w.describe({ op: 'delete-versions', mount: mount.path, path: key, versions: changed });
}

export async function undeleteVersions(w: KvWriter, mount: Mount, rawKey: string, body: Params): Promise<void> {
  const key = validateKey(rawKey);
  const versions = decodeVersions(body);
  if (versions.length === 0) throw invalidRequest('No version number provided');
  const meta = await w.metadata(mount, key);
  if (!meta) return;
  const dva = effectiveDeleteVersionAfter(meta, mount.config);
  const changed: number[] = [];
  for (const n of versions) {
    const v = meta.versions.get(n);
    if (!v || v.destroyed) continue;
    const deletion = dva > 0 ? w.now + dva * 1000 : null;
    if (v.deletion === deletion) continue;
    v.deletion = deletion;
    changed.push(n);
  }
  if (changed.length === 0) return;
  w.putMetadata(mount, meta);
  w.describe({ op: 'undelete', mount: mount.path, path: key, versions: changed });
}

export async function destroyVersions(w: KvWriter, mount: Mount, rawKey: string, body: Params): Promise<void> {
  const key = validateKey(rawKey);
  const versions = decodeVersions(body);
  if (versions.length === 0) throw invalidRequest('no version number provided');
  const meta = await w.metadata(mount, key);
  if (!meta) return;
  const marked: number[] = [];
  const removed: number[] = [];
  for (const n of [...new Set(versions)]) {
    const v = meta.versions.get(n);
    if (v && !v.destroyed) {
      v.destroyed = true;
      marked.push(n);
    }
    if (await w.hasVersionData(mount, key, n)) {
      w.removeVersionData(mount, key, n);
      removed.push(n);
    }
  }
  if (marked.length === 0 && removed.length === 0) return;
  w.putMetadata(mount, meta);
  w.describe({ op: 'destroy', mount: mount.path, path: key, versions: marked, removed });
}
