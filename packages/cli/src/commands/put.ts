import { defineCommand } from '../command';
import { ContextError, usageError } from '../errors';
import { parseDataArgs } from '../input/kvData';
import { versionResult } from '../kv/versionResult';
import { MOUNT_FLAG, intFlag, openPath } from '../kv/flags';
import { apiPath } from '../kv/path';

export default defineCommand({
  name: 'put',
  kv: true,
  group: 'kv',
  field: true,
  complete: 'paths',
  summary: 'Sets or updates data in the KV store',
  usage: 'put [options] KEY [DATA]',
  description:
    'Writes the data to the given key as a new version. DATA is `k=v` pairs (values are strings), `k=@file` ' +
    '(the file\'s text), `k=-` (all of stdin), or a bare `-` or `@file.json` holding a JSON object (types kept). ' +
    'Prefer `k=-` or `@file` over `k=v` for real secrets: command-line arguments are visible to other processes.',
  examples: [
    { cmd: 'kvgit put -mount=secret foo bar=baz' },
    { cmd: 'kvgit put secret/foo bar=baz', text: 'The path-like syntax works too:' },
    { cmd: 'kvgit put -mount=secret foo @data.json', text: 'Data from a JSON file:' },
    { cmd: 'echo "abcd1234" | kvgit put -mount=secret foo bar=-', text: 'A value from stdin:' },
    { cmd: 'kvgit put -mount=secret -cas=1 foo bar=baz', text: 'Check-and-set: write only if the current version is 1 (-cas=0: only if the key does not exist):' },
  ],
  flags: [
    {
      name: 'cas',
      type: 'int',
      default: '-1',
      usage: 'Check-and-set: if 0, the write is allowed only if the key does not exist; if above 0, only if the key\'s current version matches. Not sent when below 0.',
    },
    MOUNT_FLAG,
  ],

  async run(ctx, input) {
    if (input.args.length < 1) throw usageError(`Not enough arguments (expected >1, got ${input.args.length})`);
    if (input.args.length === 1) throw usageError('Must supply data');
    const data = await parseDataArgs(input.args.slice(1), { readStdin: ctx.readStdin });
    const { store, path } = await openPath(ctx, input, input.args[0]!);
    const full = apiPath(path, 'data');
    try {
      if (!path.v2) {
        await store.v1Write(path.mount.path, path.key, data);
        return { table: [{ kind: 'text', text: `Success! Data written to: ${full}` }] };
      }
      const cas = intFlag(input, 'cas') ?? -1;
      const metadata = await store.writeData(path.mount.path, path.key, { data, options: cas > -1 ? { cas } : {} });
      return versionResult(full, metadata);
    } catch (e) {
      throw new ContextError(`Error writing data to ${full}`, e);
    }
  },
});
