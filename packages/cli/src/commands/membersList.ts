import { defineCommand } from '../command';
import { usageError } from '../errors';

export default defineCommand({
  name: 'members list',
  group: 'store',
  complete: 'none',
  summary: 'Lists the members who can open the store',
  usage: 'members list [options]',
  description: 'Prints each member\'s name, type (x25519 identity or passphrase) and age recipient.',
  examples: [{ cmd: 'kvgit members list' }],

  async run(ctx, input) {
    if (input.args.length > 0) throw usageError(`Too many arguments (expected 0, got ${input.args.length})`);
    const store = await ctx.openStore();
    const members = (await store.members()).map((m) => ({ name: m.name, type: m.type, recipient: m.type === 'x25519' ? m.recipient : '' }));
    return {
      data: members,
      table: [{ kind: 'columns', headers: ['Name', 'Type', 'Recipient'], rows: members.map((m) => [m.name, m.type, m.recipient]) }],
    };
  },
});
