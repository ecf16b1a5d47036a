import { defineCommand } from '../command';
import { CliError, ContextError } from '../errors';
import { EXIT } from '../exitCodes';
import { oneArg } from '../kv/flags';
import { cleanPath } from '../kv/path';

export default defineCommand({
  name: 'mounts disable',
  group: 'store',
  complete: 'mounts',
  summary: 'Disables a KV mount, deleting its secrets',
  usage: 'mounts disable [options] PATH',
  description:
    'Removes the mount and every secret in it from the current commit (their ciphertext stays in the history ' +
    'until `destroy`ed). Asks first; -y skips the question and is required when stdin is not a terminal.',
  examples: [{ cmd: 'kvgit mounts disable -y team/' }],

  async run(ctx, input) {
    const path = `${cleanPath(oneArg(input.args))}/`;
    const store = await ctx.openStore();
    if (!(await ctx.confirm(`Disable ${path} and delete every secret in it?`, { whenNonInteractive: 'refuse' }))) {
      throw new CliError(`Not confirmed: ${path} was not disabled.`, EXIT.CONFIRMATION_REFUSED, 'answer y on the terminal, or pass -y (needed when stdin is not a terminal)');
    }
    try {
      await store.disableMount(path);
    } catch (e) {
      throw new ContextError(`Error disabling secrets engine at ${path}`, e);
    }
    return { table: [{ kind: 'text', text: `Success! Disabled the secrets engine (if it existed) at: ${path}` }] };
  },
});
