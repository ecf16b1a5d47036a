/**
 * Opening the store, loaded on first use so `help` and `version` never load the core. Named
 * imports (not `import('@kvgit/core')`) let the bundler leave out what only other commands use.
 */
import { Store, parseDurationSeconds } from '@kvgit/core';
import { usageError } from './errors';

export async function openStore(path: string, env: NodeJS.ProcessEnv, askPassphrase?: () => Promise<string | undefined>): Promise<Store> {
  // KVGIT_LOCK_TIMEOUT: how long a write waits for another writer (a duration; default 30s).
  const timeout = env.KVGIT_LOCK_TIMEOUT;
  let lockTimeoutMs: number | undefined;
  if (timeout) {
    try {
      lockTimeoutMs = parseDurationSeconds(timeout) * 1000;
    } catch {
      throw usageError(`KVGIT_LOCK_TIMEOUT: invalid duration "${timeout}"`);
    }
  }
  return Store.open({ path, env, lockTimeoutMs, askPassphrase });
}
