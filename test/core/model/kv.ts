/**
 * A small in-memory model of one KV v2 mount, written from ../shared/reference/kv-v2-semantics.md
 * (and the seed rule for max_versions), not from the engine. Operations take the same raw request
 * parameters as the engine and either return Vault's response data or throw a ModelError with the
 * code, HTTP status, the exact message where the reference states it, and the 404 body's data.
 *
 * It covers the inputs the property test generates; decoding is only as general as those need.
 */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = Record<string, Json>;

export class ModelError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    /** The exact message, when the reference gives it. */
    readonly exact?: string,
    /** Else a prefix the message must start with, if any. */
    readonly prefix?: string,
    readonly data?: unknown,
  ) {
    super(exact ?? prefix ?? code);
  }
}

const invalid = (exact?: string, prefix?: string) => new ModelError('ERR_INVALID_REQUEST', 400, exact, prefix);
const notFound = (data?: unknown) => new ModelError('ERR_NOT_FOUND', 404, undefined, undefined, data);
const fieldError = (field: string) => invalid(undefined, `Field validation failed: error converting input for field "${field}": `);

interface Version {
  created: number;
  deletion: number | null;
  destroyed: boolean;
  data: Obj | null; // null once destroyed
}

interface Key {
  versions: Map<number, Version>;
  current: number;
  oldest: number;
  created: number;
  updated: number;
  maxVersions: number;
  casRequired: boolean;
  dva: number; // seconds
  custom: Record<string, string> | null;
}

// ---- value formats (§2.3)

export function rfc3339(ms: number | null): string {
  if (ms === null) return '';
  const iso = new Date(ms).toISOString();
  const [whole, frac] = iso.slice(0, -1).split('.') as [string, string];
  const f = frac.replace(/0+$/, '');
  return f === '' ? `${whole}Z` : `${whole}.${f}Z`;
}

export function goDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  if (seconds < 0) return `-${goDuration(-seconds)}`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

const has = (o: Record<string, unknown>, k: string) => Object.prototype.hasOwnProperty.call(o, k) && o[k] !== undefined;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function int(v: unknown, field: string): number {
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  throw fieldError(field);
}

function bool(v: unknown, field: string): boolean {
  if (v === null) return false;
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw fieldError(field);
}

/** Seconds: a number or integer string, or N followed by s/m/h (the forms the generator makes). */
function duration(v: unknown, field: string): number {
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'string') {
    if (/^-?\d+$/.test(v)) return Number(v);
    const m = /^(-?\d+)([smh])$/.exec(v);
    if (m) return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'];
  }
  throw fieldError(field);
}

/** Collects independent validation errors; Vault's framework reports one of them (map order). */
class Errors {
  list: ModelError[] = [];
  try<T>(f: () => T): T | undefined {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof ModelError)) throw e;
      this.list.push(e);
      return undefined;
    }
  }
  throwIfAny(): void {
    if (this.list.length === 1) throw this.list[0]!;
    if (this.list.length > 1) throw invalid(); // which one is reported is not specified
  }
}

// ---- custom_metadata (§4.12 step 3, §10.5)

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]*$/u;

function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (PRINTABLE.test(ch)) out += ch;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += `\\u${c.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

function multierror(errs: string[]): string {
  if (errs.length === 1) return `1 error occurred:\n\t* ${errs[0]}\n\n`;
  return `${errs.length} errors occurred:\n\t${errs.map((e) => `* ${e}`).join('\n\t')}\n\n`;
}

function customMetadata(raw: unknown, patch: boolean): Record<string, string | null> {
  if (!isObj(raw)) throw fieldError('custom_metadata');
  const P = 'custom_metadata validation failed';
  const entries = Object.entries(raw);
  const parsed: Record<string, string | null> = {};
  for (const [k, v] of entries) {
    if (patch && v === null) parsed[k] = null;
    else if (typeof v === 'string') parsed[k] = v;
    else if (typeof v === 'number') parsed[k] = String(v);
    else if (typeof v === 'boolean') parsed[k] = v ? '1' : '0';
    else if (v === null) parsed[k] = '';
    else throw invalid(undefined, `${P}: `);
  }
  const values = Object.values(parsed).filter((v) => v !== null).length; // a patch's removals do not count
  if (values > 64) throw invalid(multierror([`${P}: payload must contain at most 64 keys, provided ${values}`]));
  const errs: string[] = [];
  for (const [k, v] of Object.entries(parsed)) {
    if (v === null) continue;
    const kl = Buffer.byteLength(k);
    const vl = Buffer.byteLength(v);
    if (kl === 0 || kl > 128) errs.push(`${P}: length of key ${quote(k)} is ${kl} but must be 0 < len(key) <= 128`);
    if (vl === 0 || vl > 512) errs.push(`${P}: length of value for key ${quote(k)} is ${vl} but must be 0 < len(value) <= 512`);
    if (!PRINTABLE.test(k)) errs.push(`${P}: key ${quote(k)} (${k}) contains unprintable characters`);
    if (!PRINTABLE.test(v)) errs.push(`${P}: value for key ${quote(k)} contains unprintable characters`);
  }
  if (errs.length > 0) throw invalid(multierror(errs));
  return parsed;
}

// ---- keys (§3, §10.1)

function validKey(key: string): void {
  if (key === '') throw invalid('missing path');
  const segs = key.split('/');
  if (segs.some((s) => s === '.' || s === '..')) throw invalid('relative paths not supported');
  if (key.endsWith('/') || segs.some((s) => s === '')) throw invalid();
}

/** RFC 7396. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObj(patch)) return patch;
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k] ?? null, v);
  }
  return out;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

export class KvModel {
  config = { maxVersions: 0, casRequired: false, dva: 0 };
  keys = new Map<string, Key>();

  constructor(public now: number) {}

  private deleted(v: Version): boolean {
    // §1 rule 1, on a millisecond clock: a delete at t is in effect for a read at t (docs/KV.md).
    return v.deletion !== null && v.deletion <= this.now;
  }

  private effectiveDva(k: Key): number {
    if (this.config.dva < 0) return 0;
    const a = this.config.dva;
    const b = k.dva;
    if (a === 0) return b;
    if (b === 0) return a;
    return Math.min(a, b);
  }

  private versionMeta(k: Key, n: number) {
    const v = k.versions.get(n)!;
    return { created_time: rfc3339(v.created), custom_metadata: k.custom === null ? null : { ...k.custom }, deletion_time: rfc3339(v.deletion), destroyed: v.destroyed, version: n };
  }

  private newKey(): Key {
    return { versions: new Map(), current: 0, oldest: 0, created: this.now, updated: this.now, maxVersions: 0, casRequired: false, dva: 0, custom: null };
  }

  private requireData(body: Record<string, unknown>): Obj {
    if (!has(body, 'data') || body.data === null) throw invalid('no data provided');
    if (!isObj(body.data)) throw fieldError('data');
    return body.data;
  }

  private cas(k: Key, body: Record<string, unknown>): void {
    const options = isObj(body.options) ? body.options : undefined;
    if (options && has(options, 'cas')) {
      const raw = options.cas;
      let cas: number;
      if (raw === null || raw === '') cas = 0; // WeakDecode: nil leaves 0, "" reads as "0"
      else if (typeof raw === 'number') cas = Math.trunc(raw);
      else if (typeof raw === 'string' && /^-?\d+$/.test(raw)) cas = Number(raw);
      else throw invalid('error parsing check-and-set parameter');
      if (cas !== k.current) throw new ModelError('ERR_CAS_MISMATCH', 400, 'check-and-set parameter did not match the current version');
      return;
    }
    if (this.config.casRequired || k.casRequired) throw new ModelError('ERR_CAS_REQUIRED', 400, 'check-and-set parameter required for this call');
  }

  /** AddVersion and the window (§4.4 step 6, §5 with the seed's max_versions rule). */
  private addVersion(key: string, k: Key, data: Obj) {
    const n = k.current + 1;
    const dva = this.effectiveDva(k);
    k.versions.set(n, { created: this.now, deletion: dva > 0 ? this.now + dva * 1000 : null, destroyed: false, data: clone(data) });
    k.current = n;
    k.updated = this.now;
    const max = k.maxVersions > 0 ? k.maxVersions : this.config.maxVersions > 0 ? this.config.maxVersions : 10;
    if (k.current - k.oldest >= max) {
      const last = k.current - max;
      for (let v = k.oldest; v <= last; v++) k.versions.delete(v);
      k.oldest = last + 1;
    }
    this.keys.set(key, k);
    return this.versionMeta(k, n);
  }

  write(key: string, body: Record<string, unknown>) {
    validKey(key);
    const data = this.requireData(body);
    const k = this.keys.get(key) ?? this.newKey();
    this.cas(k, body);
    return this.addVersion(key, k, data);
  }

  patch(key: string, body: Record<string, unknown>) {
    validKey(key);
    const patch = this.requireData(body);
    const k = this.keys.get(key);
    if (!k) throw notFound();
    this.cas(k, body);
    const cur = k.versions.get(k.current);
    if (!cur) throw notFound();
    if (this.deleted(cur) || cur.destroyed) throw notFound(this.versionMeta(k, k.current));
    return this.addVersion(key, k, mergePatch(cur.data!, patch) as Obj);
  }

  private select(key: string, params: Record<string, unknown>, empty: 'data' | 'subkeys') {
    const k = this.keys.get(key);
    if (!k) throw notFound();
    let n = has(params, 'version') ? int(params.version, 'version') : 0;
    if (n <= 0) n = k.current;
    const v = k.versions.get(n);
    if (!v) throw notFound();
    const metadata = this.versionMeta(k, n);
    if (this.deleted(v) || v.destroyed) throw notFound({ [empty]: null, metadata });
    return { v, metadata };
  }

  read(key: string, params: Record<string, unknown>) {
    validKey(key);
    if (has(params, 'version')) int(params.version, 'version');
    const { v, metadata } = this.select(key, params, 'data');
    return { data: clone(v.data!), metadata };
  }

  subkeys(key: string, params: Record<string, unknown>) {
    validKey(key);
    const depth = has(params, 'depth') ? int(params.depth, 'depth') : 0;
    if (has(params, 'version')) int(params.version, 'version');
    const { v, metadata } = this.select(key, params, 'subkeys');
    const strip = (o: Obj, level: number): Obj => {
      const out: Obj = {};
      for (const [name, val] of Object.entries(o)) {
        out[name] = isObj(val) && Object.keys(val).length > 0 && (depth === 0 || level + 1 <= depth) ? strip(val, level + 1) : null;
      }
      return out;
    };
    return { metadata, subkeys: strip(v.data!, 1) };
  }

  deleteLatest(key: string): void {
    validKey(key);
    const k = this.keys.get(key);
    const v = k?.versions.get(k.current);
    if (!v || v.destroyed || this.deleted(v)) return;
    v.deletion = this.now;
  }

  private versionList(body: Record<string, unknown>, message: string): number[] {
    const raw = body.versions;
    let list: unknown[] = [];
    if (Array.isArray(raw)) list = raw;
    else if (typeof raw === 'string') list = raw.split(',').filter((x) => x !== '');
    else if (typeof raw === 'number') list = [raw];
    const out = list.map((x) => int(x, 'versions'));
    if (out.length === 0) throw invalid(message);
    return out;
  }

  deleteVersions(key: string, body: Record<string, unknown>): void {
    validKey(key);
    const versions = this.versionList(body, 'No version number provided');
    const k = this.keys.get(key);
    if (!k) return;
    for (const n of versions) {
      const v = k.versions.get(n);
      if (v && !v.destroyed && !this.deleted(v)) v.deletion = this.now;
    }
  }

  undelete(key: string, body: Record<string, unknown>): void {
    validKey(key);
    const versions = this.versionList(body, 'No version number provided');
    const k = this.keys.get(key);
    if (!k) return;
    const dva = this.effectiveDva(k);
    for (const n of versions) {
      const v = k.versions.get(n);
      if (v && !v.destroyed) v.deletion = dva > 0 ? this.now + dva * 1000 : null;
    }
  }

  destroy(key: string, body: Record<string, unknown>): void {
    validKey(key);
    const versions = this.versionList(body, 'no version number provided');
    const k = this.keys.get(key);
    if (!k) return;
    for (const n of versions) {
      const v = k.versions.get(n);
      if (v) {
        v.destroyed = true;
        v.data = null;
      }
    }
  }

  private metadataOf(k: Key) {
    const versions: Record<string, { created_time: string; deletion_time: string; destroyed: boolean }> = {};
    for (const n of [...k.versions.keys()].sort((a, b) => a - b)) {
      const v = k.versions.get(n)!;
      versions[String(n)] = { created_time: rfc3339(v.created), deletion_time: rfc3339(v.deletion), destroyed: v.destroyed };
    }
    return {
      cas_required: k.casRequired,
      created_time: rfc3339(k.created),
      current_version: k.current,
      custom_metadata: k.custom === null ? null : { ...k.custom },
      delete_version_after: goDuration(k.dva),
      max_versions: k.maxVersions,
      oldest_version: k.oldest,
      updated_time: rfc3339(k.updated),
      versions,
    };
  }

  readMetadata(key: string) {
    validKey(key);
    const k = this.keys.get(key);
    if (!k) throw notFound();
    return this.metadataOf(k);
  }

  /** The settings of a metadata write or patch, validated like Vault's field types (+ §10.2). */
  private settings(body: Record<string, unknown>, patch: boolean) {
    const errors = new Errors();
    const s: { maxVersions?: number; casRequired?: boolean; dva?: number } = {};
    if (has(body, 'max_versions')) {
      s.maxVersions = errors.try(() => {
        if (body.max_versions === null) return 0;
        const n = int(body.max_versions, 'max_versions');
        if (n < 0) throw invalid(); // kvgit refuses negatives (§10.2); its text is its own
        return n;
      });
    }
    if (has(body, 'cas_required')) s.casRequired = errors.try(() => bool(body.cas_required, 'cas_required'));
    if (has(body, 'delete_version_after') && body.delete_version_after !== null) {
      s.dva = errors.try(() => {
        const d = duration(body.delete_version_after, 'delete_version_after');
        if (d < 0) throw invalid(`Field validation failed: error converting input for field "delete_version_after": cannot provide negative value '${d}'`);
        return d;
      });
    }
    let custom: Record<string, string | null> | null | undefined;
    if (has(body, 'custom_metadata')) {
      if (body.custom_metadata === null) custom = patch ? null : {};
      else custom = errors.try(() => customMetadata(body.custom_metadata, patch));
    }
    // Field type errors come from the framework, before the handler validates custom_metadata.
    const typeErrors = errors.list.filter((e) => !e.exact?.includes('custom_metadata') && !e.prefix?.startsWith('custom_metadata'));
    if (typeErrors.length > 0) {
      errors.list = typeErrors;
      errors.throwIfAny();
    }
    errors.throwIfAny();
    return { s, custom };
  }

  private casWarning(s: { casRequired?: boolean }): string[] {
    return s.casRequired === false && this.config.casRequired
      ? ['"cas_required" set to false, but is mandated by backend config. This value will be ignored.']
      : [];
  }

  writeMetadata(key: string, body: Record<string, unknown>) {
    validKey(key);
    // A null int, bool or map is present (Vault's framework gives its zero value); a null duration is not.
    const present = (f: string) => has(body, f) && (f !== 'delete_version_after' || body[f] !== null);
    if (!['max_versions', 'cas_required', 'delete_version_after', 'custom_metadata'].some(present)) return { warnings: [] };
    const { s, custom } = this.settings(body, false);
    const k = this.keys.get(key) ?? this.newKey();
    if (s.maxVersions !== undefined) k.maxVersions = s.maxVersions;
    if (s.casRequired !== undefined) k.casRequired = s.casRequired;
    if (s.dva !== undefined) k.dva = s.dva;
    if (custom) k.custom = Object.keys(custom).length === 0 ? null : (custom as Record<string, string>);
    this.keys.set(key, k);
    return { warnings: this.casWarning(s) };
  }

  patchMetadata(key: string, body: Record<string, unknown>) {
    validKey(key);
    const { s, custom } = this.settings(body, true);
    const k = this.keys.get(key);
    if (!k) throw notFound();
    if (s.maxVersions !== undefined) k.maxVersions = s.maxVersions;
    if (s.casRequired !== undefined) k.casRequired = s.casRequired;
    if (s.dva !== undefined) k.dva = s.dva;
    if (custom === null) k.custom = null;
    else if (custom !== undefined) {
      const merged: Record<string, string> = { ...(k.custom ?? {}) };
      for (const [name, v] of Object.entries(custom)) {
        if (v === null) delete merged[name];
        else merged[name] = v;
      }
      k.custom = Object.keys(merged).length === 0 ? null : merged;
    }
    return { warnings: this.casWarning(s) };
  }

  deleteMetadata(key: string): void {
    validKey(key);
    this.keys.delete(key);
  }

  writeConfig(body: Record<string, unknown>): void {
    const errors = new Errors();
    const max = has(body, 'max_versions') ? errors.try(() => int(body.max_versions, 'max_versions')) : undefined;
    const cas = has(body, 'cas_required') ? errors.try(() => bool(body.cas_required, 'cas_required')) : undefined;
    const dva = has(body, 'delete_version_after') ? errors.try(() => duration(body.delete_version_after, 'delete_version_after')) : undefined;
    if (max !== undefined && max < 0) errors.list.push(invalid()); // §10.2, kvgit's own text
    errors.throwIfAny();
    if (max !== undefined) this.config.maxVersions = max;
    if (cas !== undefined) this.config.casRequired = cas;
    if (dva !== undefined) this.config.dva = dva < 0 ? -1 : dva;
  }

  readConfig() {
    return { cas_required: this.config.casRequired, delete_version_after: goDuration(this.config.dva), max_versions: this.config.maxVersions };
  }

  private folder(prefix: string): string {
    const p = prefix.replace(/^\/+/, '');
    return p === '' || p.endsWith('/') ? p : `${p}/`;
  }

  /** Direct children, folders with "/", sorted bytewise (§4.15). */
  private children(folder: string): string[] {
    const out = new Set<string>();
    for (const key of this.keys.keys()) {
      if (!key.startsWith(folder)) continue;
      const rest = key.slice(folder.length);
      const i = rest.indexOf('/');
      out.add(i < 0 ? rest : `${rest.slice(0, i + 1)}`);
    }
    return [...out].sort(byBytes);
  }

  list(prefix: string, params: Record<string, unknown>): string[] {
    let keys = this.children(this.folder(prefix));
    const after = typeof params.after === 'string' ? params.after : '';
    const limit = has(params, 'limit') ? int(params.limit, 'limit') : 0;
    if (after !== '') keys = keys.filter((k) => byBytes(k, after) > 0);
    if (limit > 0) keys = keys.slice(0, limit);
    if (keys.length === 0) throw notFound();
    return keys;
  }

  /** Leaf keys below the folder, relative to it, sorted (the order is unspecified: compare as a set). */
  scan(prefix: string): string[] {
    const folder = this.folder(prefix);
    return [...this.keys.keys()].filter((k) => k.startsWith(folder)).map((k) => k.slice(folder.length)).sort(byBytes);
  }

  detailed(prefix: string, params: Record<string, unknown>, scan: boolean) {
    const folder = this.folder(prefix);
    const keys = scan ? this.scan(prefix) : this.list(prefix, params);
    const info: Record<string, unknown> = {};
    for (const k of keys) info[k] = k.endsWith('/') ? {} : this.metadataOf(this.keys.get(folder + k)!);
    return keys.length > 0 ? { keys, key_info: info } : { keys };
  }

  /** Every readable (live) version, for the end-of-sequence check. */
  liveVersions(): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    for (const [key, k] of this.keys) {
      for (const [n, v] of k.versions) if (!v.destroyed && !this.deleted(v)) out.push([key, n]);
    }
    return out;
  }
}
