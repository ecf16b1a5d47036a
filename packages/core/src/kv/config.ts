/** config endpoint: the mount's max_versions, cas_required, delete_version_after (reference §4.1–4.2). */
import { invalidRequest } from '../errors';
import { formatDuration } from '../time';
import { DVA_DISABLED, type KvWriter, type Mount } from './model';
import { type Params, decodeBool, decodeDuration, decodeInt } from './params';

export function readConfig(mount: Mount) {
  return {
    cas_required: mount.config.casRequired,
    delete_version_after: formatDuration(mount.config.deleteVersionAfter),
    max_versions: mount.config.maxVersions,
  };
}
export type ConfigResponse = ReturnType<typeof readConfig>;

export function writeConfig(w: KvWriter, mount: Mount, body: Params): void {
  const maxVersions = decodeInt(body, 'max_versions');
  const casRequired = decodeBool(body, 'cas_required');
  const dva = decodeDuration(body, 'delete_version_after', true);
  if (maxVersions !== undefined && maxVersions < 0) throw invalidRequest('max_versions cannot be negative');
  if (maxVersions === undefined && casRequired === undefined && dva === undefined) return;
  const config = { ...mount.config };
  if (maxVersions !== undefined) config.maxVersions = maxVersions;
  if (casRequired !== undefined) config.casRequired = casRequired;
  if (dva !== undefined) config.deleteVersionAfter = dva < 0 ? DVA_DISABLED : dva;
  if (JSON.stringify(config) === JSON.stringify(mount.config)) return;
  w.putMount({ ...mount, config });
  w.describe({ op: 'config', mount: mount.path });
}
