import { defineCommand } from '../command';
import { ContextError } from '../errors';
import { MOUNT_FLAG, VERSIONS_FLAG, oneArg, openPath, versionsFlag } from '../kv/flags';
import { apiPath } from '../kv/path';

export default defineCommand({
  name: 'delete',
  kv: true,
  group: 'kv',
  complete: 'paths',
  summary: 'Deletes versions in the KV store',
  usage: 'delete [options] KEY',
  description:
    'Marks the latest version (or the versions given with -versions) as deleted: it is no longer returned by ' +
    '`get`, and `undelete` can restore it. Its data stays until it is destroyed. To remove a key with all its ' +
    'versions, use `kvgit metadata delete`.',
  examples: [
    { cmd: 'kvgit delete -mount=secret foo', text: 'Delete the latest version of the key "foo":' },
    { cmd: 'kvgit delete secret/foo', text: 'The path-like syntax works too:' },
    { cmd: 'kvgit delete -mount=secret -versions=3 foo', text: 'Delete version 3:' },
  ],
  flags: [{ ...VERSIONS_FLAG, usage: 'The version numbers to delete (a comma-separated list, or the flag repeated).' }, MOUNT_FLAG],

  async run(ctx, input) {
    const { store, path } = await openPath(ctx, input, oneArg(input.args));
    const full = apiPath(path, 'data');
    const versions = versionsFlag(input);
    try {
      if (!path.v2) await store.v1Delete(path.mount.path, path.key);
      else if (versions.length > 0) await store.deleteVersions(path.mount.path, path.key, { versions });
      else await store.deleteLatest(path.mount.path, path.key);
    } catch (e) {
      throw new ContextError(`Error deleting ${full}`, e);
    }
    return { table: [{ kind: 'text', text: `Success! Data deleted (if it existed) at: ${full}` }] };
  },
});
