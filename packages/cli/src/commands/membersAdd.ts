import { defineCommand } from '../command';
import { usageError } from '../errors';
import { PASSPHRASE_STDIN_FLAG, newPassphrase } from '../input/passphrase';

export default defineCommand({
  name: 'members add',
  group: 'store',
  complete: 'none',
  summary: 'Gives someone access to the store',
  usage: 'members add [options] NAME [RECIPIENT]',
  description:
    'Adds a member who opens the store with the age X25519 identity matching RECIPIENT (age1…, as ' +
    '`age-keygen -y` prints it), or, with -passphrase, with a passphrase (asked on the terminal, or read with ' +
    '-passphrase-stdin; never an argument). Only the keyring changes: the store key is wrapped for the new member.',
  examples: [
    { cmd: 'kvgit members add bob age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p' },
    { cmd: 'kvgit members add -passphrase ci', text: 'A member who unlocks with a passphrase (KVGIT_PASSPHRASE):' },
  ],
  flags: [{ name: 'passphrase', type: 'bool', usage: 'The member unlocks with a passphrase instead of an age identity.' }, PASSPHRASE_STDIN_FLAG],

  async run(ctx, input) {
    const passphrase = input.flags.passphrase === true || input.flags['passphrase-stdin'] === true;
    const expected = passphrase ? 1 : 2;
    if (input.args.length !== expected) throw usageError(`Wrong number of arguments (expected ${passphrase ? 'NAME' : 'NAME RECIPIENT'}, got ${input.args.length})`);
    const name = input.args[0]!;
    const store = await ctx.openStore();
    if (passphrase) {
      await store.addPassphraseMember(name, await newPassphrase(ctx, input, name));
      return { table: [{ kind: 'text', text: `Success! Added member ${name} (passphrase)` }] };
    }
    const recipient = input.args[1]!.trim();
    await store.addMember(name, recipient);
    return { table: [{ kind: 'text', text: `Success! Added member ${name} (${recipient})` }] };
  },
});
