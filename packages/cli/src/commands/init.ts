import { Store } from '@kvgit/core';
import { defineCommand } from '../command';
import { usageError } from '../errors';
import { PASSPHRASE_STDIN_FLAG, newPassphrase } from '../input/passphrase';
import { stringFlag } from '../kv/flags';

export default defineCommand({
  name: 'init',
  group: 'store',
  complete: 'none',
  summary: 'Creates a store in the repository',
  usage: 'init [options]',
  description:
    'Creates a kvgit store in the git repository around the current folder (or --store DIR), making the ' +
    'repository first if there is none. The "directory" layout keeps the store in a folder of the current ' +
    'branch (reviewed beside the code); the "branch" layout keeps it on its own branch, where writes stay as ' +
    'fast at 10,000 keys as at 100 (no git index entries to rewrite). You become its first ' +
    'member: with your identity from KVGIT_IDENTITY / KVGIT_IDENTITY_FILE / the config folder, or a new one ' +
    'created in the config folder (back it up: without a member\'s identity the store cannot be opened).',
  examples: [
    { cmd: 'kvgit init' },
    { cmd: 'kvgit init --layout branch', text: 'Keep the secrets on a branch of their own:' },
    { cmd: 'kvgit init --member alice --recipient age1…', text: 'Name the first member and give their age recipient:' },
    { cmd: 'kvgit init --no-git-setup', text: 'Without the diff/merge drivers and the commit guard:' },
  ],
  flags: [
    { name: 'layout', type: 'string', values: ['directory', 'branch'], default: 'directory', usage: 'Where the store lives: "directory" (a folder on the current branch) or "branch" (a dedicated branch).' },
    { name: 'dir', type: 'string', default: '.kvgit', usage: 'The store folder, relative to the work tree root ("directory" layout).' },
    { name: 'branch', type: 'string', default: 'kvgit', usage: 'The branch name ("branch" layout).' },
    { name: 'member', type: 'string', usage: 'The first member\'s name (default: your user name).' },
    { name: 'recipient', type: 'string', usage: 'The first member\'s age X25519 recipient (age1…); default: your identity\'s.' },
    { name: 'passphrase', type: 'bool', usage: 'Make the first member a passphrase member: KVGIT_PASSPHRASE, else asked on the terminal (or -passphrase-stdin).' },
    PASSPHRASE_STDIN_FLAG,
    { name: 'no-git-setup', type: 'bool', usage: 'Do not register the diff and merge drivers and the commit guard in this clone (see setup-git).' },
  ],

  async run(ctx, input) {
    if (input.args.length > 0) throw usageError(`Too many arguments (expected 0, got ${input.args.length})`);
    const layout = stringFlag(input, 'layout') ?? 'directory';
    if (layout !== 'directory' && layout !== 'branch') throw usageError(`--layout must be "directory" or "branch", not "${layout}"`);
    const passphrase = input.flags.passphrase === true || input.flags['passphrase-stdin'] === true ? await newPassphrase(ctx, input, 'the first member', true) : undefined;
    const r = await Store.init({
      path: ctx.storePath ?? ctx.cwd,
      env: ctx.env,
      layout,
      storeDir: stringFlag(input, 'dir'),
      branch: stringFlag(input, 'branch'),
      memberName: stringFlag(input, 'member'),
      recipient: stringFlag(input, 'recipient'),
      passphrase,
    });
    const loc = r.store.location;
    const where = loc.layout === 'directory' ? `${loc.worktree}/${loc.prefix.replace(/\/$/, '')}` : `branch ${loc.branchRef!.replace(/^refs\/heads\//, '')} of ${loc.worktree ?? loc.gitdir}`;
    const lines = [`Success! Initialized a kvgit store at ${where} (${loc.layout} layout), with the KV v2 mount secret/.`, `First member: ${r.member} (${passphrase ? 'passphrase' : r.recipient})`];
    if (r.createdIdentity) lines.push(`Created your identity at ${r.createdIdentity}. Back it up: without a member's identity the store cannot be opened.`);
    if (input.flags['no-git-setup'] !== true) {
      // Teams need the drivers and the guard in every clone (docs/TEAMS.md); this one gets them now.
      const { setupGit } = await import('@kvgit/core');
      const { quote, selfCommand } = await import('./setupGit');
      await setupGit(loc, { command: selfCommand(quote), env: ctx.env });
      lines.push('Registered the kvgit diff and merge drivers and the commit guard in this clone (other clones: `kvgit setup-git`).');
    }
    return {
      data: { layout: loc.layout, gitdir: loc.gitdir, worktree: loc.worktree ?? null, prefix: loc.prefix, branch: loc.branchRef ?? null, member: r.member, recipient: r.recipient, created_identity: r.createdIdentity ?? null },
      table: lines.map((text) => ({ kind: 'text' as const, text })),
    };
  },
});
