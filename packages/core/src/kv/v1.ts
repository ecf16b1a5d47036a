/** KV version 1 mounts: one unversioned value per key (the seed's "Upgrading from Version 1"). */
import { notFound, invalidRequest } from '../errors';
import { isPlainObject } from '../bytes/json';
import { type Child, type Mount, type SecretData, newKeyMetadata, validateKey, type KeyMetadata } from './model';

export interface V1Reader {
  readonly now: number;
  v1Data(mount: Mount, key: string): Promise<SecretData | undefined>;
  children(mount: Mount, folder: string): Promise<Child[]>;
}

export interface V1Writer extends V1Reader {
  putV1Data(mount: Mount, key: string, data: SecretData): void;
  removeKey(mount: Mount, key: string): void;
  describe(op: { op: string; mount: string; path?: string }): void;
}

export async function v1Read(r: V1Reader, mount: Mount, rawKey: string): Promise<SecretData> {
  const key = validateKey(rawKey);
  const data = await r.v1Data(mount, key);
  if (data === undefined) throw notFound({ mount: mount.path, path: key });
  return data;
}

export async function v1Write(w: V1Writer, mount: Mount, rawKey: string, data: unknown): Promise<void> {
  const key = validateKey(rawKey);
  if (!isPlainObject(data)) throw invalidRequest('no data provided');
  w.putV1Data(mount, key, data);
  w.describe({ op: 'v1-put', mount: mount.path, path: key });
}

export async function v1Delete(w: V1Writer, mount: Mount, rawKey: string): Promise<void> {
  const key = validateKey(rawKey);
  if ((await w.v1Data(mount, key)) === undefined) return;
  w.removeKey(mount, key);
  w.describe({ op: 'v1-delete', mount: mount.path, path: key });
}

/** The upgrade makes each v1 value version 1 of its key, created now (as Vault's upgrade does). */
export function upgradedMetadata(key: string, now: number): KeyMetadata {
  const meta = newKeyMetadata(key, now);
  meta.currentVersion = 1;
  meta.versions.set(1, { created: now, deletion: null, destroyed: false });
  return meta;
}
