import { setOwn } from '@kvgit/core/json';
import type { Store } from '@kvgit/core';
import { defineCommand } from '../command';
import { CliError, ContextError, isCoreError, usageError } from '../errors';
import { EXIT } from '../exitCodes';
import { parseDataArgs } from '../input/kvData';
import { MOUNT_FLAG, intFlag, openPath, stringFlag } from '../kv/flags';
import { type KvPath, apiPath, requireV2 } from '../kv/path';
import { versionResult } from '../kv/versionResult';

export default defineCommand({
  name: 'patch',
  kv: true,
  group: 'kv',
  field: true,
  complete: 'paths',
  summary: 'Sets or updates data in the KV store without overwriting',
  usage: 'patch [options] KEY [DATA]',
  description:
    'Only for KV version 2 mounts. Merges the data into the latest version (a JSON merge patch, RFC 7396) and ' +
    'writes the result as a new version. DATA is read as for `put`. -remove-data removes a key. With -method=rw ' +
    'the latest version is read, its top-level keys are replaced by the new ones, and the result is written with ' +
    'check-and-set (Vault\'s pre-1.9 behaviour; a removed key is written as null).',
  examples: [
    { cmd: 'kvgit patch -mount=secret foo bar=baz' },
    { cmd: 'kvgit patch secret/foo bar=baz', text: 'The path-like syntax works too:' },
    { cmd: 'kvgit patch -mount=secret -cas=1 foo bar=baz', text: 'Check-and-set against version 1:' },
    { cmd: 'kvgit patch -mount=secret -remove-data=bar foo', text: 'Remove a key from the data:' },
    { cmd: 'kvgit patch -mount=secret -method=rw foo bar=baz', text: 'Read, update locally, write:' },
  ],
  flags: [
    { name: 'cas', type: 'int', usage: 'Check-and-set: if above 0, the patch is allowed only if the key\'s current version matches.' },
    { name: 'method', type: 'string', values: ['patch', 'rw'], usage: 'How to patch: "patch" (a merge patch, the default) or "rw" (read, update locally, write).' },
    { name: 'remove-data', type: 'strings', usage: 'A key to remove from the data. Repeat the flag for more keys.' },
    MOUNT_FLAG,
  ],

  async run(ctx, input) {
    const removals = (input.flags['remove-data'] as string[] | undefined) ?? [];
    if (input.args.length < 1) throw usageError(`Not enough arguments (expected >1, got ${input.args.length})`);
    if (removals.length === 0 && input.args.length === 1) throw usageError('Must supply data');
    const newData = await parseDataArgs(input.args.slice(1), { readStdin: ctx.readStdin });
    const { store, path } = await openPath(ctx, input, input.args[0]!);
    requireV2(path, 'K/V engine mount must be version 2 for patch support', EXIT.API);
    const full = apiPath(path, 'data');
    for (const k of removals) setOwn(newData, k, null); // a null in a merge patch removes the key

    const method = stringFlag(input, 'method') ?? '';
    if (method === 'rw') return readThenWrite(store, path, full, newData);
    if (method !== '' && method !== 'patch') throw new CliError(`Unsupported method provided to -method flag: ${method}`, EXIT.API);
    const cas = intFlag(input, 'cas') ?? 0;
    try {
      const metadata = await store.patchData(path.mount.path, path.key, { data: newData, options: cas > 0 ? { cas } : {} });
      return versionResult(full, metadata);
    } catch (e) {
      throw new ContextError(`Error writing data to ${full}`, e);
    }
  },
});

/** kv_patch.go#readThenWrite: a shallow update of the latest version, written with cas. */
async function readThenWrite(store: Store, path: KvPath, full: string, newData: Record<string, unknown>) {
  let current;
  try {
    current = await store.readData(path.mount.path, path.key);
  } catch (e) {
    if (isCoreError(e, 'ERR_NOT_FOUND')) {
      if (e.details.data) throw new CliError(`No data found at ${full}; patch only works on existing data`, EXIT.API);
      throw new CliError(`No value found at ${full}`, EXIT.API);
    }
    throw new ContextError(`Error doing pre-read at ${full}`, e);
  }
  try {
    const metadata = await store.writeData(path.mount.path, path.key, { data: { ...current.data, ...newData }, options: { cas: current.metadata.version } });
    return versionResult(full, metadata);
  } catch (e) {
    throw new ContextError(`Error writing data to ${full}`, e);
  }
}
