import { defineCommand } from '../command';
import { usageError } from '../errors';
import { confirmRewrite, receiptNotices } from '../kv/rewrite';

export default defineCommand({
  name: 'purge',
  group: 'store',
  complete: 'none',
  summary: 'Removes ciphertext that should be gone from the whole history',
  usage: 'purge [options]',
  description:
    'Finds, as verify does, ciphertext still in the history of versions that are destroyed, trimmed past ' +
    'max_versions or deleted with their key, and rewrites the history once so it is in no commit, reflog, loose ' +
    'object or pack. Trimming does not rewrite by itself (a put stays cheap), so run this after trimming when old ' +
    'ciphertext must go. On a directory-layout store it rewrites code commits too and asks first (-y to skip). ' +
    'Prints a receipt: commits rewritten, refs moved, and what it cannot reach (remotes needing a force-push).',
  examples: [{ cmd: 'kvgit purge' }, { cmd: 'kvgit purge -y' }],

  async run(ctx, input) {
    if (input.args.length > 0) throw usageError(`Too many arguments (expected 0, got ${input.args.length})`);
    const store = await ctx.openStore();
    const rewrite = confirmRewrite(ctx, 'Purging old ciphertext');
    let receipt;
    try {
      receipt = await store.purge(rewrite);
    } finally {
      rewrite.finish();
    }
    const text = receipt ? 'Success! Old ciphertext purged from the history.' : 'Nothing to purge.';
    return { data: receipt ?? null, table: [{ kind: 'text', text }], notices: receiptNotices(receipt) };
  },
});
