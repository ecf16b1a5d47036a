/**
 * Bulk work: import of N secrets (one `kvgit import` of a JSON file) against the loop a pass user
 * writes (N × `pass insert`), and rotation of a store (`kvgit rotate`, or the core's
 * Store.rotate in a fresh process while the CLI lacks it) against `pass init <new key>`, which
 * re-encrypts every file of a pass store.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ctx } from '../lib/context';
import { MOUNT, gpgFingerprints, type KvStore, type PassStore } from '../lib/gen';
import { run } from '../lib/proc';
import { type Cmd, sample, stat } from '../lib/sample';
import { type Section, fmtMs, ratio, ratioCell, table, timeCell } from '../lib/report';

export function importSuite(ctx: Ctx, emptyKv: string, emptyPass: string | undefined, count: number, rounds: number): { section: Section; cmd: Cmd } {
  const entries: Record<string, unknown> = {};
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `imported/app-${String(Math.floor(i / 50)).padStart(2, '0')}/k-${String(i).padStart(4, '0')}`;
    const password = `imp-${i}-${(i * 2654435761 % 4294967296).toString(36)}`;
    entries[`${MOUNT}${name}`] = { user: `u${i}`, password };
    lines.push(`${name} ${password}`);
  }
  const json = join(ctx.tmp, 'import.json');
  writeFileSync(json, JSON.stringify(entries));
  const list = join(ctx.tmp, 'import.txt');
  writeFileSync(list, `${lines.join('\n')}\n`);
  const kvWork = join(ctx.tmp, 'import-kv');
  const kv: Cmd = {
    id: 'kvgit-import', argv: [...ctx.kvgit, 'import', json], cwd: kvWork, env: ctx.env,
    prepare: () => { run('rm', ['-rf', kvWork]); run('cp', ['-a', emptyKv, kvWork]); },
  };
  const cmds: Cmd[] = [kv];
  if (emptyPass) {
    const passWork = join(ctx.tmp, 'import-pass');
    cmds.push({
      id: 'pass-insert-loop', argv: ['sh', '-c', `while read -r name value; do printf '%s\\n' "$value" | pass insert -m -f "$name" >/dev/null || exit 1; done < "${list}"`],
      env: { ...ctx.env, PASSWORD_STORE_DIR: passWork },
      prepare: () => { run('rm', ['-rf', passWork]); run('cp', ['-a', emptyPass, passWork]); },
    });
  }
  ctx.log(`import: ${count} secrets, ${rounds} rounds`);
  const s = sample(cmds, { rounds, warmup: 0, raw: true, log: ctx.log });
  const k = s.get('kvgit-import');
  const per = k ? stat(k.ms).median / count : NaN;
  const body = [
    `${count} secrets (two fields each) into a fresh store: \`kvgit import file.json\` (one commit per secret) vs a shell loop of \`pass insert -m -f\` (one gpg encryption and one git commit per secret). ${rounds} paired rounds.`, '',
    ...table(['', 'time (p25–p75)', 'per secret', 'ratio'], [
      ['`kvgit import`', timeCell(k), fmtMs(per), ratioCell(ratio(k, s.get('pass-insert-loop')))],
      ['`pass insert` loop', timeCell(s.get('pass-insert-loop')), fmtMs(s.get('pass-insert-loop') ? stat(s.get('pass-insert-loop')!.ms).median / count : NaN), '1'],
    ]),
  ];
  return { section: { title: `Import of ${count} secrets`, body, targets: [] }, cmd: kv };
}

export function rotateSuite(ctx: Ctx, store: KvStore, pass: PassStore | undefined, rounds: number): { section: Section; cmd: Cmd } {
  const cliHasRotate = run(ctx.kvgit[0]!, [...ctx.kvgit.slice(1), 'rotate', '--help'], { env: ctx.env, allowFail: true }).status === 0;
  const kvWork = join(ctx.tmp, 'rotate-kv');
  const argv = cliHasRotate ? [...ctx.kvgit, 'rotate'] : [process.execPath, join(ctx.repoRoot, 'bench/.build/core-op.mjs'), 'rotate', kvWork];
  const kv: Cmd = { id: 'kvgit-rotate', argv, cwd: kvWork, env: ctx.env, prepare: () => { run('rm', ['-rf', kvWork]); run('cp', ['-a', store.dir, kvWork]); } };
  const cmds: Cmd[] = [kv];
  if (pass) {
    const passWork = join(ctx.tmp, 'rotate-pass');
    const fprs = gpgFingerprints(ctx);
    cmds.push({ id: 'pass-init', argv: ['pass', 'init', fprs[1]!], env: { ...pass.env, PASSWORD_STORE_DIR: passWork }, prepare: () => { run('rm', ['-rf', passWork]); run('cp', ['-a', pass.dir, passWork]); } });
  }
  ctx.log(`rotate: ${store.keys} keys × ${store.versions} versions, ${rounds} rounds (${cliHasRotate ? 'kvgit rotate' : 'core Store.rotate(): the CLI has no rotate yet'})`);
  const s = sample(cmds, { rounds, warmup: 0, raw: true, log: ctx.log });
  const k = s.get('kvgit-rotate');
  const live = store.keys * store.versions;
  const body = [
    `${cliHasRotate ? '`kvgit rotate`' : '`Store.rotate()` of the core in a fresh Node process (the CLI has no `rotate` command yet)'} on a copy of the ${store.keys}-key store: a new store key, every live version re-encrypted (${live} blobs) and every record re-MACed, one commit. Peer: \`pass init <second key>\` on a copy of the ${pass?.keys ?? '–'}-key pass store (re-encrypts ${pass?.keys ?? '–'} files, latest values only; pass keeps no versions), one git commit. ${rounds} paired rounds.`, '',
    ...table(['', 'time (p25–p75)', 'per blob / file', 'ratio'], [
      ['kvgit rotate', timeCell(k), fmtMs(k ? stat(k.ms).median / live : NaN), ratioCell(ratio(k, s.get('pass-init')))],
      ['`pass init` (re-encrypt)', timeCell(s.get('pass-init')), fmtMs(s.get('pass-init') && pass ? stat(s.get('pass-init')!.ms).median / pass.keys : NaN), '1'],
    ]),
  ];
  return { section: { title: `Rotate a ${store.keys}-key store`, body, targets: [] }, cmd: kv };
}
