import { defineCommand } from '../command';
import { usageError } from '../errors';
import { stringFlag } from '../kv/flags';
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
    'Conflicts stop it before the push (exit 6). Git never asks for credentials on the terminal here: set up a ' +
    'credential helper or an SSH agent.',
  examples: [{ cmd: 'kvgit sync' }, { cmd: 'kvgit sync --remote upstream' }],
  flags: [{ name: 'remote', type: 'string', usage: 'The remote to sync with.' }],

  async run(ctx, input) {
    if (input.args.length > 0) throw usageError(`Too many arguments (expected 0, got ${input.args.length})`);
    const store = await ctx.openStore();
    const { syncStore } = await import('@kvgit/core');
    const r = await syncStore(store, { remote: stringFlag(input, 'remote'), env: ctx.env });
    const head: Block = { kind: 'text', text: `${r.remote}/${r.branch}: ${r.pushed ? (r.created ? 'created by the push.' : 'pushed.') : 'not pushed.'}` };
    if (!r.merge) return { data: { remote: r.remote, branch: r.branch, pushed: r.pushed, created: r.created, merge: null }, table: [head] };
    const result = mergeResult(r.merge, { remote: r.remote, branch: r.branch, pushed: r.pushed, created: r.created });
    const data = result.data as Record<string, unknown>;
    return { ...result, data: { remote: r.remote, branch: r.branch, pushed: r.pushed, created: r.created, merge: r.merge, status: data.status }, table: [...(result.table ?? []), head] };
  },
});
