import { defineCommand } from '../command';
import { ContextError } from '../errors';
import { MOUNT_FLAG, openPath } from '../kv/flags';
import { listArg } from '../kv/listArgs';
import { keysResult, noKeysResult } from '../kv/listResult';
import { apiPath } from '../kv/path';
import { compareBytes } from '../output/goValue';

export default defineCommand({
  name: 'scan',
  kv: true,
  group: 'kv',
  complete: 'paths',
  summary: 'Recursively lists the keys below a path (OpenBao)',
  usage: 'scan [options] PATH',
  description: 'Lists every key below the given path, at any depth, relative to it (OpenBao\'s `bao kv scan`). Nothing there is an error (exit 2).',
  examples: [{ cmd: 'kvgit scan secret/my-app/' }, { cmd: 'kvgit scan -mount=secret', text: 'Every key of a mount:' }],
  flags: [MOUNT_FLAG],

  async run(ctx, input) {
    const { store, path } = await openPath(ctx, input, listArg(input));
    const full = apiPath(path, 'metadata');
    let keys: string[];
    try {
      keys = await store.scan(path.mount.path, path.key);
    } catch (e) {
      throw new ContextError(`Error scanning ${full}`, e);
    }
    return keys.length > 0 ? keysResult([...keys].sort(compareBytes)) : noKeysResult(`No entries found at ${full}`);
  },
});
