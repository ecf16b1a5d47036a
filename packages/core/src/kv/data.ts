/** data/ endpoints: read, write, patch and delete-latest (reference §4.3–4.6). */
import { KvgitError, invalidRequest, notFound } from '../errors';
import { isPlainObject, ownValue, setOwn } from '../bytes/json';
import {
  type KeyMetadata, type KvReader, type KvWriter, type Mount, type SecretData, type VersionResponse,
  effectiveDeleteVersionAfter, effectiveMaxVersions, isDeleted, newKeyMetadata, validateKey, versionResponse,
} from './model';
import { type Params, decodeInt, decodeMap, has } from './params';

export interface ReadResult {
  data: SecretData;
  metadata: VersionResponse;
}

export async function readData(r: KvReader, mount: Mount, rawKey: string, params: Params = {}): Promise<ReadResult> {
  const key = validateKey(rawKey);
  // Vault's framework validates every field before the handler looks anything up.
  let version = decodeInt(params, 'version') ?? 0;
  const meta = await r.metadata(mount, key);
  const where = { mount: mount.path, path: key };
  if (!meta) throw notFound(where);
  if (version <= 0) version = meta.currentVersion;
  const v = meta.versions.get(version);
  if (!v) throw notFound({ ...where, version });
  const metadata = versionResponse(meta, version);
  if (isDeleted(v, r.now) || v.destroyed) throw notFound({ ...where, version, data: { data: null, metadata } });
  const data = await r.versionData(mount, key, version);
  if (data === undefined) {
    throw new KvgitError('ERR_INTEGRITY', `the blob of version ${version} of ${mount.path}${key} is missing although its metadata says it is live`, { ...where, version });
  }
  return { data, metadata };
}

export async function writeData(w: KvWriter, mount: Mount, rawKey: string, body: Params): Promise<VersionResponse> {
  const key = validateKey(rawKey);
  const data = requireData(body);
  const meta = (await w.metadata(mount, key)) ?? newKeyMetadata(key, w.now);
  checkCas(meta, mount, body);
  return addVersion(w, mount, meta, data, 'put');
}

export async function patchData(w: KvWriter, mount: Mount, rawKey: string, body: Params): Promise<VersionResponse> {
  const key = validateKey(rawKey);
  const patch = requireData(body);
  const where = { mount: mount.path, path: key };
  const meta = await w.metadata(mount, key);
  if (!meta) throw notFound(where);
  checkCas(meta, mount, body);
  const current = meta.versions.get(meta.currentVersion);
  if (!current) throw notFound(where);
  if (isDeleted(current, w.now) || current.destroyed) {
    throw notFound({ ...where, version: meta.currentVersion, data: versionResponse(meta, meta.currentVersion) });
  }
  const base = await w.versionData(mount, key, meta.currentVersion);
  if (base === undefined) {
    throw new KvgitError('ERR_INTEGRITY', `the blob of version ${meta.currentVersion} of ${mount.path}${key} is missing although its metadata says it is live`, { ...where, version: meta.currentVersion });
  }
  return addVersion(w, mount, meta, mergePatch(base, patch) as SecretData, 'patch');
}

export async function deleteLatest(w: KvWriter, mount: Mount, rawKey: string): Promise<void> {
  const key = validateKey(rawKey);
  const meta = await w.metadata(mount, key);
  if (!meta) return;
  const v = meta.versions.get(meta.currentVersion);
  if (!v || v.destroyed || isDeleted(v, w.now)) return;
  v.deletion = w.now;
  w.putMetadata(mount, meta);
  w.describe({ op: 'delete', mount: mount.path, path: key, versions: [meta.currentVersion] });
}

function requireData(body: Params): SecretData {
  if (!has(body, 'data') || body.data === null) throw invalidRequest('no data provided');
  if (!isPlainObject(body.data)) {
    throw invalidRequest(`Field validation failed: error converting input for field "data": '' expected a map, got '${Array.isArray(body.data) ? 'slice' : typeof body.data}'`);
  }
  return body.data;
}

/** validateCheckAndSetOption (reference §4.4 step 4). */
function checkCas(meta: KeyMetadata, mount: Mount, body: Params): void {
  const options = decodeMap(body, 'options'); // not a map: 400, as Vault's field validation
  if (options && has(options, 'cas')) {
    const raw = options.cas;
    let cas: number;
    // mapstructure's WeakDecode: null leaves the int at 0, and "" reads as "0"; a JSON number
    // reaches it as json.Number, which must be an integer.
    if (raw === null || raw === '') cas = 0;
    else if (typeof raw === 'number' && Number.isInteger(raw)) cas = raw;
    else if (typeof raw === 'string' && /^[-+]?\d+$/.test(raw.trim())) cas = Number(raw.trim());
    else if (typeof raw === 'boolean') cas = raw ? 1 : 0;
    else throw invalidRequest('error parsing check-and-set parameter');
    if (cas < 0 || cas !== meta.currentVersion) {
      throw new KvgitError('ERR_CAS_MISMATCH', 'check-and-set parameter did not match the current version', { mount: mount.path, path: meta.key });
    }
    return;
  }
  if (mount.config.casRequired || meta.casRequired) {
    throw new KvgitError('ERR_CAS_REQUIRED', 'check-and-set parameter required for this call', { mount: mount.path, path: meta.key });
  }
}

/** AddVersion + cleanupOldVersions (reference §4.4 step 6 and §5). */
function addVersion(w: KvWriter, mount: Mount, meta: KeyMetadata, data: SecretData, op: string): VersionResponse {
  const now = w.now;
  const version = meta.currentVersion + 1;
  const dva = effectiveDeleteVersionAfter(meta, mount.config);
  meta.currentVersion = version;
  meta.versions.set(version, { created: now, deletion: dva > 0 ? now + dva * 1000 : null, destroyed: false });
  meta.updated = now;
  const removed: number[] = [];
  const max = effectiveMaxVersions(meta, mount.config);
  if (meta.currentVersion - meta.oldestVersion >= max) {
    const lastToDelete = meta.currentVersion - max;
    for (let v = meta.oldestVersion; v <= lastToDelete; v++) {
      if (meta.versions.delete(v)) removed.push(v);
    }
    meta.oldestVersion = lastToDelete + 1;
  }
  w.putVersionData(mount, meta.key, version, data);
  for (const v of removed) w.removeVersionData(mount, meta.key, v);
  w.putMetadata(mount, meta);
  w.describe({ op, mount: mount.path, path: meta.key, versions: [version], removed });
  return versionResponse(meta, version);
}

/** RFC 7396 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else setOwn(result, k, mergePatch(ownValue(result, k), v));
  }
  return result;
}
