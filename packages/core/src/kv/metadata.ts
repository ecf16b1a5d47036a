/** metadata/ endpoints: read, write, patch, delete (reference §4.11–4.14). */
import { invalidRequest, notFound } from '../errors';
import { isPlainObject, setOwn } from '../bytes/json';
import { formatDuration, formatTime } from '../time';
import { type KeyMetadata, type KvReader, type KvWriter, type Mount, newKeyMetadata, validateKey } from './model';
import { type Params, decodeBool, decodeDuration, decodeInt, has } from './params';

export const CUSTOM_METADATA_MAX_KEYS = 64;
export const CUSTOM_METADATA_MAX_KEY_BYTES = 128;
export const CUSTOM_METADATA_MAX_VALUE_BYTES = 512;

const CAS_WARNING = '"cas_required" set to false, but is mandated by backend config. This value will be ignored.';

export interface MetadataWriteResult {
  warnings: string[];
}

export function metadataResponse(meta: KeyMetadata) {
  const versions: Record<string, { created_time: string; deletion_time: string; destroyed: boolean }> = {};
  for (const n of [...meta.versions.keys()].sort((a, b) => a - b)) {
    const v = meta.versions.get(n)!;
    versions[String(n)] = { created_time: formatTime(v.created), deletion_time: formatTime(v.deletion), destroyed: v.destroyed };
  }
  return {
    cas_required: meta.casRequired,
    created_time: formatTime(meta.created),
    current_version: meta.currentVersion,
    custom_metadata: meta.customMetadata,
    delete_version_after: formatDuration(meta.deleteVersionAfter),
    max_versions: meta.maxVersions,
    oldest_version: meta.oldestVersion,
    updated_time: formatTime(meta.updated),
    versions,
  };
}
export type MetadataResponse = ReturnType<typeof metadataResponse>;

export async function readMetadata(r: KvReader, mount: Mount, rawKey: string): Promise<MetadataResponse> {
  const key = validateKey(rawKey);
  const meta = await r.metadata(mount, key);
  if (!meta) throw notFound({ mount: mount.path, path: key });
  return metadataResponse(meta);
}

interface Settings {
  maxVersions?: number;
  casRequired?: boolean;
  deleteVersionAfter?: number;
}

function decodeSettings(body: Params): Settings {
  const maxVersions = decodeInt(body, 'max_versions');
  if (maxVersions !== undefined && maxVersions < 0) throw invalidRequest('max_versions cannot be negative');
  return {
    maxVersions,
    casRequired: decodeBool(body, 'cas_required'),
    deleteVersionAfter: decodeDuration(body, 'delete_version_after', false),
  };
}

function applySettings(meta: KeyMetadata, s: Settings): void {
  if (s.maxVersions !== undefined) meta.maxVersions = s.maxVersions;
  if (s.casRequired !== undefined) meta.casRequired = s.casRequired;
  if (s.deleteVersionAfter !== undefined) meta.deleteVersionAfter = s.deleteVersionAfter;
}

function casWarning(mount: Mount, s: Settings): string[] {
  return s.casRequired === false && mount.config.casRequired ? [CAS_WARNING] : [];
}

export async function writeMetadata(w: KvWriter, mount: Mount, rawKey: string, body: Params): Promise<MetadataWriteResult> {
  const key = validateKey(rawKey);
  // Vault's field types: a null int, bool or map is present (its zero value); a null duration is not.
  const present = (f: string) => has(body, f) && (f !== 'delete_version_after' || body[f] !== null);
  if (!['max_versions', 'cas_required', 'delete_version_after', 'custom_metadata'].some(present)) return { warnings: [] };
  const settings = decodeSettings(body);
  let custom: Record<string, string> | undefined;
  if (present('custom_metadata')) {
    custom = body.custom_metadata === null ? {} : validateCustomMetadata(body.custom_metadata, false);
  }
  const existing = await w.metadata(mount, key);
  const meta = existing ?? newKeyMetadata(key, w.now);
  applySettings(meta, settings);
  if (custom !== undefined) meta.customMetadata = Object.keys(custom).length === 0 ? null : custom;
  w.putMetadata(mount, meta);
  w.describe({ op: existing ? 'metadata-put' : 'metadata-create', mount: mount.path, path: key });
  return { warnings: casWarning(mount, settings) };
}

export async function patchMetadata(w: KvWriter, mount: Mount, rawKey: string, body: Params): Promise<MetadataWriteResult> {
  const key = validateKey(rawKey);
  // RFC 7396 on the settings: null unsets max_versions and cas_required; a null duration is "not provided".
  const settings = decodeSettings(body);
  if (has(body, 'max_versions') && body.max_versions === null) settings.maxVersions = 0;
  if (has(body, 'cas_required') && body.cas_required === null) settings.casRequired = false;
  let customPatch: Record<string, string | null> | null | undefined;
  if (has(body, 'custom_metadata')) {
    customPatch = body.custom_metadata === null ? null : validateCustomMetadata(body.custom_metadata, true);
  }
  const meta = await w.metadata(mount, key);
  if (!meta) throw notFound({ mount: mount.path, path: key });
  const before = JSON.stringify(metadataResponse(meta));
  applySettings(meta, settings);
  if (customPatch === null) meta.customMetadata = null;
  else if (customPatch !== undefined) {
    const merged: Record<string, string> = { ...(meta.customMetadata ?? {}) };
    for (const [k, v] of Object.entries(customPatch)) {
      if (v === null) delete merged[k];
      else setOwn(merged, k, v);
    }
    meta.customMetadata = Object.keys(merged).length === 0 ? null : merged;
  }
  if (JSON.stringify(metadataResponse(meta)) !== before) {
    w.putMetadata(mount, meta);
    w.describe({ op: 'metadata-patch', mount: mount.path, path: key });
  }
  return { warnings: casWarning(mount, settings) };
}

export async function deleteMetadata(w: KvWriter, mount: Mount, rawKey: string): Promise<void> {
  const key = validateKey(rawKey);
  const meta = await w.metadata(mount, key);
  if (!meta) return;
  const removed = [...meta.versions.keys()].sort((a, b) => a - b);
  w.removeKey(mount, key);
  w.describe({ op: 'metadata-delete', mount: mount.path, path: key, versions: removed, removed });
}

// Built on first use: a Unicode property class costs about a millisecond to build, paid by
// every command that loads this module (get included) if it were a module-level literal.
let printable: RegExp | undefined;
const isPrintable = (s: string) => (printable ??= new RegExp('^[\\p{L}\\p{M}\\p{N}\\p{P}\\p{S} ]*$', 'u')).test(s);

function weakString(key: string, v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (v === null) return '';
  throw invalidRequest(
    `custom_metadata validation failed: 1 error(s) decoding:\n\n* '[${key}]' expected type 'string', got unconvertible type '${Array.isArray(v) ? '[]interface {}' : 'map[string]interface {}'}'`,
  );
}

/**
 * validateCustomMetadata (reference §4.12 step 3): limits in UTF-8 bytes, Go's IsPrint, errors in
 * go-multierror's format. In a patch, null values mean "remove" and are not validated.
 */
export function validateCustomMetadata(raw: unknown, patch: true): Record<string, string | null>;
export function validateCustomMetadata(raw: unknown, patch: false): Record<string, string>;
export function validateCustomMetadata(raw: unknown, patch: boolean): Record<string, string | null> {
  if (!isPlainObject(raw)) {
    throw invalidRequest(`Field validation failed: error converting input for field "custom_metadata": '' expected a map, got '${typeof raw}'`);
  }
  // As Vault's parseCustomMetadata: decode every value first (a patch's nulls are removals, left
  // out), then count and validate what was decoded.
  const out: Record<string, string | null> = {};
  const decoded: Array<[string, string]> = [];
  for (const [k, rawValue] of Object.entries(raw)) {
    if (patch && rawValue === null) setOwn(out, k, null);
    else decoded.push([k, weakString(k, rawValue)]);
  }
  if (decoded.length > CUSTOM_METADATA_MAX_KEYS) {
    throw invalidRequest(multiError([`custom_metadata validation failed: payload must contain at most ${CUSTOM_METADATA_MAX_KEYS} keys, provided ${decoded.length}`]));
  }
  const errors: string[] = [];
  const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
  for (const [k, v] of decoded) {
    const kl = bytes(k);
    const vl = bytes(v);
    const q = goQuote(k);
    if (kl === 0 || kl > CUSTOM_METADATA_MAX_KEY_BYTES) {
      errors.push(`custom_metadata validation failed: length of key ${q} is ${kl} but must be 0 < len(key) <= ${CUSTOM_METADATA_MAX_KEY_BYTES}`);
    }
    if (vl === 0 || vl > CUSTOM_METADATA_MAX_VALUE_BYTES) {
      errors.push(`custom_metadata validation failed: length of value for key ${q} is ${vl} but must be 0 < len(value) <= ${CUSTOM_METADATA_MAX_VALUE_BYTES}`);
    }
    if (!isPrintable(k)) errors.push(`custom_metadata validation failed: key ${q} (${k}) contains unprintable characters`);
    if (!isPrintable(v)) errors.push(`custom_metadata validation failed: value for key ${q} contains unprintable characters`);
    setOwn(out, k, v);
  }
  if (errors.length > 0) throw invalidRequest(multiError(errors));
  return out;
}

/** Go's strconv.Quote (fmt's %q), which Vault uses for the key in every custom_metadata error. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const r = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (r >= 0xd800 && r <= 0xdfff) out += '\ufffd'; // Go's JSON decoder turns a lone surrogate into U+FFFD, which prints
    else if (isPrintable(ch)) out += ch;
    else if (GO_ESCAPES[ch]) out += GO_ESCAPES[ch];
    else if (r < 0x20 || r === 0x7f) out += `\\x${r.toString(16).padStart(2, '0')}`;
    else if (r < 0x10000) out += `\\u${r.toString(16).padStart(4, '0')}`;
    else out += `\\U${r.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

const GO_ESCAPES: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };

function multiError(errors: string[]): string {
  const head = errors.length === 1 ? '1 error occurred:' : `${errors.length} errors occurred:`;
  return `${head}\n${errors.map((e) => `\t* ${e}`).join('\n')}\n\n`;
}

