/**
 * A new passphrase, never from argv: asked twice on the terminal, or the first line of stdin with
 * -passphrase-stdin (for scripts), or KVGIT_PASSPHRASE where the core documents it (init).
 */
import type { Flag, Input } from '../command';
import type { Context } from '../context';
import { usageError } from '../errors';

export const PASSPHRASE_STDIN_FLAG: Flag = { name: 'passphrase-stdin', type: 'bool', usage: 'Read the new passphrase from the first line of stdin instead of asking on the terminal.' };

export async function newPassphrase(ctx: Context, input: Input, who: string, envFallback = false): Promise<string> {
  let pass: string;
  if (input.flags['passphrase-stdin'] === true) pass = (await ctx.readStdin()).split(/\r?\n/)[0] ?? '';
  else if (envFallback && ctx.env.KVGIT_PASSPHRASE) pass = ctx.env.KVGIT_PASSPHRASE;
  else {
    if (!ctx.stdinIsTTY || !ctx.stderrIsTTY) throw usageError(`a passphrase for ${who} is needed: run on a terminal, or pass -passphrase-stdin`);
    pass = await ctx.promptSecret(`Passphrase for ${who}: `);
    if ((await ctx.promptSecret('The same passphrase again: ')) !== pass) throw usageError('the passphrases differ; nothing was changed');
  }
  if (pass.length < 8) throw usageError('a passphrase needs at least 8 characters');
  return pass;
}
