/**
 * Request parameters decoded the way Vault's framework does (mapstructure WeakDecode and the
 * field types in sdk/framework): front ends hand raw JSON-ish values here, so the HTTP server
 * and the CLI accept and refuse exactly the same inputs (reference §2.3).
 */
import { invalidRequest } from '../errors';
import { isPlainObject } from '../bytes/json';
import { parseDurationSeconds } from '../time';

export type Params = Record<string, unknown>;

function fieldError(field: string, detail: string): Error {
  return invalidRequest(`Field validation failed: error converting input for field "${field}": ${detail}`);
}

export function has(params: Params, field: string): boolean {
  return Object.prototype.hasOwnProperty.call(params, field) && params[field] !== undefined;
}

export function decodeInt(params: Params, field: string): number | undefined {
  if (!has(params, field)) return undefined;
  const v = params[field];
  if (v === null) return 0;
  if (typeof v === 'number') {
    // Vault reads JSON numbers as json.Number, which ParseInt refuses unless it is an integer.
    if (!Number.isInteger(v)) throw fieldError(field, `error decoding json.Number into ${field}: strconv.ParseInt: parsing "${v}": invalid syntax`);
    return v;
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const s = v.trim();
    if (s === '') return 0;
    if (/^[-+]?\d+$/.test(s)) return Number(s);
    throw fieldError(field, `cannot parse '' as int: strconv.ParseInt: parsing "${v}": invalid syntax`);
  }
  throw fieldError(field, `'' expected type 'int', got unconvertible type '${typeName(v)}'`);
}

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False', '']);

export function decodeBool(params: Params, field: string): boolean | undefined {
  if (!has(params, field)) return undefined;
  const v = params[field];
  if (v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') {
    if (TRUE.has(v)) return true;
    if (FALSE.has(v)) return false;
    throw fieldError(field, `cannot parse '' as bool: strconv.ParseBool: parsing "${v}": invalid syntax`);
  }
  throw fieldError(field, `'' expected type 'bool', got unconvertible type '${typeName(v)}'`);
}

/** TypeDurationSecond / TypeSignedDurationSecond; null means "not provided". */
export function decodeDuration(params: Params, field: string, signed: boolean): number | undefined {
  if (!has(params, field) || params[field] === null) return undefined;
  let seconds: number;
  try {
    seconds = parseDurationSeconds(params[field]);
  } catch (e) {
    throw fieldError(field, (e as Error).message);
  }
  if (!signed && seconds < 0) throw fieldError(field, `cannot provide negative value '${seconds}'`);
  return seconds;
}

export function decodeMap(params: Params, field: string): Record<string, unknown> | undefined {
  if (!has(params, field) || params[field] === null) return undefined;
  const v = params[field];
  if (!isPlainObject(v)) throw fieldError(field, `'' expected a map, got '${typeName(v)}'`);
  return v;
}

/** TypeCommaIntSlice: `[1,2]`, `1`, `"1,2"` or `["1","2"]`. */
export function decodeVersions(params: Params, field = 'versions'): number[] {
  if (!has(params, field) || params[field] === null) return [];
  const raw = params[field];
  const items: unknown[] = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : [raw];
  const out: number[] = [];
  for (const item of items) {
    const s = typeof item === 'string' ? item.trim() : item;
    if (s === '') continue;
    if (typeof s === 'number' && Number.isInteger(s)) out.push(s);
    else if (typeof s === 'string' && /^[-+]?\d+$/.test(s)) out.push(Number(s));
    else if (typeof s === 'string' || typeof s === 'number') throw fieldError(field, `cannot parse '${s}' as int`);
    else throw fieldError(field, `'[${out.length}]' expected type 'int', got unconvertible type '${typeName(s)}'`);
  }
  return out;
}

function typeName(v: unknown): string {
  if (v === null) return 'nil';
  if (Array.isArray(v)) return '[]interface {}';
  if (typeof v === 'object') return 'map[string]interface {}';
  if (typeof v === 'number') return 'float64';
  return typeof v;
}
