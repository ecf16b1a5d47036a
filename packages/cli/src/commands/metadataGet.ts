import { defineCommand } from '../command';
import { CliError, ContextError, isCoreError } from '../errors';
import { EXIT } from '../exitCodes';
import { envelope } from '../kv/envelope';
import { MOUNT_FLAG, oneArg, openPath } from '../kv/flags';
import { apiPath, requireV2 } from '../kv/path';
import type { Block } from '../output/result';

export default defineCommand({
  name: 'metadata get',
  kv: true,
  group: 'kv',
  complete: 'paths',
  summary: 'Retrieves key metadata from the KV store',
  usage: 'metadata get [options] KEY',
  description: 'Only for KV version 2 mounts. Prints the key\'s settings and the metadata of every version it keeps.',
  examples: [{ cmd: 'kvgit metadata get -mount=secret foo' }, { cmd: 'kvgit metadata get secret/foo', text: 'The path-like syntax works too:' }],
  flags: [MOUNT_FLAG],

  async run(ctx, input) {
    const { store, path } = await openPath(ctx, input, oneArg(input.args));
    requireV2(path, 'Metadata not supported on KV Version 1');
    const full = apiPath(path, 'metadata');
    let meta: Record<string, unknown> & { versions: Record<string, Record<string, unknown>> };
    try {
      meta = await store.readMetadata(path.mount.path, path.key);
    } catch (e) {
      if (isCoreError(e, 'ERR_NOT_FOUND')) throw new CliError(`No value found at ${full}`, EXIT.API);
      throw new ContextError(`Error reading ${full}`, e);
    }
    const { versions, ...settings } = meta;
    const table: Block[] = [
      { kind: 'path', title: 'Metadata Path', path: full },
      { kind: 'section', title: 'Metadata', map: settings },
    ];
    for (const n of Object.keys(versions).map(Number).sort((a, b) => a - b)) {
      table.push({ kind: 'section', title: `Version ${n}`, map: versions[String(n)]!, blankBefore: true });
    }
    return { data: envelope(meta), envelope: true, table };
  },
});
