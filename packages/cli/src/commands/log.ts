import { defineCommand } from '../command';
import { usageError } from '../errors';
import { intFlag, stringFlag } from '../kv/flags';
import { cleanPath } from '../kv/path';

export default defineCommand({
  name: 'log',
  group: 'store',
  complete: 'paths',
  summary: 'Shows who changed what, from the store\'s commits',
  usage: 'log [options] [PATH]',
  description:
    'Lists kvgit\'s changes, newest first: time, author, operation, path and versions, read from the commit ' +
    'trailers. PATH narrows it to a mount, a key, or (ending in "/") a folder. No value is ever shown.',
  examples: [
    { cmd: 'kvgit log' },
    { cmd: 'kvgit log secret/app/db', text: 'The history of one key:' },
    { cmd: 'kvgit log -n 20 -format=json secret/app/', text: 'The last 20 changes under a folder, as JSON:' },
  ],
  flags: [
    { name: 'limit', aliases: ['n'], type: 'int', usage: 'Show at most this many entries.' },
    { name: 'mount', type: 'string', usage: 'Only this mount (PATH is then relative to it).' },
  ],

  async run(ctx, input) {
    if (input.args.length > 1) throw usageError(`Too many arguments (expected at most 1, got ${input.args.length})`);
    const store = await ctx.openStore();
    const filter: { mount?: string; path?: string; prefix?: boolean; limit?: number } = {};
    const limit = intFlag(input, 'limit');
    if (limit !== undefined && limit > 0) filter.limit = limit;
    const mountFlag = stringFlag(input, 'mount');
    const arg = input.args[0];
    if (arg !== undefined || mountFlag) {
      const full = mountFlag ? `${cleanPath(mountFlag)}/${cleanPath(arg ?? '')}` : cleanPath(arg!);
      const { mount, key } = await store.resolvePath(full);
      filter.mount = mount.path;
      const k = cleanPath(key);
      if (k !== '') {
        filter.path = arg?.endsWith('/') ? `${k}/` : k;
        filter.prefix = arg?.endsWith('/') ?? false;
      }
    }
    const entries = await store.log(filter);
    return {
      data: entries,
      table: [
        {
          kind: 'columns',
          headers: ['Time', 'Commit', 'Author', 'Operation', 'Path', 'Versions'],
          rows: entries.map((e) => [e.time, e.commit.slice(0, 12), e.author.name, e.operation, `${e.mount}${e.path ?? ''}`, e.versions.join(',')]),
        },
      ],
    };
  },
});
