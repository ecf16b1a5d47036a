import { defineCommand } from '../command';
import { ContextError, usageError } from '../errors';
import { MOUNT_FLAG, VERSIONS_FLAG, oneArg, openPath, versionsFlag } from '../kv/flags';
import { apiPath, requireV2 } from '../kv/path';

export default defineCommand({
  name: 'undelete',
  kv: true,
  group: 'kv',
  complete: 'paths',
  summary: 'Undeletes versions in the KV store',
  usage: 'undelete [options] KEY',
  description: 'Only for KV version 2 mounts. Restores the given deleted versions, so `get` returns them again. Destroyed versions cannot be restored.',
  examples: [
    { cmd: 'kvgit undelete -mount=secret -versions=3 foo', text: 'Undelete version 3 of the key "foo":' },
    { cmd: 'kvgit undelete -versions=3 secret/foo', text: 'The path-like syntax works too:' },
  ],
  flags: [{ ...VERSIONS_FLAG, usage: 'The version numbers to undelete (required).' }, MOUNT_FLAG],

  async run(ctx, input) {
    const arg = oneArg(input.args);
    const versions = versionsFlag(input);
    if (versions.length === 0) throw usageError('No versions provided, use the "-versions" flag to specify the version to undelete.');
    const { store, path } = await openPath(ctx, input, arg);
    requireV2(path, 'Undelete not supported on KV Version 1');
    const full = apiPath(path, 'undelete');
    try {
      await store.undeleteVersions(path.mount.path, path.key, { versions });
    } catch (e) {
      throw new ContextError(`Error writing data to ${full}`, e);
    }
    return { table: [{ kind: 'text', text: `Success! Data written to: ${full}` }] };
  },
});
