import { defineCommand } from '../command';
import { oneArg } from '../kv/flags';

export default defineCommand({
  name: 'textconv',
  group: 'store',
  complete: 'files',
  summary: 'Shows a store file as text for `git diff` (run by git)',
  usage: 'textconv FILE',
  description:
    'The diff driver git runs for the store\'s .age files (`diff.kvgit.textconv`, set by `kvgit setup-git`). For ' +
    'a version blob that a member\'s identity opens, it prints the secret\'s path and version and each field: ' +
    'new, changed or unchanged since the previous version, or removed. Values are shown only with ' +
    'KVGIT_DIFF_VALUES=1; otherwise each field carries a keyed fingerprint, so a changed value shows as changed ' +
    'without being printed. Without a member\'s identity it prints only the ciphertext\'s id. Anything that is ' +
    'not an age file is printed unchanged. It never prompts.',
  examples: [{ cmd: 'git log -p -- .kvgit/mounts/secret/app/db.kv', text: 'What a member sees in a diff:' }, { cmd: 'KVGIT_DIFF_VALUES=1 git diff HEAD~1', text: 'With the values:' }],

  async run(ctx, input) {
    const file = oneArg(input.args);
    const { textconv } = await import('@kvgit/core');
    const text = await textconv(file, { cwd: ctx.cwd, env: ctx.env });
    // Git reads these bytes; a file that is not kvgit's passes through byte for byte, so it is not
    // rendered as a result (rendering is text) but written as it is.
    await new Promise<void>((resolve, reject) => ctx.streams.stdout.write(text, (e) => (e ? reject(e) : resolve())));
    return {};
  },
});
