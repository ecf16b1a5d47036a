import { defineCommand } from '../command';
import { usageError } from '../errors';

export default defineCommand({
  name: 'members add',
  group: 'store',
  complete: 'none',
  summary: 'Gives someone access to the store',
  usage: 'members add [options] NAME RECIPIENT',
  description:
    'Adds a member who opens the store with the age X25519 identity matching RECIPIENT (age1…, as ' +
    '`age-keygen -y` prints it). Only one small file changes: the store key is wrapped for the new member.',
  examples: [{ cmd: 'kvgit members add bob age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p' }],

  async run(ctx, input) {
    if (input.args.length !== 2) throw usageError(`Wrong number of arguments (expected 2, got ${input.args.length})`);
    const [name, recipient] = input.args as [string, string];
    const store = await ctx.openStore();
    await store.addMember(name, recipient.trim());
    return { table: [{ kind: 'text', text: `Success! Added member ${name} (${recipient.trim()})` }] };
  },
});
