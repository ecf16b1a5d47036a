/** A key's metadata file (docs/FORMAT.md §Metadata). */
import { KvgitError } from '../errors';
import { isPlainObject } from '../bytes/json';
import type { KeyMetadata, VersionMeta } from '../kv/model';
import { formatTime, parseTime } from '../time';
import { decodeRecord, encodeRecord, field, isBool, isObject, isString, isUint } from './records';

export const METADATA_KIND = 'metadata/1';

function context(mountUuid: string, key: string): string {
  return `metadata ${mountUuid} ${key}`;
}

export function encodeMetadata(meta: KeyMetadata, mountUuid: string, macKey: Uint8Array): Uint8Array {
  const versions: Record<string, unknown> = {};
  for (const n of [...meta.versions.keys()].sort((a, b) => a - b)) {
    const v = meta.versions.get(n)!;
    versions[String(n)] = { created_time: formatTime(v.created), deletion_time: formatTime(v.deletion), destroyed: v.destroyed };
  }
  return encodeRecord(METADATA_KIND, {
    mount: mountUuid,
    key: meta.key,
    current_version: meta.currentVersion,
    oldest_version: meta.oldestVersion,
    created_time: formatTime(meta.created),
    updated_time: formatTime(meta.updated),
    max_versions: meta.maxVersions,
    cas_required: meta.casRequired,
    delete_version_after: meta.deleteVersionAfter,
    custom_metadata: meta.customMetadata,
    versions,
  }, macKey, context(mountUuid, meta.key));
}

export function decodeMetadata(bytes: Uint8Array, mountUuid: string, key: string, macKey: Uint8Array, file: string): KeyMetadata {
  const r = decodeRecord(bytes, METADATA_KIND, macKey, context(mountUuid, key), file, 'ERR_METADATA_TAMPERED');
  if (r.mount !== mountUuid || r.key !== key) {
    throw new KvgitError('ERR_METADATA_TAMPERED', `${file} belongs to another key or mount`, { file });
  }
  const time = (v: string) => {
    try {
      return parseTime(v);
    } catch {
      throw new KvgitError('ERR_CORRUPT', `${file}: invalid timestamp`, { file });
    }
  };
  const versions = new Map<number, VersionMeta>();
  for (const [n, raw] of Object.entries(field(r, 'versions', isObject, file))) {
    if (!/^[1-9]\d*$/.test(n) || !isPlainObject(raw)) throw new KvgitError('ERR_CORRUPT', `${file}: invalid version entry ${n}`, { file });
    const created = time(field(raw, 'created_time', isString, file));
    if (created === null) throw new KvgitError('ERR_CORRUPT', `${file}: version ${n} has no created_time`, { file });
    versions.set(Number(n), {
      created,
      deletion: time(field(raw, 'deletion_time', isString, file)),
      destroyed: field(raw, 'destroyed', isBool, file),
    });
  }
  const custom = r.custom_metadata;
  if (custom !== null && !(isPlainObject(custom) && Object.values(custom).every(isString))) {
    throw new KvgitError('ERR_CORRUPT', `${file}: custom_metadata must be null or a map of strings`, { file });
  }
  return {
    key,
    versions,
    currentVersion: field(r, 'current_version', isUint, file),
    oldestVersion: field(r, 'oldest_version', isUint, file),
    created: time(field(r, 'created_time', isString, file)) ?? 0,
    updated: time(field(r, 'updated_time', isString, file)) ?? 0,
    maxVersions: field(r, 'max_versions', isUint, file),
    casRequired: field(r, 'cas_required', isBool, file),
    deleteVersionAfter: field(r, 'delete_version_after', isUint, file),
    customMetadata: custom as Record<string, string> | null,
  };
}
