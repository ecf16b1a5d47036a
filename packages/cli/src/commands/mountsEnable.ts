import { defineCommand } from '../command';
import { ContextError, usageError } from '../errors';
import { intFlag, stringFlag } from '../kv/flags';
import { cleanPath } from '../kv/path';

export default defineCommand({
  name: 'mounts enable',
  group: 'store',
  complete: ['kv', 'kv-v2'],
  summary: 'Enables a KV mount at a path',
  usage: 'mounts enable [options] TYPE',
  description:
    'Adds a KV mount, as `vault secrets enable` does: TYPE is "kv" (version 1 unless -version=2) or "kv-v2". ' +
    'The mount is at TYPE/ unless -path says otherwise.',
  examples: [
    { cmd: 'kvgit mounts enable -path=team -version=2 kv', text: 'A KV version 2 mount at team/:' },
    { cmd: 'kvgit mounts enable -path=legacy kv', text: 'A KV version 1 mount at legacy/:' },
  ],
  flags: [
    { name: 'path', type: 'string', usage: 'Where to mount (default: the type name).' },
    { name: 'version', type: 'int', usage: 'The KV version: 1 or 2.' },
    { name: 'description', type: 'string', usage: 'A human-friendly description of the mount.' },
  ],

  async run(ctx, input) {
    if (input.args.length !== 1) throw usageError(`${input.args.length === 0 ? 'Not enough' : 'Too many'} arguments (expected 1, got ${input.args.length})`);
    const type = input.args[0]!;
    if (type !== 'kv' && type !== 'kv-v2') throw usageError(`kvgit mounts only the kv secrets engine ("kv" or "kv-v2"), not "${type}"`, 'to mount at a path: kvgit mounts enable -path=<path> -version=2 kv');
    const version = type === 'kv-v2' ? 2 : intFlag(input, 'version') ?? 1;
    const path = `${cleanPath(stringFlag(input, 'path') ?? type)}/`;
    const store = await ctx.openStore();
    try {
      await store.enableMount(path, { version, description: stringFlag(input, 'description') });
    } catch (e) {
      throw new ContextError(`Error enabling: ${path}`, e);
    }
    return { table: [{ kind: 'text', text: `Success! Enabled the kv secrets engine at: ${path}` }] };
  },
});
