import { defineCommand } from '../command';
import { CliError, ContextError, isCoreError, usageError } from '../errors';
import { EXIT } from '../exitCodes';
import { envelope } from '../kv/envelope';
import { MOUNT_FLAG, intFlag, openPath } from '../kv/flags';
import { apiPath, requireV2 } from '../kv/path';

export default defineCommand({
  name: 'rollback',
  kv: true,
  group: 'kv',
  complete: 'paths',
  summary: 'Rolls back to a previous version of data',
  usage: 'rollback [options] KEY',
  description:
    'Only for KV version 2 mounts. Writes the data of the given version as a new version (with check-and-set ' +
    'against the current one): if the current version is 5 and -version is 2, version 6 holds version 2\'s data.',
  examples: [
    { cmd: 'kvgit rollback -mount=secret -version=2 foo' },
    { cmd: 'kvgit rollback -version=2 secret/foo', text: 'The path-like syntax works too:' },
  ],
  flags: [{ name: 'version', type: 'int', usage: 'The version number that should be made current again (required).' }, MOUNT_FLAG],

  async run(ctx, input) {
    if (input.args.length !== 1) throw usageError(`Invalid number of arguments (expected 1, got ${input.args.length})`);
    const version = intFlag(input, 'version');
    if (version === undefined) throw usageError('Version flag must be specified');
    if (version <= 0) throw usageError(`Invalid value ${version} for the version flag`);
    const { store, path } = await openPath(ctx, input, input.args[0]!);
    requireV2(path, 'K/V engine mount must be version 2 for rollback support', EXIT.API);
    const full = apiPath(path, 'data');

    const read = async (params: { version?: number }) => {
      try {
        return await store.readData(path.mount.path, path.key, params);
      } catch (e) {
        if (isCoreError(e, 'ERR_NOT_FOUND') && e.details.data) return e.details.data as { data: null; metadata: { version: number; deletion_time: string; destroyed: boolean } };
        if (isCoreError(e, 'ERR_NOT_FOUND')) throw new CliError(`No value found at ${full}`, EXIT.API);
        throw new ContextError(`Error doing pre-read at ${full}`, e);
      }
    };
    const current = await read({});
    const target = await read({ version });
    if (target.metadata.deletion_time !== '') throw new CliError('Cannot roll back to a version that has been deleted', EXIT.API);
    if (target.metadata.destroyed) throw new CliError('Cannot roll back to a version that has been destroyed', EXIT.API);
    if (!target.data) throw new CliError(`No data found at ${full}; rollback only works on existing data`, EXIT.API);
    try {
      const metadata = await store.writeData(path.mount.path, path.key, { data: target.data, options: { cas: current.metadata.version } });
      const env = envelope(metadata);
      // kv_rollback.go prints the new version's metadata as a plain Key/Value table.
      return { data: env, envelope: true, table: [{ kind: 'map', map: metadata }] };
    } catch (e) {
      throw new ContextError(`Error writing data to ${full}`, e);
    }
  },
});
