/**
 * Unlock cost: the X25519 path (first unlock in a fresh process, and warm), the passphrase path
 * (age scrypt recipient, work factor 2^18) and scrypt alone; plus one version blob opened by
 * the kvgit crypto module against node:crypto's native primitives only (evidence for a fix).
 */
import { join } from 'node:path';
import { Store } from '@kvgit/core';
import type { Ctx } from '../lib/context';
import { initStore } from '../lib/gen';
import { run } from '../lib/proc';
import { stat } from '../lib/sample';
import { type Section, fmtMs, fmtRatio, table } from '../lib/report';

const PASSPHRASE = 'correct horse battery staple (bench)';

export async function unlockSuite(ctx: Ctx, storeDir: string, blobFile: string, idFile: string, runs: number): Promise<Section> {
  const pp = join(ctx.tmp, 'passphrase-store');
  initStore(ctx, pp);
  const t0 = performance.now();
  const s = await Store.open({ path: pp, env: ctx.env });
  await s.addPassphraseMember('ci', PASSPHRASE);
  const addMs = performance.now() - t0;
  const results: Array<Record<string, number | number[] | boolean>> = [];
  let error: string | undefined;
  for (let i = 0; i < runs; i++) {
    const r = run(process.execPath, [join(ctx.repoRoot, 'bench/.build/unlock.mjs'), storeDir, pp, blobFile, idFile], { env: { ...ctx.env, BENCH_PASSPHRASE: PASSPHRASE }, allowFail: true });
    if (r.status !== 0) { error = r.stderr.trim().split('\n').slice(-3).join(' '); break; }
    results.push(JSON.parse(r.stdout));
  }
  ctx.log(`unlock: ${results.length} fresh processes${error ? `; failed: ${error}` : ''}`);
  const col = (k: string) => results.flatMap((r) => (Array.isArray(r[k]) ? (r[k] as number[]) : [r[k] as number]));
  const cell = (k: string) => { const st = stat(col(k)); return `${fmtMs(st.median)} (${fmtMs(st.min)}–${fmtMs(st.max)})`; };
  const first = stat(col('x25519First')).median;
  const warm = stat(col('x25519Warm')).median;
  const body = error && results.length === 0 ? [`not measured: ${error}`] : [
    `In-process timings (performance.now around \`Store.unlock()\`, the store key unwrapped and the keyring's MAC checked) in ${results.length} fresh Node processes; median (min–max).`, '',
    ...table(['what', 'time'], [
      ['X25519 member: first unlock in a fresh process (what each CLI call pays)', cell('x25519First')],
      ['X25519 member: warm unlock (after `lock()`, same process)', cell('x25519Warm')],
      ['passphrase member (scrypt 2^18): unlock', cell('passphrase')],
      ['node:crypto scrypt 2^18 alone (r=8, p=1)', cell('scryptNative')],
      ['adding a passphrase member (`addPassphraseMember`, one scrypt seal)', fmtMs(addMs)],
      ['open one version blob: the kvgit crypto module (packages/core/src/crypto/age.ts), first call', cell('ageJsFirst')],
      ['open one version blob: the kvgit crypto module, warm', cell('ageJs')],
      ['open one version blob: node:crypto only (X25519, HKDF, HMAC, ChaCha20-Poly1305; bench/lib/age.ts), first call', cell('ageNativeFirst')],
      ['open one version blob: node:crypto, warm', cell('ageNative')],
    ]),
    '',
    `Native decryption opens the same plaintext: ${results.every((r) => r.nativeMatches === true) ? 'yes' : 'NO'}. kvgit / node:crypto-only (warm): ${fmtRatio(stat(col('ageJs')).median / stat(col('ageNative')).median)}.`,
  ];
  return {
    title: 'Unlock cost',
    body,
    targets: [{
      name: 'unlock, X25519 path (first in a fresh process)', goal: '≤ 5 ms ("a few ms at most")',
      measured: results.length ? `${fmtMs(first)} (warm ${fmtMs(warm)}); passphrase 2^18: ${fmtMs(stat(col('passphrase')).median)}` : `not measured: ${error}`,
      met: results.length ? first <= 5 : undefined,
    }],
  };
}
