import { defineCommand } from '../command';
import { usageError } from '../errors';

export default defineCommand({
  name: 'merge-driver',
  group: 'store',
  complete: 'files',
  summary: 'Merges one store file for `git merge` (run by git)',
  usage: 'merge-driver BASE OURS THEIRS PATH',
  description:
    'The merge driver git runs for the store\'s files (`merge.kvgit.driver`, set by `kvgit setup-git`, as ' +
    '`kvgit merge-driver %O %A %B %P`). It merges a key\'s metadata.json (deletions, destroys, settings, new ' +
    'versions on one side), mounts.json and keyring.json, and two copies of one version. When both sides wrote ' +
    'versions under the same numbers it exits 1 and leaves ours in place: `kvgit merge` then renumbers them. It ' +
    'never prompts and never waits for the store\'s lock.',
  examples: [{ cmd: 'git config merge.kvgit.driver "kvgit merge-driver %O %A %B %P"' }],

  async run(ctx, input) {
    if (input.args.length !== 4) throw usageError(`Expected 4 arguments (BASE OURS THEIRS PATH), got ${input.args.length}`);
    const [base, ours, theirs, path] = input.args as [string, string, string, string];
    const { runMergeDriver } = await import('@kvgit/core');
    const r = await runMergeDriver({ base, ours, theirs, path }, { cwd: ctx.cwd, env: ctx.env });
    const notices = [`kvgit: ${r.message}`, ...r.conflicts.map((c) => `  ${c.where} ${c.field}: base ${c.base}, ours ${c.ours}, theirs ${c.theirs}`)];
    return { data: r, notices, exitCode: r.merged ? 0 : 1 };
  },
});
