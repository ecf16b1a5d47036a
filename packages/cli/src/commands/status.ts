import { defineCommand } from '../command';
import { isCoreError, usageError } from '../errors';
import { EXIT } from '../exitCodes';

export default defineCommand({
  name: 'status',
  group: 'store',
  complete: 'none',
  summary: 'Shows the store, its mounts, and whether you can open it',
  usage: 'status [options]',
  description:
    'Prints where the store is, its layout, branch and newest commit, its mounts and members, and which member ' +
    'your identity unlocks it as. Exits 3 when no identity of yours opens the store, so a pre-deploy hook can ' +
    'check it first.',
  examples: [{ cmd: 'kvgit status' }, { cmd: 'kvgit status -format=json' }],

  async run(ctx, input) {
    if (input.args.length > 0) throw usageError(`Too many arguments (expected 0, got ${input.args.length})`);
    const store = await ctx.openStore();
    const loc = store.location;
    const info: Record<string, unknown> = {
      layout: loc.layout,
      location: loc.layout === 'directory' ? `${loc.worktree}/${loc.prefix.replace(/\/$/, '')}` : loc.worktree ?? loc.gitdir,
      // A detached HEAD (a CI checkout) has no branch: reads work there, writes do not.
      branch: (await store.storage.ref().catch(() => '(detached HEAD)')).replace(/^refs\/heads\//, ''),
      head: (await store.storage.head()) ?? '',
    };
    try {
      const who = await store.unlock();
      info.member = who.member;
      info.identity_source = who.source;
    } catch (e) {
      if (!isCoreError(e, 'ERR_NO_IDENTITY') && !isCoreError(e, 'ERR_NOT_A_MEMBER')) throw e;
      info.member = '';
      return { data: info, table: [{ kind: 'map', map: info }], notices: [e.message], exitCode: EXIT.NO_IDENTITY };
    }
    const mounts = await store.mounts();
    const members = await store.members();
    info.mounts = mounts.map((m) => `${m.path} (kv v${m.version})`).join(', ');
    info.members = members.map((m) => m.name).join(', ');
    return { data: { ...info, mounts: mounts.map((m) => ({ path: m.path, version: m.version })), members: members.map((m) => m.name) }, table: [{ kind: 'map', map: info }] };
  },
});
