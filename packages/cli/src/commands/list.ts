import { defineCommand } from '../command';
import { ContextError, isCoreError } from '../errors';
import { MOUNT_FLAG, openPath } from '../kv/flags';
import { listArg } from '../kv/listArgs';
import { keysResult, noKeysResult } from '../kv/listResult';
import { apiPath } from '../kv/path';

export default defineCommand({
  name: 'list',
  kv: true,
  group: 'kv',
  complete: 'paths',
  summary: 'List data or secrets',
  usage: 'list [options] PATH',
  description: 'Lists the keys and folders (ending in "/") directly under the given path. Nothing there is an error (exit 2).',
  examples: [
    { cmd: 'kvgit list secret/my-app/', text: 'The keys under the "my-app" folder:' },
    { cmd: 'kvgit list -mount=secret', text: 'The root of a mount:' },
  ],
  flags: [MOUNT_FLAG],

  async run(ctx, input) {
    const { store, path } = await openPath(ctx, input, listArg(input));
    const full = apiPath(path, 'metadata');
    try {
      return keysResult(await store.list(path.mount.path, path.key));
    } catch (e) {
      if (isCoreError(e, 'ERR_NOT_FOUND')) return noKeysResult(`No value found at ${full}`);
      throw new ContextError(`Error listing ${full}`, e);
    }
  },
});
