import { defineCommand } from '../command';
import { usageError } from '../errors';
import { EXIT } from '../exitCodes';

export default defineCommand({
  name: 'verify',
  group: 'store',
  complete: 'none',
  summary: 'Checks the whole store and its history',
  usage: 'verify [options]',
  description:
    'Decrypts and authenticates every live version, checks every record\'s MAC and every git object\'s hash, ' +
    'looks for rolled-back metadata, and for ciphertext of destroyed, trimmed or deleted versions still in the ' +
    'history. Changes nothing. Exits 4 when it finds a problem.',
  examples: [{ cmd: 'kvgit verify' }, { cmd: 'kvgit verify -format=json' }],

  async run(ctx, input) {
    if (input.args.length > 0) throw usageError(`Too many arguments (expected 0, got ${input.args.length})`);
    const store = await ctx.openStore();
    const report = await store.verify();
    const summary = { ok: report.ok, mounts: report.mounts, keys: report.keys, versions: report.versions, commits: report.commits, problems: report.problems.length };
    return {
      data: report,
      table: [
        { kind: 'map', map: summary },
        ...(report.problems.length > 0
          ? [{ kind: 'text' as const, text: '' }, { kind: 'columns' as const, headers: ['Code', 'File', 'Problem'], rows: report.problems.map((p) => [p.code, p.file, p.message]) }]
          : []),
      ],
      exitCode: report.ok ? EXIT.OK : EXIT.INTEGRITY,
    };
  },
});
