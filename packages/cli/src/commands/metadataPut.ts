import { defineCommand } from '../command';
import { ContextError } from '../errors';
import { MOUNT_FLAG, oneArg, openPath } from '../kv/flags';
import { METADATA_FLAGS, metadataBody } from '../kv/metadataFlags';
import { apiPath, requireV2 } from '../kv/path';
import { writeResult } from '../kv/writeResult';

export default defineCommand({
  name: 'metadata put',
  kv: true,
  group: 'kv',
  complete: 'paths',
  summary: 'Sets or updates key settings in the KV store',
  usage: 'metadata put [options] KEY',
  description:
    'Only for KV version 2 mounts. Sets the key\'s settings; the ones not given stay as they are, and ' +
    '-custom-metadata replaces the whole custom metadata map. Creates the key (with no versions) when it does ' +
    'not exist and at least one setting is given.',
  examples: [
    { cmd: 'kvgit metadata put -mount=secret -max-versions=5 foo', text: 'Keep at most 5 versions of "foo":' },
    { cmd: 'kvgit metadata put -mount=secret -delete-version-after=3h25m19s foo', text: 'Delete each version 3h25m19s after it is written:' },
    { cmd: 'kvgit metadata put -mount=secret -cas-required foo', text: 'Require check-and-set for every write:' },
    { cmd: 'kvgit metadata put -mount=secret -custom-metadata=foo=abc -custom-metadata=bar=123 foo', text: 'Custom metadata:' },
  ],
  flags: [...METADATA_FLAGS, MOUNT_FLAG],

  async run(ctx, input) {
    const arg = oneArg(input.args);
    const body = await metadataBody(input);
    const { store, path } = await openPath(ctx, input, arg);
    requireV2(path, 'Metadata not supported on KV Version 1');
    const full = apiPath(path, 'metadata');
    try {
      const { warnings } = await store.writeMetadata(path.mount.path, path.key, body);
      return writeResult(`Success! Data written to: ${full}`, warnings);
    } catch (e) {
      throw new ContextError(`Error writing data to ${full}`, e);
    }
  },
});
