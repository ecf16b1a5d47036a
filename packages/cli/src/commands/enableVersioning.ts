import { defineCommand } from '../command';
import { ContextError, usageError } from '../errors';
import { oneArg } from '../kv/flags';
import { resolveKvPath } from '../kv/path';

export default defineCommand({
  name: 'enable-versioning',
  kv: true,
  group: 'kv',
  complete: 'mounts',
  summary: 'Turns on versioning for a KV store',
  usage: 'enable-versioning [options] MOUNT',
  description:
    'Upgrades a KV version 1 mount to version 2, in one commit: each value becomes version 1 of its key. ' +
    'A version 2 mount is left as it is.',
  examples: [{ cmd: 'kvgit enable-versioning secret/' }],

  async run(ctx, input) {
    const arg = oneArg(input.args);
    const store = await ctx.openStore();
    const path = await resolveKvPath(store, arg, undefined);
    if (path.key !== '') throw usageError(`"${arg}" names a key inside ${path.mount.path}, not a mount`);
    try {
      await store.upgradeMount(path.mount.path);
    } catch (e) {
      throw new ContextError(`Error tuning secrets engine ${path.mount.path}`, e);
    }
    return { table: [{ kind: 'text', text: `Success! Tuned the secrets engine at: ${path.mount.path}` }] };
  },
});
