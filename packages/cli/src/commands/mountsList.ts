import { defineCommand } from '../command';
import { usageError } from '../errors';

export default defineCommand({
  name: 'mounts list',
  group: 'store',
  complete: 'none',
  summary: 'Lists the KV mounts of the store',
  usage: 'mounts list [options]',
  description: 'Prints each mount\'s path, KV version and description (`vault secrets list`).',
  examples: [{ cmd: 'kvgit mounts list' }],

  async run(ctx, input) {
    if (input.args.length > 0) throw usageError(`Too many arguments (expected 0, got ${input.args.length})`);
    const store = await ctx.openStore();
    const mounts = await store.mounts();
    const data: Record<string, unknown> = {};
    for (const m of mounts) data[m.path] = { type: m.type, description: m.description, uuid: m.uuid, options: { version: String(m.version) } };
    return {
      data,
      table: [{ kind: 'columns', headers: ['Path', 'Type', 'Version', 'Description'], rows: mounts.map((m) => [m.path, m.type, String(m.version), m.description]) }],
    };
  },
});
