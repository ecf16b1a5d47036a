/** metadata/ LIST and SCAN, and detailed-metadata/ (reference §4.15–4.17). */
import { setOwn } from '../bytes/json';
import { notFound } from '../errors';
import { type KvReader, type Mount, validateFolder } from './model';
import { metadataResponse, type MetadataResponse } from './metadata';
import { type Params, decodeInt } from './params';

const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Direct children, sorted bytewise; folders end in "/"; `after` is exclusive; 404 when empty. */
export async function listKeys(r: KvReader, mount: Mount, prefix: string, params: Params = {}): Promise<string[]> {
  const folder = validateFolder(prefix);
  const children = await r.children(mount, folder);
  let keys = children.map((c) => (c.folder ? `${c.name}/` : c.name)).sort(byBytes);
  const after = typeof params.after === 'string' ? params.after : '';
  const limit = decodeInt(params, 'limit') ?? 0;
  if (after !== '') keys = keys.filter((k) => byBytes(k, after) > 0);
  if (limit > 0) keys = keys.slice(0, limit);
  if (keys.length === 0) throw notFound({ mount: mount.path, path: folder });
  return keys;
}

/** Every leaf key below the folder, relative to it. An empty result is an empty list. */
export async function scanKeys(r: KvReader, mount: Mount, prefix: string): Promise<string[]> {
  const folder = validateFolder(prefix);
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const children = (await r.children(mount, folder + rel)).sort((a, b) => byBytes(a.name, b.name));
    for (const c of children) if (!c.folder) out.push(rel + c.name);
    for (const c of children) if (c.folder) await walk(`${rel}${c.name}/`);
  };
  await walk('');
  return out;
}

export interface DetailedMetadata {
  keys: string[];
  key_info?: Record<string, MetadataResponse | Record<string, never>>;
}

export async function detailedMetadata(r: KvReader, mount: Mount, prefix: string, params: Params, scan: boolean): Promise<DetailedMetadata> {
  const folder = validateFolder(prefix);
  const keys = scan ? await scanKeys(r, mount, folder) : await listKeys(r, mount, folder, params);
  const info: Record<string, MetadataResponse | Record<string, never>> = {};
  for (const k of keys) {
    if (k.endsWith('/')) {
      setOwn(info, k, {});
      continue;
    }
    const meta = await r.metadata(mount, folder + k);
    if (meta) setOwn(info, k, metadataResponse(meta));
  }
  return Object.keys(info).length > 0 ? { keys, key_info: info } : { keys };
}
