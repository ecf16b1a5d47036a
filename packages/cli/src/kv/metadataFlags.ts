/** The key settings flags of `metadata put` and `metadata patch` (kv_metadata_put.go). */
import { formatDuration } from '@kvgit/core';
import type { Flag, Input } from '../command';
import { durationFlag, intFlag } from './flags';

export const METADATA_FLAGS: Flag[] = [
  { name: 'max-versions', type: 'int', default: '-1', usage: 'The number of versions to keep. If not set, the mount\'s max_versions applies.' },
  { name: 'cas-required', type: 'boolptr', usage: 'If true, every write to the key needs -cas. If false, the mount\'s setting applies.' },
  {
    name: 'delete-version-after',
    type: 'duration',
    default: '-1',
    placeholder: 'duration',
    usage: 'How long after it is written a version is deleted, e.g. "30s" or "3h25m19s". If not set, the mount\'s delete_version_after applies.',
  },
  { name: 'custom-metadata', type: 'map', placeholder: 'key=value', usage: 'Version-independent key=value metadata describing the secret. Repeat the flag for more pairs.' },
];

/** The request body: only the settings that were given (negative numbers mean "not given", as in Vault). */
export async function metadataBody(input: Input): Promise<Record<string, unknown>> {
  const body: Record<string, unknown> = {};
  const max = intFlag(input, 'max-versions') ?? -1;
  if (max >= 0) body.max_versions = max;
  if (typeof input.flags['cas-required'] === 'boolean') body.cas_required = input.flags['cas-required'];
  const dva = (await durationFlag(input, 'delete-version-after')) ?? -1;
  if (dva >= 0) body.delete_version_after = formatDuration(dva);
  const custom = input.flags['custom-metadata'] as Record<string, string> | undefined;
  if (custom && Object.keys(custom).length > 0) body.custom_metadata = { ...custom };
  return body;
}
