import { defineCommand } from '../command';
import { CliError, usageError } from '../errors';
import { EXIT } from '../exitCodes';
import { oneArg } from '../kv/flags';

export default defineCommand({
  name: 'members remove',
  group: 'store',
  complete: 'none',
  summary: 'Takes a member\'s access away and rotates the store key',
  usage: 'members remove [options] NAME',
  description:
    'Removes the member and, in the same commit, rotates the store key: every live version is re-encrypted, so ' +
    'the member\'s identity opens nothing written from now on. The old ciphertext stays in the history, which ' +
    'the member could read before: the secrets they could read are listed so you can change them at their source. ' +
    '-no-rotate skips the rotation. Asks first; -y skips the question (required when stdin is not a terminal).',
  examples: [{ cmd: 'kvgit members remove bob' }, { cmd: 'kvgit members remove -y -format=json bob', text: 'In a script, with the list of secrets bob could read as JSON:' }],
  flags: [{ name: 'no-rotate', type: 'bool', usage: 'Only remove the member; do not rotate the store key.' }],

  async run(ctx, input) {
    const name = oneArg(input.args);
    if (name.trim() === '') throw usageError('a member name is needed');
    const rotate = input.flags['no-rotate'] !== true;
    const store = await ctx.openStore();
    const question = `Remove member ${name}${rotate ? ' and re-encrypt every secret under a new store key' : ''}?`;
    if (!(await ctx.confirm(question, { whenNonInteractive: 'refuse' }))) {
      throw new CliError(`Not confirmed: ${name} is still a member.`, EXIT.CONFIRMATION_REFUSED, 'answer y on the terminal, or pass -y (needed when stdin is not a terminal)');
    }
    const progress = ctx.progress('Re-encrypting');
    let result;
    try {
      result = await store.removeMember(name, { rotate, onProgress: (done, total) => progress.set(done, total) });
    } finally {
      progress.done();
    }
    const lines = [`Success! Removed member ${name}${result.rotated ? '; the store key was rotated' : ' (the store key was not rotated)'}.`];
    if (result.readable.length > 0) lines.push(`${name} could read ${result.readable.length} secret(s); change them where they come from:`, ...result.readable.map((p) => `  ${p}`));
    return { data: result, table: lines.map((text) => ({ kind: 'text' as const, text })) };
  },
});
