import { defineCommand } from '../command';
import { usageError } from '../errors';
import { EXIT } from '../exitCodes';

export default defineCommand({
  name: 'guard',
  group: 'store',
  complete: 'none',
  summary: 'Checks what a commit stages in the store (run by the pre-commit hook)',
  usage: 'guard [options]',
  description:
    'Checks the files a commit would record in the store\'s folder: every .age file must be an age file (never ' +
    'plaintext), every record must parse and pass its integrity check (MAC) and sit at its own place, every ' +
    'version blob must open with the store key and name its own key and version, and nothing else may be there ' +
    '(front ends\' files live under ext/). Without a member\'s identity only the format is checked. Exits 4 and ' +
    'names each file when a check fails, so the hook refuses the commit. `kvgit setup-git` installs it as the ' +
    'pre-commit and pre-merge-commit hooks.',
  examples: [{ cmd: 'kvgit guard', text: 'What the hook runs:' }],

  async run(ctx, input) {
    if (input.args.length > 0) throw usageError(`Too many arguments (expected 0, got ${input.args.length})`);
    const { guardStaged } = await import('@kvgit/core');
    const r = await guardStaged({ cwd: ctx.storePath ?? ctx.cwd, env: ctx.env });
    const notices: string[] = [];
    if (!r.ok) {
      notices.push('kvgit guard: this commit would record files the store must not hold:');
      for (const p of r.problems) notices.push(`  ${p.path} ${p.problem}`);
      notices.push('Unstage them (git restore --staged <file>) or fix them; `git commit --no-verify` skips this check.');
    } else if (r.checked.length > 0 && !r.integrityChecked) {
      notices.push(`kvgit guard: ${r.checked.length} store file(s) checked for format only (no member identity here to check their integrity).`);
    }
    return { data: r, notices, exitCode: r.ok ? EXIT.OK : EXIT.INTEGRITY };
  },
});
