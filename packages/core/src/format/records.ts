/**
 * JSON records (metadata, mount table, keyring): readable, pretty-printed for small diffs, and
 * MACed with a key derived from the store key, so only members can write a valid one
 * (docs/FORMAT.md §Integrity). Parsing is strict: unknown record kinds and bad MACs are errors.
 */
import { type ErrorCode, KvgitError } from '../errors';
import { canonicalJson, equalBytes, isPlainObject, utf8 } from '../bytes/json';
import { mac } from '../crypto/age';

/** The `mac` field of a record (or a version blob's payload): HMAC-SHA-256 of its context and canonical JSON. */
export function macField(record: Record<string, unknown>, macKey: Uint8Array, context: string): string {
  return `hmac-sha256:${Buffer.from(mac(macKey, utf8.encode(`${context}\n${canonicalJson(record)}`))).toString('base64')}`;
}

/** Whether a parsed record's `mac` field is the one its other fields call for. */
export function macFieldMatches(record: Record<string, unknown>, macKey: Uint8Array, context: string): boolean {
  const { mac: stored, ...rest } = record;
  return typeof stored === 'string' && equalBytes(utf8.encode(stored), utf8.encode(macField(rest, macKey, context)));
}

export function encodeRecord(kind: string, body: Record<string, unknown>, macKey: Uint8Array | undefined, context: string): Uint8Array {
  const record: Record<string, unknown> = { kvgit: kind, ...body };
  if (macKey) record.mac = macField(record, macKey, context);
  return utf8.encode(`${JSON.stringify(record, null, 2)}\n`);
}

/** Parses and (when macKey is given) authenticates a record; `context` binds it to its place. */
export function decodeRecord(
  bytes: Uint8Array,
  kind: string,
  macKey: Uint8Array | undefined,
  context: string,
  file: string,
  tamperCode: ErrorCode = 'ERR_INTEGRITY',
): Record<string, unknown> {
  let record: unknown;
  try {
    record = JSON.parse(utf8.decode(bytes));
  } catch {
    throw new KvgitError('ERR_CORRUPT', `${file} is not valid JSON`, { file });
  }
  if (!isPlainObject(record)) throw new KvgitError('ERR_CORRUPT', `${file} is not a JSON object`, { file });
  const recordKind = record.kvgit;
  if (typeof recordKind !== 'string' || recordKind.split('/')[0] !== kind.split('/')[0]) {
    throw new KvgitError('ERR_CORRUPT', `${file} is not a kvgit ${kind.split('/')[0]} record`, { file });
  }
  if (recordKind !== kind) {
    throw new KvgitError('ERR_UNSUPPORTED_FORMAT', `${file} has format ${recordKind}; this kvgit reads ${kind}`, { file, hint: 'upgrade kvgit' });
  }
  if (macKey) {
    if (!macFieldMatches(record, macKey, context)) {
      throw new KvgitError(tamperCode, `${file} failed its integrity check (edited, moved or written without the store key)`, { file });
    }
  }
  return record;
}

export function field<T>(record: Record<string, unknown>, name: string, check: (v: unknown) => v is T, file: string): T {
  const v = record[name];
  if (!check(v)) throw new KvgitError('ERR_CORRUPT', `${file}: field "${name}" is missing or has the wrong type`, { file });
  return v;
}

export const isString = (v: unknown): v is string => typeof v === 'string';
export const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
export const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
export const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
export const isObject = (v: unknown): v is Record<string, unknown> => isPlainObject(v);
