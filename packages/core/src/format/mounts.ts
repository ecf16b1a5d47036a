/** The mount table (docs/FORMAT.md §Mounts). */
import { KvgitError } from '../errors';
import { isPlainObject } from '../bytes/json';
import type { Mount } from '../kv/model';
import { formatTime, parseTime } from '../time';
import { decodeRecord, encodeRecord, field, isBool, isInt, isObject, isString, isUint } from './records';
import { MOUNTS_FILE } from './paths';

export const MOUNTS_KIND = 'mounts/1';
const CONTEXT = 'mounts';

export function encodeMounts(mounts: Map<string, Mount>, macKey: Uint8Array): Uint8Array {
  const table: Record<string, unknown> = {};
  for (const path of [...mounts.keys()].sort()) {
    const m = mounts.get(path)!;
    table[path] = {
      uuid: m.uuid,
      type: m.type,
      version: m.version,
      description: m.description,
      created_time: formatTime(m.created),
      config: { max_versions: m.config.maxVersions, cas_required: m.config.casRequired, delete_version_after: m.config.deleteVersionAfter },
    };
  }
  return encodeRecord(MOUNTS_KIND, { mounts: table }, macKey, CONTEXT);
}

export function decodeMounts(bytes: Uint8Array, macKey: Uint8Array): Map<string, Mount> {
  const file = MOUNTS_FILE;
  const r = decodeRecord(bytes, MOUNTS_KIND, macKey, CONTEXT, file, 'ERR_MOUNTS_TAMPERED');
  const out = new Map<string, Mount>();
  for (const [path, raw] of Object.entries(field(r, 'mounts', isObject, file))) {
    if (!isPlainObject(raw) || !path.endsWith('/')) throw new KvgitError('ERR_CORRUPT', `${file}: invalid mount ${path}`, { file });
    const config = field(raw, 'config', isObject, file);
    const version = field(raw, 'version', isUint, file);
    if (version !== 1 && version !== 2) throw new KvgitError('ERR_CORRUPT', `${file}: mount ${path} has unknown KV version ${version}`, { file });
    out.set(path, {
      path,
      uuid: field(raw, 'uuid', isString, file),
      type: 'kv',
      version,
      description: field(raw, 'description', isString, file),
      created: parseTime(field(raw, 'created_time', isString, file)) ?? 0,
      config: {
        maxVersions: field(config, 'max_versions', isUint, file),
        casRequired: field(config, 'cas_required', isBool, file),
        deleteVersionAfter: field(config, 'delete_version_after', isInt, file),
      },
    });
  }
  return out;
}
