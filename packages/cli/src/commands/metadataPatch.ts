import { setOwn } from '@kvgit/core/json';
import { defineCommand } from '../command';
import { ContextError } from '../errors';
import { MOUNT_FLAG, oneArg, openPath } from '../kv/flags';
import { METADATA_FLAGS, metadataBody } from '../kv/metadataFlags';
import { apiPath, requireV2 } from '../kv/path';
import { writeResult } from '../kv/writeResult';

export default defineCommand({
  name: 'metadata patch',
  kv: true,
  group: 'kv',
  complete: 'paths',
  summary: 'Patches key settings in the KV store',
  usage: 'metadata patch [options] KEY',
  description:
    'Only for KV version 2 mounts. Changes only the settings given; -custom-metadata adds or replaces single ' +
    'entries and -remove-custom-metadata removes them. The key must exist.',
  examples: [
    { cmd: 'kvgit metadata patch -mount=secret -max-versions=5 foo' },
    { cmd: 'kvgit metadata patch -mount=secret -custom-metadata=foo=abc foo', text: 'Add or change one custom metadata entry:' },
    { cmd: 'kvgit metadata patch -mount=secret -remove-custom-metadata=bar foo', text: 'Remove one:' },
  ],
  flags: [...METADATA_FLAGS, { name: 'remove-custom-metadata', type: 'strings', usage: 'A custom metadata key to remove. Repeat the flag for more keys.' }, MOUNT_FLAG],

  async run(ctx, input) {
    const arg = oneArg(input.args);
    const body = await metadataBody(input);
    // kv_metadata_patch.go always sends custom_metadata (possibly {}); removals are nulls in the merge patch.
    const custom: Record<string, string | null> = { ...((body.custom_metadata as Record<string, string> | undefined) ?? {}) };
    for (const k of (input.flags['remove-custom-metadata'] as string[] | undefined) ?? []) setOwn(custom, k, null);
    body.custom_metadata = custom;
    const { store, path } = await openPath(ctx, input, arg);
    requireV2(path, 'Metadata not supported on KV Version 1');
    const full = apiPath(path, 'metadata');
    try {
      const { warnings } = await store.patchMetadata(path.mount.path, path.key, body);
      return writeResult(`Success! Data written to: ${full}`, warnings);
    } catch (e) {
      throw new ContextError(`Error writing data to ${full}`, e);
    }
  },
});
