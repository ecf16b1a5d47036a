import { defineCommand } from '../command';
import { ContextError, isCoreError, usageError } from '../errors';
import { MOUNT_FLAG, VERSIONS_FLAG, oneArg, openPath, versionsFlag } from '../kv/flags';
import { apiPath, requireV2 } from '../kv/path';
import { confirmRewrite, receiptNotices } from '../kv/rewrite';

export default defineCommand({
  name: 'destroy',
  kv: true,
  group: 'kv',
  complete: 'paths',
  summary: 'Permanently removes one or more versions in the KV store',
  usage: 'destroy [options] KEY',
  description:
    'Only for KV version 2 mounts. Destroys the given versions: their data is removed for good, and kvgit also ' +
    'purges their ciphertext from every commit, reflog and pack of the repository. The receipt on stderr says ' +
    'what was rewritten and what kvgit cannot reach (remotes, other clones). On the directory layout this ' +
    'rewrites the code branch, so kvgit asks first (-y to skip; required when stdin is not a terminal).',
  examples: [
    { cmd: 'kvgit destroy -mount=secret -versions=11 foo', text: 'Destroy version 11 of the key "foo":' },
    { cmd: 'kvgit destroy -versions=11,12 secret/foo', text: 'The path-like syntax works too:' },
  ],
  flags: [{ ...VERSIONS_FLAG, usage: 'The version numbers to destroy (required).' }, MOUNT_FLAG],

  async run(ctx, input) {
    const arg = oneArg(input.args);
    const versions = versionsFlag(input);
    if (versions.length === 0) throw usageError('No versions provided, use the "-versions" flag to specify the version to destroy.');
    const { store, path } = await openPath(ctx, input, arg);
    requireV2(path, 'Destroy not supported on KV Version 1');
    const full = apiPath(path, 'destroy');
    let receipt;
    const rewrite = confirmRewrite(ctx, `Destroying versions ${versions.join(',')} of ${path.mount.path}${path.key}`);
    try {
      receipt = await store.destroyVersions(path.mount.path, path.key, { versions }, rewrite);
    } catch (e) {
      if (isCoreError(e, 'ERR_CONFIRMATION_REFUSED')) throw e;
      throw new ContextError(`Error writing data to ${full}`, e);
    } finally {
      rewrite.finish();
    }
    return { table: [{ kind: 'text', text: `Success! Data written to: ${full}` }], notices: receiptNotices(receipt) };
  },
});
