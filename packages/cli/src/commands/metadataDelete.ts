import { defineCommand } from '../command';
import { ContextError, isCoreError } from '../errors';
import { MOUNT_FLAG, oneArg, openPath } from '../kv/flags';
import { apiPath, requireV2 } from '../kv/path';
import { confirmRewrite, receiptNotices } from '../kv/rewrite';

export default defineCommand({
  name: 'metadata delete',
  kv: true,
  group: 'kv',
  complete: 'paths',
  summary: 'Deletes all versions and metadata for a key in the KV store',
  usage: 'metadata delete [options] KEY',
  description:
    'Only for KV version 2 mounts. Deletes the key with all its versions and metadata, for good: their ' +
    'ciphertext is purged from the history as `destroy` does (same receipt, same confirmation on the ' +
    'directory layout).',
  examples: [{ cmd: 'kvgit metadata delete -mount=secret foo' }, { cmd: 'kvgit metadata delete secret/foo', text: 'The path-like syntax works too:' }],
  flags: [MOUNT_FLAG],

  async run(ctx, input) {
    const { store, path } = await openPath(ctx, input, oneArg(input.args));
    requireV2(path, 'Metadata not supported on KV Version 1');
    const full = apiPath(path, 'metadata');
    let receipt;
    const rewrite = confirmRewrite(ctx, `Deleting ${path.mount.path}${path.key} with all its versions`);
    try {
      receipt = await store.deleteMetadata(path.mount.path, path.key, rewrite);
    } catch (e) {
      if (isCoreError(e, 'ERR_CONFIRMATION_REFUSED')) throw e;
      throw new ContextError(`Error deleting ${full}`, e);
    } finally {
      rewrite.finish();
    }
    return { table: [{ kind: 'text', text: `Success! Data deleted (if it existed) at: ${full}` }], notices: receiptNotices(receipt) };
  },
});
