import { defineCommand } from '../command';
import { usageError } from '../errors';

export default defineCommand({
  name: 'rotate',
  group: 'store',
  complete: 'none',
  summary: 'Re-encrypts every secret under a new store key',
  usage: 'rotate [options]',
  description:
    'Makes a new store key, re-encrypts every live version and re-authenticates every record with it, and wraps ' +
    'it for every member, in one commit. Members keep their own identities and passphrases. Shows progress on a terminal.',
  examples: [{ cmd: 'kvgit rotate' }],

  async run(ctx, input) {
    if (input.args.length > 0) throw usageError(`Too many arguments (expected 0, got ${input.args.length})`);
    const store = await ctx.openStore();
    const progress = ctx.progress('Re-encrypting');
    let result;
    try {
      result = await store.rotate({ onProgress: (done, total) => progress.set(done, total) });
    } finally {
      progress.done();
    }
    return { data: result, table: [{ kind: 'text', text: `Success! Rotated the store key: ${result.versions} version(s) re-encrypted.` }] };
  },
});
