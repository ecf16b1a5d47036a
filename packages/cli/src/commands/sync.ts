import { defineCommand } from '../command';
import { usageError } from '../errors';
import { EXIT } from '../exitCodes';
import { stringFlag } from '../kv/flags';
import { confirmRewrite } from '../kv/rewrite';
import type { Block } from '../output/result';
import { mergeResult } from './merge';

export default defineCommand({
  name: 'sync',
  group: 'store',
  complete: 'none',
  summary: 'Fetches the remote\'s store, merges it, and pushes',
  usage: 'sync [options]',
  description:
    'Fetches the store\'s branch from the remote (the branch\'s configured remote, else "origin"; the "kvgit" ' +
    'branch on the branch layout, the current branch\'s upstream on the directory layout), merges it as ' +
    '`kvgit merge` does, and pushes the result. When someone pushed in between, it fetches and merges again. ' +
    'Conflicts stop it before the push (exit 6). After a destroy on one clone, the other clones\' histories ' +
    'still hold the destroyed ciphertext, and a merge would make it reachable again: sync then stops before ' +
    'pushing (exit 6) unless --purge is given, which purges it from the local history (on the directory layout ' +
    'after asking, as destroy does) and pushes with a lease on what it fetched. Git never asks for credentials ' +
    'on the terminal here: set up a credential helper or an SSH agent.',
  examples: [{ cmd: 'kvgit sync' }, { cmd: 'kvgit sync --remote upstream' }, { cmd: 'kvgit sync --purge', text: 'After a destroy on this or another clone:' }],
  flags: [
    { name: 'remote', type: 'string', usage: 'The remote to sync with.' },
    { name: 'purge', type: 'bool', usage: 'Purge destroyed ciphertext that the merge brought back, then push (with a lease).' },
  ],

  async run(ctx, input) {
    if (input.args.length > 0) throw usageError(`Too many arguments (expected 0, got ${input.args.length})`);
    const store = await ctx.openStore();
    const { syncStore } = await import('@kvgit/core');
    const r = await syncStore(store, {
      remote: stringFlag(input, 'remote'),
      env: ctx.env,
      purge: input.flags.purge === true,
      confirm: confirmRewrite(ctx, 'Purging the destroyed ciphertext this merge brought back').confirm,
    });
    const where = `${r.remote}/${r.branch}`;
    const summary: Block = {
      kind: 'text',
      text: r.needsPurge
        ? `${where}: not pushed: this clone's history holds ciphertext destroyed on one side (${r.stale.map((x) => `${x.where}${x.version ? ` version ${x.version}` : ''}: ${x.why}`).join('; ')}); run \`kvgit sync --purge\` to purge it from this clone's history and push.`
        : `${where}: ${r.pushed ? (r.created ? 'created by the push.' : r.purgedCommits > 0 ? `pushed after purging ${r.purgedCommits} commit(s) of destroyed ciphertext.` : 'pushed.') : 'not pushed.'}`,
    };
    const data = { remote: r.remote, branch: r.branch, pushed: r.pushed, created: r.created, needs_purge: r.needsPurge, purged_commits: r.purgedCommits, stale: r.stale, merge: r.merge ?? null };
    if (!r.merge) return { data, table: [summary] };
    const result = mergeResult(r.merge);
    return { ...result, data, table: [...(result.table ?? []), summary], exitCode: r.needsPurge ? EXIT.STORE_STATE : result.exitCode };
  },
});
