import { defineCommand } from '../command';
import { ContextError, usageError } from '../errors';
import { parseDataArgs } from '../input/kvData';
import { envelope, rawField } from '../kv/envelope';
import { MOUNT_FLAG, stringFlag } from '../kv/flags';
import { writeResult } from '../kv/writeResult';
import { apiPath, requireV2, resolveKvPath } from '../kv/path';

const CONFIG_FIELDS = ['max_versions', 'cas_required', 'delete_version_after'];

export default defineCommand({
  name: 'config',
  kv: true,
  group: 'kv',
  field: true,
  complete: 'mounts',
  summary: 'Reads or writes the configuration of a KV mount',
  usage: 'config [options] MOUNT [max_versions=N] [cas_required=BOOL] [delete_version_after=DURATION]',
  description:
    'Without data, prints the mount\'s configuration (`vault read <mount>/config`). With data, changes the ' +
    'settings given and leaves the others (`vault write <mount>/config …`). A negative delete_version_after ' +
    'disables automatic deletion on the mount.',
  examples: [
    { cmd: 'kvgit config secret' },
    { cmd: 'kvgit config secret max_versions=5 cas_required=true', text: 'Keep 5 versions and require check-and-set on every key of the mount:' },
    { cmd: 'kvgit config -mount=secret delete_version_after=768h', text: 'Delete versions 32 days after they are written:' },
  ],
  flags: [MOUNT_FLAG],

  async run(ctx, input) {
    const mountFlag = stringFlag(input, 'mount');
    const args = [...input.args];
    const mountArg = mountFlag ?? args.shift();
    if (mountArg === undefined) throw usageError('Not enough arguments (expected 1, got 0)');
    const data = await parseDataArgs(args, { readStdin: ctx.readStdin });
    const store = await ctx.openStore();
    const path = await resolveKvPath(store, mountArg, undefined);
    if (path.key !== '') throw usageError(`config applies to a whole mount: "${mountArg}" names a key inside ${path.mount.path}`);
    requireV2(path, 'Config not supported on KV Version 1');
    const full = apiPath(path, 'config');
    if (Object.keys(data).length === 0) {
      const config = await store.readConfig(path.mount.path);
      const env = envelope(config);
      return { data: env, envelope: true, table: [{ kind: 'map', map: config }], field: (n) => rawField(env, n) };
    }
    try {
      await store.writeConfig(path.mount.path, data);
    } catch (e) {
      throw new ContextError(`Error writing data to ${full}`, e);
    }
    // As Vault's framework: a field the endpoint does not know (a typo such as max_version) is
    // ignored, with a warning the CLI prints.
    const ignored = Object.keys(data).filter((k) => !CONFIG_FIELDS.includes(k)).sort();
    return writeResult(`Success! Data written to: ${full}`, ignored.length > 0 ? [`Endpoint ignored these unrecognized parameters: [${ignored.join(' ')}]`] : []);
  },
});
