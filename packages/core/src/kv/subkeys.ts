/** subkeys/ endpoint: the secret's shape with values replaced by null (reference §4.10). */
import { KvgitError, notFound } from '../errors';
import { isPlainObject, setOwn } from '../bytes/json';
import { type KvReader, type Mount, isDeleted, validateKey, versionResponse } from './model';
import { type Params, decodeInt } from './params';

export async function readSubkeys(r: KvReader, mount: Mount, rawKey: string, params: Params = {}) {
  const key = validateKey(rawKey);
  // Vault's framework validates every field before the handler looks anything up.
  const depth = decodeInt(params, 'depth') ?? 0;
  let version = decodeInt(params, 'version') ?? 0;
  const where = { mount: mount.path, path: key };
  const meta = await r.metadata(mount, key);
  if (!meta) throw notFound(where);
  if (version <= 0) version = meta.currentVersion;
  const v = meta.versions.get(version);
  if (!v) throw notFound({ ...where, version });
  const metadata = versionResponse(meta, version);
  if (isDeleted(v, r.now) || v.destroyed) throw notFound({ ...where, version, data: { subkeys: null, metadata } });
  const data = await r.versionData(mount, key, version);
  if (data === undefined) throw new KvgitError('ERR_INTEGRITY', `the blob of version ${version} of ${mount.path}${key} is missing`, { ...where, version });
  return { metadata, subkeys: removeValues(data, 1, depth) };
}

function removeValues(obj: Record<string, unknown>, level: number, maxDepth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const recurse = isPlainObject(v) && Object.keys(v).length > 0 && (maxDepth === 0 || level + 1 <= maxDepth);
    setOwn(out, k, recurse ? removeValues(v as Record<string, unknown>, level + 1, maxDepth) : null);
  }
  return out;
}
