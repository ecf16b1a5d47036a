/**
 * Unlock cost, inside one fresh process: the first X25519 unlock (cold code), then warm ones
 * (lock() between); a passphrase member's unlock (scrypt, work factor 2^18) and scrypt alone;
 * and one version blob opened by kvgit's crypto module vs node:crypto's native primitives only.
 * The store is opened through the CLI's bundle as bin/kvgit.cjs loads it (with its code cache),
 * so the first unlock costs what it costs inside a `kvgit` command.
 *   node unlock.mjs <store dir> <passphrase store dir|-> <blob file> <store identity file>
 * Prints JSON.
 */
import { readFileSync } from 'node:fs';
import { scryptSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openWithIdentity } from '../../packages/core/src/crypto/age';
import { bech32Bytes, decryptX25519, x25519PrivateKey } from '../lib/age';

const [dir, ppDir, blobFile, idFile] = process.argv.slice(2);
const out: Record<string, unknown> = {};
const t = async (fn: () => Promise<unknown>) => {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const cliDir = join(dirname(fileURLToPath(import.meta.url)), 'kvgit');
const { load } = createRequire(import.meta.url)(join(cliDir, 'bin', 'kvgit.cjs')) as { load: (bundle: string, cacheFile?: string) => { exports: { loadCore: () => Promise<typeof import('@kvgit/core')> } } };
const { Store } = await load(join(cliDir, 'dist', 'kvgit.cjs'), join(cliDir, 'dist', 'kvgit.cache')).exports.loadCore();
const store = await Store.open({ path: dir, env: process.env });
out.x25519First = await t(() => store.unlock());
const warm: number[] = [];
for (let i = 0; i < 20; i++) {
  store.lock();
  warm.push(await t(() => store.unlock()));
}
out.x25519Warm = median(warm);

if (ppDir && ppDir !== '-') {
  const env = { ...process.env, KVGIT_IDENTITY: undefined, KVGIT_PASSPHRASE: process.env.BENCH_PASSPHRASE };
  delete env.KVGIT_IDENTITY;
  const pp = await Store.open({ path: ppDir, env });
  const times: number[] = [];
  for (let i = 0; i < 1; i++) {
    pp.lock();
    times.push(await t(() => pp.unlock()));
  }
  out.passphrase = times;
  const salt = Buffer.alloc(16, 1);
  const s: number[] = [];
  for (let i = 0; i < 1; i++) s.push(await t(async () => scryptSync('correct horse battery staple', salt, 32, { N: 2 ** 18, r: 8, p: 1, maxmem: 2 ** 29 })));
  out.scryptNative = s;
}

const blob = readFileSync(blobFile!);
const storeIdentity = readFileSync(idFile!, 'utf8').trim();
out.ageJsFirst = await t(() => openWithIdentity(storeIdentity, blob));
const js: number[] = [];
for (let i = 0; i < 50; i++) js.push(await t(() => openWithIdentity(storeIdentity, blob)));
out.ageJs = median(js);
const key = x25519PrivateKey(bech32Bytes(storeIdentity));
const nat: number[] = [];
out.ageNativeFirst = await t(async () => decryptX25519(key, blob));
for (let i = 0; i < 50; i++) nat.push(await t(async () => decryptX25519(key, blob)));
out.ageNative = median(nat);
const opened = decryptX25519(key, blob).toString();
out.nativeMatches = opened === Buffer.from((await openWithIdentity(storeIdentity, blob))!).toString();
process.stdout.write(`${JSON.stringify(out)}\n`);
