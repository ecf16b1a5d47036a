/**
 * A version blob's plaintext, before age encryption (docs/FORMAT.md §Version blobs). It names its
 * mount (by uuid), key and version, and carries a MAC keyed by the store key: anyone can seal a
 * file to the store's public recipient, so the MAC is what shows a member wrote it. The reader
 * checks both, so a blob forged by a non-member, or copied to another key or version, is refused.
 */
import { KvgitError } from '../errors';
import { isPlainObject, utf8 } from '../bytes/json';
import { macField, macFieldMatches } from './records';
import type { SecretData } from '../kv/model';

export const BLOB_KIND = 'version/2';
/**
 * Blobs written before blobs carried a MAC. Nothing shows who sealed one, so only `rotate`, which
 * re-seals every version as version/2, reads them (docs/FORMAT.md §3.6).
 */
export const UNAUTHENTICATED_BLOB_KIND = 'version/1';

export interface BlobPlace {
  mountUuid: string;
  mountPath: string;
  key: string;
  version: number; // 0 for a KV v1 value
}

const MAC_CONTEXT = 'blob';

export function encodeBlobPayload(place: BlobPlace, data: SecretData, macKey: Uint8Array): Uint8Array {
  const record = { kvgit: BLOB_KIND, mount: place.mountUuid, key: place.key, version: place.version, data };
  return utf8.encode(JSON.stringify({ ...record, mac: macField(record, macKey, MAC_CONTEXT) }));
}

/**
 * The secret in a decrypted blob, once its MAC and place are checked. `acceptUnauthenticated`
 * (rotation only) also takes a version/1 blob.
 */
export function decodeBlobPayload(bytes: Uint8Array, place: BlobPlace, file: string, macKey: Uint8Array, acceptUnauthenticated = false): SecretData {
  const where = { mount: place.mountPath, path: place.key, version: place.version, file };
  const what = `${place.mountPath}${place.key}${place.version ? ` version ${place.version}` : ''}`;
  let payload: unknown;
  try {
    payload = JSON.parse(utf8.decode(bytes));
  } catch {
    throw new KvgitError('ERR_CORRUPT', `${file}: decrypted payload is not JSON`, where);
  }
  if (!isPlainObject(payload) || !isPlainObject(payload.data) || (payload.kvgit !== BLOB_KIND && payload.kvgit !== UNAUTHENTICATED_BLOB_KIND)) {
    throw new KvgitError('ERR_CORRUPT', `${file}: decrypted payload is not a kvgit ${BLOB_KIND} record`, where);
  }
  if (payload.kvgit === UNAUTHENTICATED_BLOB_KIND) {
    if (!acceptUnauthenticated) {
      throw new KvgitError('ERR_INTEGRITY', `${file} (${what}) is a ${UNAUTHENTICATED_BLOB_KIND} blob, which carries no MAC: it was written by a kvgit from before blobs were authenticated, or by someone who is not a member`, { ...where, hint: 'if the store is that old, check its values and run `kvgit rotate`, which re-seals every version with a MAC' });
    }
  } else {
    if (!macFieldMatches(payload, macKey, MAC_CONTEXT)) {
      throw new KvgitError('ERR_INTEGRITY', `${file} (${what}) failed its integrity check: it was not sealed by a member of this store`, where);
    }
  }
  if (payload.mount !== place.mountUuid || payload.key !== place.key || payload.version !== place.version) {
    throw new KvgitError('ERR_BLOB_MISPLACED', `${file} holds a blob of another key or version than ${what}`, where);
  }
  return payload.data;
}

/** A decrypted blob's fields if it is a version/2 blob whose MAC checks out, else undefined. */
export function authenticBlobPayload(bytes: Uint8Array, macKey: Uint8Array): { mount: string; key: string; version: number; data: SecretData } | undefined {
  try {
    const p: unknown = JSON.parse(utf8.decode(bytes));
    if (!isPlainObject(p) || p.kvgit !== BLOB_KIND || typeof p.mount !== 'string' || typeof p.key !== 'string' || !Number.isInteger(p.version) || !isPlainObject(p.data)) return undefined;
    return macFieldMatches(p, macKey, MAC_CONTEXT) ? { mount: p.mount, key: p.key, version: p.version as number, data: p.data } : undefined;
  } catch {
    return undefined;
  }
}
