/**
 * A version blob's plaintext, before age encryption (docs/FORMAT.md §Version blobs). It names its
 * mount (by uuid), key and version; the reader checks them, so a blob copied to another key or
 * version is refused.
 */
import { KvgitError } from '../errors';
import { isPlainObject, utf8 } from '../bytes/json';
import type { SecretData } from '../kv/model';

export const BLOB_KIND = 'version/1';

export interface BlobPlace {
  mountUuid: string;
  mountPath: string;
  key: string;
  version: number; // 0 for a KV v1 value
}

export function encodeBlobPayload(place: BlobPlace, data: SecretData): Uint8Array {
  return utf8.encode(JSON.stringify({ kvgit: BLOB_KIND, mount: place.mountUuid, key: place.key, version: place.version, data }));
}

export function decodeBlobPayload(bytes: Uint8Array, place: BlobPlace, file: string): SecretData {
  const where = { mount: place.mountPath, path: place.key, version: place.version, file };
  let payload: unknown;
  try {
    payload = JSON.parse(utf8.decode(bytes));
  } catch {
    throw new KvgitError('ERR_CORRUPT', `${file}: decrypted payload is not JSON`, where);
  }
  if (!isPlainObject(payload) || payload.kvgit !== BLOB_KIND || !isPlainObject(payload.data)) {
    throw new KvgitError('ERR_CORRUPT', `${file}: decrypted payload is not a kvgit ${BLOB_KIND} record`, where);
  }
  if (payload.mount !== place.mountUuid || payload.key !== place.key || payload.version !== place.version) {
    throw new KvgitError('ERR_BLOB_MISPLACED', `${file} holds a blob of another key or version than ${place.mountPath}${place.key} version ${place.version}`, where);
  }
  return payload.data;
}
