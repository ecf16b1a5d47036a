import type { MergeReport } from '@kvgit/core';
import { defineCommand } from '../command';
import { usageError } from '../errors';
import { EXIT } from '../exitCodes';
import type { Block, CommandResult } from '../output/result';

const STATUS_TEXT: Record<MergeReport['status'], string> = {
  'up-to-date': 'Already up to date.',
  'fast-forward': 'Fast-forward: the store now has their changes.',
  merged: 'Merged.',
  'store-resolved': 'The store\'s files are merged and staged; git left other files unmerged: resolve them, then run `git commit`.',
  conflicts: 'Conflicting edits of the store: nothing was written. Settle them on one side (e.g. `kvgit metadata patch`), commit, and merge again.',
};

/** The answer to `kvgit merge` (and the merge part of `kvgit sync`): data, table and exit code. */
export function mergeResult(r: MergeReport, extraData: Record<string, unknown> = {}): CommandResult {
  const settledOnly = r.status === 'store-resolved' && r.unmerged.length === 0;
  const table: Block[] = [{ kind: 'text', text: settledOnly ? 'The store\'s files are merged and staged: run `git commit` to conclude the merge.' : STATUS_TEXT[r.status] }];
  if (r.merged.length > 0) table.push({ kind: 'text', text: `Keys changed on both sides, merged: ${r.merged.join(', ')}` });
  if (r.renumbered.length > 0) {
    table.push({ kind: 'text', text: '' }, {
      kind: 'columns',
      headers: ['Key', 'Side', 'Version', 'Now'],
      rows: r.renumbered.map((x) => [`${x.mount}${x.key}`, x.side, x.from, x.to]),
    });
  }
  if (r.conflicts.length > 0) {
    table.push({ kind: 'text', text: '' }, {
      kind: 'columns',
      headers: ['Where', 'Field', 'Base', 'Ours', 'Theirs'],
      rows: r.conflicts.map((c) => [c.where, c.field, c.base, c.ours, c.theirs]),
    });
  }
  if (r.unmerged.length > 0) table.push({ kind: 'text', text: '' }, { kind: 'text', text: `Unmerged (yours to resolve):\n${r.unmerged.map((p) => `  ${p}`).join('\n')}` });
  const notices = r.resurrected.length === 0 ? [] : [
    `Warning: this merge made ciphertext reachable again that was destroyed on one side (${r.resurrected.map((x) => `${x.where}${x.version ? ` version ${x.version}` : ''}`).join(', ')}).`,
    'Purge it from this clone\'s history before pushing: `kvgit sync --purge` does both.',
  ];
  const exitCode = r.status === 'conflicts' || (r.status === 'store-resolved' && !settledOnly) ? EXIT.STORE_STATE : EXIT.OK;
  return { data: { ...extraData, ...r }, table, notices, exitCode };
}

export default defineCommand({
  name: 'merge',
  group: 'store',
  complete: 'none',
  summary: 'Merges another clone\'s changes into the store, renumbering concurrent versions',
  usage: 'merge [options] [REF]',
  description:
    'Merges REF (a branch, remote-tracking branch, tag or commit) into the store. Keys changed on one side ' +
    'only are taken as they are; a key changed on both sides is merged version by version: versions written ' +
    'concurrently on both sides are put in order of their created_time and renumbered, so none is lost and the ' +
    'later one becomes the newest (its blob is sealed again, because a payload names its version), and the ' +
    'metadata is recomputed and MACed again. A setting changed differently on both sides (custom_metadata, ' +
    'max_versions, …) is a conflict: it is listed with both sides and nothing is written. ' +
    'Branch layout: kvgit makes the merge commit (two parents) on the store\'s branch itself. Directory layout: ' +
    'kvgit runs `git merge REF`, settles the store\'s files in the index and the work tree, and commits when ' +
    'nothing else is unmerged; your own conflicting files stay yours to resolve. Without REF, during a ' +
    '`git merge` or `git pull` that stopped on conflicts in the store, it settles the store\'s files of that ' +
    'merge. Exits 6 when conflicts remain.',
  examples: [
    { cmd: 'git pull; kvgit merge', text: 'Finish a pull that stopped on conflicts in the store:' },
    { cmd: 'kvgit merge origin/kvgit', text: 'Merge a fetched store branch (branch layout):' },
    { cmd: 'kvgit merge --no-commit origin/main', text: 'Settle the store but leave the merge commit to you:' },
  ],
  flags: [{ name: 'no-commit', type: 'bool', usage: 'Directory layout: stage the merged store but do not run `git commit`.' }],

  async run(ctx, input) {
    if (input.args.length > 1) throw usageError(`Too many arguments (expected at most 1, got ${input.args.length})`);
    const store = await ctx.openStore();
    if (store.location.layout === 'branch' && input.args.length === 0) throw usageError('Name what to merge into the store\'s branch, e.g. `kvgit merge origin/kvgit`');
    const { mergeStore } = await import('@kvgit/core');
    const r = await mergeStore(store, { ref: input.args[0], env: ctx.env, commit: input.flags['no-commit'] !== true });
    return mergeResult(r);
  },
});
