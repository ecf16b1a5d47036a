import { ownValue } from '@kvgit/core/json';
import { defineCommand } from '../command';
import { CliError, ContextError, isCoreError } from '../errors';
import { EXIT } from '../exitCodes';
import { envelope, rawField } from '../kv/envelope';
import { MOUNT_FLAG, intFlag, oneArg, openPath } from '../kv/flags';
import { apiPath } from '../kv/path';
import type { Block, FieldLookup } from '../output/result';

export default defineCommand({
  name: 'get',
  kv: true,
  group: 'kv',
  field: true,
  complete: 'paths',
  summary: 'Retrieves data from the KV store',
  usage: 'get [options] KEY',
  description:
    'Retrieves the value at the given key. If no key exists with that name, an error is returned (exit 2). ' +
    'A deleted or destroyed version prints its metadata and no data (exit 0); with -field it is an error (exit 2).',
  examples: [
    { cmd: 'kvgit get -mount=secret foo' },
    { cmd: 'kvgit get secret/foo', text: 'The path-like syntax `<mount>/<key>` works too:' },
    { cmd: 'kvgit get -mount=secret -version=1 foo', text: 'A specific version:' },
    { cmd: 'DB_PASSWORD=$(kvgit get -field=password secret/app/db)', text: 'One field, raw (no trailing newline in a pipe), for scripts:' },
  ],
  flags: [{ name: 'version', type: 'int', usage: 'If passed, the value at the version number will be returned.' }, MOUNT_FLAG],

  async run(ctx, input) {
    const { store, path } = await openPath(ctx, input, oneArg(input.args));
    const full = apiPath(path, 'data');

    if (!path.v2) {
      const data = await readOr404(full, () => store.v1Read(path.mount.path, path.key));
      const env = envelope(data);
      return { data: env, envelope: true, table: [{ kind: 'section', title: 'Data', map: data }], field: (n) => rawField(env, n) };
    }

    const version = intFlag(input, 'version') ?? 0;
    // Vault's texts; when a version was asked for, the message names it too.
    const where = version > 0 ? `${full} (version ${version})` : full;
    let body: { data: Record<string, unknown> | null; metadata: Record<string, unknown> };
    try {
      body = await store.readData(path.mount.path, path.key, version > 0 ? { version } : {});
    } catch (e) {
      // A deleted or destroyed version: Vault answers 404 with the metadata, and the CLI shows it.
      if (isCoreError(e, 'ERR_NOT_FOUND') && e.details.data) body = e.details.data as typeof body;
      else if (isCoreError(e, 'ERR_NOT_FOUND')) throw new CliError(`No value found at ${where}`, EXIT.API);
      else throw new ContextError(`Error reading ${where}`, e);
    }
    const env = envelope(body);
    const table: Block[] = [
      { kind: 'path', title: 'Secret Path', path: full },
      { kind: 'section', title: 'Metadata', map: body.metadata },
      { kind: 'text', text: '' },
    ];
    if (body.data) table.push({ kind: 'section', title: 'Data', map: body.data });
    return { data: env, envelope: true, table, field: (name) => dataField(body.data, name, where, () => rawField(env, name)) };
  },
});

/** kv_get.go's -field on KV v2: a key of the secret's data; `data` means the whole map unless a key is named so. */
function dataField(data: Record<string, unknown> | null, name: string, full: string, envelopeField: () => FieldLookup): FieldLookup {
  if (!data) return { error: `No data found at ${full}`, exitCode: EXIT.API };
  if (name === 'data' && !Object.prototype.hasOwnProperty.call(data, 'data')) return envelopeField();
  return { value: ownValue(data, name) };
}

async function readOr404<T>(full: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    if (isCoreError(e, 'ERR_NOT_FOUND')) throw new CliError(`No value found at ${full}`, EXIT.API);
    throw new ContextError(`Error reading ${full}`, e);
  }
}
