import { defineCommand } from '../command';
import { CliError, ContextError, isCoreError } from '../errors';
import { EXIT } from '../exitCodes';
import { envelope, rawField } from '../kv/envelope';
import { MOUNT_FLAG, intFlag, oneArg, openPath } from '../kv/flags';
import { apiPath, requireV2 } from '../kv/path';
import type { Block } from '../output/result';

export default defineCommand({
  name: 'subkeys',
  kv: true,
  group: 'kv',
  field: true,
  complete: 'paths',
  summary: 'Shows the structure of a secret without its values',
  usage: 'subkeys [options] KEY',
  description:
    'Only for KV version 2 mounts. Prints the keys of a secret\'s data, nested objects down to -depth, with every ' +
    'value replaced by null (the subkeys endpoint). Safe to show: no value is revealed.',
  examples: [
    { cmd: 'kvgit subkeys secret/app/db' },
    { cmd: 'kvgit subkeys -depth=1 -version=2 -format=json secret/app/db', text: 'Only the top level of version 2, as JSON:' },
  ],
  flags: [
    { name: 'version', type: 'int', usage: 'The version to describe (default: the latest).' },
    { name: 'depth', type: 'int', usage: 'How deep to descend into nested objects; 0 (the default) means no limit.' },
    MOUNT_FLAG,
  ],

  async run(ctx, input) {
    const { store, path } = await openPath(ctx, input, oneArg(input.args));
    requireV2(path, 'Subkeys not supported on KV Version 1');
    const full = apiPath(path, 'subkeys');
    const params: Record<string, number> = {};
    const version = intFlag(input, 'version');
    const depth = intFlag(input, 'depth');
    if (version !== undefined && version > 0) params.version = version;
    if (depth !== undefined) params.depth = depth;
    let body: { subkeys: Record<string, unknown> | null; metadata: Record<string, unknown> };
    try {
      body = await store.readSubkeys(path.mount.path, path.key, params);
    } catch (e) {
      if (isCoreError(e, 'ERR_NOT_FOUND') && e.details.data) body = e.details.data as typeof body;
      else if (isCoreError(e, 'ERR_NOT_FOUND')) throw new CliError(`No value found at ${full}`, EXIT.API);
      else throw new ContextError(`Error reading ${full}`, e);
    }
    const env = envelope(body);
    const table: Block[] = [
      { kind: 'path', title: 'Secret Path', path: full },
      { kind: 'section', title: 'Metadata', map: body.metadata },
      { kind: 'text', text: '' },
    ];
    if (body.subkeys) table.push({ kind: 'section', title: 'Subkeys', map: body.subkeys });
    return { data: env, envelope: true, table, field: (n) => rawField(env, n) };
  },
});
