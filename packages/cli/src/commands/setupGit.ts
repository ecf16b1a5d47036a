import { defineCommand } from '../command';
import { usageError } from '../errors';
import { stringFlag } from '../kv/flags';

/** How git is to run this kvgit: the Node binary and the script it was started with. */
export function selfCommand(quote: (s: string) => string): string {
  return [process.execPath, process.argv[1]!].map(quote).join(' ');
}

export const quote = (s: string) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export default defineCommand({
  name: 'setup-git',
  group: 'store',
  complete: 'none',
  summary: 'Registers kvgit\'s diff and merge drivers and the commit guard in this clone',
  usage: 'setup-git [options]',
  description:
    'Sets up this clone for a team (docs/TEAMS.md): the store\'s files get the kvgit diff driver (`git diff` and ' +
    '`git log -p` show a member the fields a version changed) and merge driver in .git/info/attributes; ' +
    'diff.kvgit.textconv and merge.kvgit.driver are set in the repository\'s config; and `kvgit guard` becomes ' +
    'the pre-commit and pre-merge-commit hook (an existing hook of yours is kept: add `kvgit guard` to it). ' +
    'Run it once in each clone; running it again updates it.',
  examples: [{ cmd: 'kvgit setup-git' }, { cmd: 'kvgit setup-git --command kvgit', text: 'When kvgit is on every user\'s PATH:' }],
  flags: [
    { name: 'command', type: 'string', usage: 'How git runs kvgit (shell words); default: this Node and this kvgit, by absolute path.' },
    { name: 'no-hooks', type: 'bool', usage: 'Do not install the guard hooks.' },
  ],

  async run(ctx, input) {
    if (input.args.length > 0) throw usageError(`Too many arguments (expected 0, got ${input.args.length})`);
    const store = await ctx.openStore();
    const { setupGit } = await import('@kvgit/core');
    const r = await setupGit(store.location, { command: stringFlag(input, 'command') ?? selfCommand(quote), env: ctx.env, hooks: input.flags['no-hooks'] !== true });
    const lines = [`Attributes in ${r.attributesFile}:`, ...r.attributes.map((a) => `  ${a}`), 'Git config (this repository):', ...Object.entries(r.config).map(([k, v]) => `  ${k} = ${v}`)];
    for (const h of r.hooks) {
      if (h.status === 'kept-existing') lines.push(`Hook ${h.hook}: yours is kept (${h.path}); add \`kvgit guard\` to it.`);
      else if (h.status === 'hooks-path') lines.push(`Hook ${h.hook}: core.hooksPath manages hooks here; add \`kvgit guard\` to ${h.path}.`);
      else lines.push(`Hook ${h.hook}: ${h.status} (${h.path}).`);
    }
    return { data: r, table: lines.map((text) => ({ kind: 'text' as const, text })) };
  },
});
