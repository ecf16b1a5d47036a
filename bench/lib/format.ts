/**
 * kvgit's storage format written from its specification (docs/FORMAT.md §2–§4), for the data
 * generator: records with their MAC, metadata of a key with n versions, version payloads, paths.
 * Kept independent of the core on purpose: a generated store that kvgit reads back is also a
 * check that the spec and the code agree. The bench verifies every generated store with kvgit
 * before timing anything.
 */
import { createHmac, hkdfSync } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** §3.1: HKDF-SHA-256 of the store identity string, info "kvgit/1 record-mac". */
export function macKey(storeIdentity: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(storeIdentity), Buffer.alloc(0), 'kvgit/1 record-mac', 32));
}

export function encodeRecord(kind: string, body: Record<string, unknown>, key: Buffer, context: string): Buffer {
  const record: Record<string, unknown> = { kvgit: kind, ...body };
  record.mac = `hmac-sha256:${createHmac('sha256', key).update(`${context}\n${canonicalJson(record)}`).digest('base64')}`;
  return Buffer.from(`${JSON.stringify(record, null, 2)}\n`);
}

/** RFC 3339 UTC, fractional zeros trimmed (§3.5). */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z').replace(/\.Z$/, 'Z');
}

/** §3.5: metadata of a key whose versions 1..n were written at times[0..n-1]. */
export function metadataRecord(key: Buffer, mountUuid: string, name: string, times: number[]): Buffer {
  const versions: Record<string, unknown> = {};
  times.forEach((t, i) => { versions[String(i + 1)] = { created_time: rfc3339(t), deletion_time: '', destroyed: false }; });
  return encodeRecord('metadata/1', {
    mount: mountUuid,
    key: name,
    current_version: times.length,
    oldest_version: 0,
    created_time: rfc3339(times[0]!),
    updated_time: rfc3339(times[times.length - 1]!),
    max_versions: 0,
    cas_required: false,
    delete_version_after: 0,
    custom_metadata: null,
    versions,
  }, key, `metadata ${mountUuid} ${name}`);
}

/** §3.6: the plaintext of a version blob, with its MAC (context "blob"). */
export function versionPayload(key: Buffer, mountUuid: string, name: string, version: number, data: Record<string, unknown>): Buffer {
  const record = { kvgit: 'version/2', mount: mountUuid, key: name, version, data };
  const mac = `hmac-sha256:${createHmac('sha256', key).update(`blob\n${canonicalJson(record)}`).digest('base64')}`;
  return Buffer.from(JSON.stringify({ ...record, mac }));
}

/** §2: a key's folder under the store root (bench key names need no escaping). */
export function keyDir(mount: string, name: string): string {
  return `mounts/${mount.replace(/\/$/, '')}/${name}.kv`;
}

/** §4: a put's commit message. */
export function putMessage(mount: string, name: string, version: number): string {
  return `kvgit: put ${mount}${name} v${version}\n\nKvgit-Operation: put\nKvgit-Mount: ${mount}\nKvgit-Path: ${name}\nKvgit-Versions: ${version}\n`;
}
