import { defineCommand } from '../command';
import { ContextError, usageError } from '../errors';
import { cleanPath } from '../kv/path';

export default defineCommand({
  name: 'mounts move',
  group: 'store',
  complete: 'mounts',
  summary: 'Moves a KV mount to another path',
  usage: 'mounts move [options] SOURCE DESTINATION',
  description: 'Moves a mount with all its secrets to a new path, in one commit; no secret is re-encrypted (`vault secrets move`).',
  examples: [{ cmd: 'kvgit mounts move team/ platform/' }],

  async run(ctx, input) {
    if (input.args.length !== 2) throw usageError(`${input.args.length < 2 ? 'Not enough' : 'Too many'} arguments (expected 2, got ${input.args.length})`);
    const from = `${cleanPath(input.args[0]!)}/`;
    const to = `${cleanPath(input.args[1]!)}/`;
    const store = await ctx.openStore();
    try {
      await store.moveMount(from, to);
    } catch (e) {
      throw new ContextError(`Error moving secrets engine ${from} to ${to}`, e);
    }
    return { table: [{ kind: 'text', text: `Success! Finished moving secrets engine ${from} to ${to}` }] };
  },
});
