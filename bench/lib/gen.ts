/**
 * Test data, built fast and for real. A kvgit store of N keys × V versions is made as kvgit
 * itself would leave it after N·V puts (one commit per version, with kvgit's commit messages,
 * metadata and MACs per docs/FORMAT.md), streamed into `git fast-import` instead of N·V CLI calls,
 * then packed as a clone would be and checked out. A pass store of the same N names is encrypted
 * by gpg in one batch and committed. Every store is read back by the real tools before use.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { bech32Bytes, decryptX25519, encryptX25519, x25519PrivateKey, x25519PublicKey } from './age';
import { keyDir, macKey, metadataRecord, putMessage, versionPayload } from './format';
import { run } from './proc';
import type { Ctx } from './context';

export const MOUNT = 'secret/';
export const GROUP = 100;

/** The i-th key's name: folders of 100 keys ("svc-000/key-00" …). */
export function keyName(i: number): string {
  return `svc-${String(Math.floor(i / GROUP)).padStart(3, '0')}/key-${String(i % GROUP).padStart(2, '0')}`;
}

/** The synthetic value of version v of key i. */
export function value(i: number, v: number): { user: string; password: string } {
  return { user: `user-${i}`, password: `pw-${i}-${v}-${(i * 7919 + v * 104729).toString(36).padStart(12, 'x')}` };
}

export interface KvStore {
  dir: string;
  keys: number;
  versions: number;
  commits: number;
  /** The store identity (AGE-SECRET-KEY-1…), unwrapped with the member identity. */
  storeIdentity: string;
  mountUuid: string;
  packBytes: number;
  genSeconds: number;
}

/** An empty store made by `kvgit init` in a new repository holding one code commit. */
export function initStore(ctx: Ctx, dir: string): void {
  mkdirSync(dir, { recursive: true });
  run('git', ['init', '-q', '-b', 'main', dir], { env: ctx.env });
  writeFileSync(join(dir, 'README.md'), '# app\n');
  run('git', ['add', 'README.md'], { cwd: dir, env: ctx.env });
  run('git', ['commit', '-q', '-m', 'code'], { cwd: dir, env: ctx.env });
  run(ctx.kvgit[0]!, [...ctx.kvgit.slice(1), 'init'], { cwd: dir, env: ctx.env });
}

export function storeSecrets(ctx: Ctx, dir: string): { storeIdentity: string; storeRecipient: string; mountUuid: string } {
  const show = (p: string) => run('git', ['show', `HEAD:.kvgit/${p}`], { cwd: dir, env: ctx.env }).stdout;
  const keyring = JSON.parse(show('keyring.json'));
  const member = Object.keys(keyring.members)[0]!;
  // Binary: through a file, not a string.
  const tmpFile = join(ctx.tmp, `wrapped-${process.pid}.age`);
  run('sh', ['-c', `git cat-file blob HEAD:.kvgit/keyring/${member}.age > "${tmpFile}"`], { cwd: dir, env: ctx.env });
  const storeIdentity = decryptX25519(x25519PrivateKey(bech32Bytes(ctx.identity)), readFileSync(tmpFile)).toString('utf8').trim();
  rmSync(tmpFile);
  const mounts = JSON.parse(show('mounts.json'));
  return { storeIdentity, storeRecipient: keyring.store_recipient, mountUuid: mounts.mounts[MOUNT].uuid };
}

async function write(stream: NodeJS.WritableStream, chunk: Buffer | string): Promise<void> {
  if (!stream.write(chunk)) await new Promise((r) => stream.once('drain', r));
}

export async function makeKvStore(ctx: Ctx, dir: string, keys: number, versions: number): Promise<KvStore> {
  const t0 = performance.now();
  initStore(ctx, dir);
  const { storeIdentity, storeRecipient, mountUuid } = storeSecrets(ctx, dir);
  const mk = macKey(storeIdentity);
  const recipient = { raw: bech32Bytes(storeRecipient), key: x25519PublicKey(bech32Bytes(storeRecipient)) };
  const head = run('git', ['rev-parse', 'HEAD'], { cwd: dir, env: ctx.env }).stdout.trim();
  const fi = spawn('git', ['fast-import', '--quiet', '--done'], { cwd: dir, env: ctx.env, stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  fi.stderr!.on('data', (c) => { err += c; });
  const done = new Promise<number>((r) => fi.once('exit', (code) => r(code ?? 1)));
  const base = Math.floor(Date.parse('2026-01-01T00:00:00Z') / 1000);
  const times: number[][] = Array.from({ length: keys }, () => []);
  let n = 0;
  const stdin = fi.stdin!;
  const file = (path: string, content: Buffer) => Buffer.concat([Buffer.from(`M 100644 inline .kvgit/${path}\ndata ${content.length}\n`), content, Buffer.from('\n')]);
  for (let v = 1; v <= versions; v++) {
    for (let i = 0; i < keys; i++) {
      const t = base + n;
      times[i]!.push(t * 1000);
      const name = keyName(i);
      const kd = keyDir(MOUNT, name);
      const msg = Buffer.from(putMessage(MOUNT, name, v));
      const parts: Buffer[] = [
        Buffer.from(`commit refs/heads/main\nauthor kvgit bench <bench@example.test> ${t} +0000\ncommitter kvgit bench <bench@example.test> ${t} +0000\ndata ${msg.length}\n`),
        msg,
        Buffer.from(n === 0 ? `from ${head}\n` : ''),
        file(`${kd}/metadata.json`, metadataRecord(mk, mountUuid, name, times[i]!)),
        file(`${kd}/${v}.age`, encryptX25519(recipient, versionPayload(mk, mountUuid, name, v, value(i, v)))),
        Buffer.from('\n'),
      ];
      await write(stdin, Buffer.concat(parts));
      n++;
    }
  }
  await write(stdin, 'done\n');
  stdin.end();
  if ((await done) !== 0) throw new Error(`git fast-import failed: ${err}`);
  const t1 = performance.now();
  run('git', ['repack', '-a', '-d', '-q'], { cwd: dir, env: ctx.env });
  const t2 = performance.now();
  run('git', ['reset', '-q', '--hard', 'HEAD'], { cwd: dir, env: ctx.env });
  ctx.log(`  generated ${keys} keys × ${versions} versions: fast-import ${((t1 - t0) / 1000).toFixed(1)} s, repack ${((t2 - t1) / 1000).toFixed(1)} s, checkout ${((performance.now() - t2) / 1000).toFixed(1)} s`);
  const packBytes = Number(/size-pack: (\d+)/.exec(run('git', ['count-objects', '-v'], { cwd: dir, env: ctx.env }).stdout)?.[1] ?? 0) * 1024;
  // Read back with kvgit itself: the newest version of the first and the last key.
  for (const i of [0, keys - 1]) {
    const got = run(ctx.kvgit[0]!, [...ctx.kvgit.slice(1), 'kv', 'get', '-field=password', `${MOUNT}${keyName(i)}`], { cwd: dir, env: ctx.env, allowFail: true });
    if (got.status !== 0 || got.stdout !== value(i, versions).password) {
      throw new Error(`kvgit cannot read the generated store at ${dir} (${keyName(i)}): exit ${got.status} ${got.stderr.trim()}`);
    }
  }
  return { dir, keys, versions, commits: n + 2, storeIdentity, mountUuid, packBytes, genSeconds: (performance.now() - t0) / 1000 };
}

// ---- pass (Debian's password-store) with a throwaway GnuPG key

/**
 * The same store in the branch layout (the store at the root of a `kvgit` branch, no work-tree
 * files), made from a directory-layout store: a local clone (objects hard-linked, still packed),
 * a `kvgit` branch whose commit holds the `.kvgit` tree, and a checked-out branch with code only.
 */
export function branchLayoutCopy(ctx: Ctx, s: KvStore, dir: string): string {
  run('git', ['clone', '-q', '--no-checkout', s.dir, dir], { env: ctx.env });
  const tree = run('git', ['rev-parse', 'origin/main:.kvgit'], { cwd: dir, env: ctx.env }).stdout.trim();
  const commit = run('git', ['commit-tree', tree, '-m', 'kvgit store'], { cwd: dir, env: ctx.env }).stdout.trim();
  run('git', ['update-ref', 'refs/heads/kvgit', commit], { cwd: dir, env: ctx.env });
  run('git', ['symbolic-ref', 'HEAD', 'refs/heads/code'], { cwd: dir, env: ctx.env });
  writeFileSync(join(dir, 'README.md'), '# code\n');
  run('git', ['add', 'README.md'], { cwd: dir, env: ctx.env });
  run('git', ['commit', '-q', '-m', 'code'], { cwd: dir, env: ctx.env });
  const got = run(ctx.kvgit[0]!, [...ctx.kvgit.slice(1), 'kv', 'get', '-field=password', `${MOUNT}${keyName(0)}`], { cwd: dir, env: ctx.env, allowFail: true });
  if (got.status !== 0) throw new Error(`the branch-layout copy of ${s.dir} does not read back: ${got.stderr.trim()}`);
  return dir;
}

export interface PassStore { dir: string; keys: number; env: NodeJS.ProcessEnv; genSeconds: number }

let gpgKeys: string[] | undefined;

/** Two throwaway keys (Curve25519, no passphrase) in the bench's own GNUPGHOME. */
export function gpgFingerprints(ctx: Ctx): string[] {
  if (gpgKeys) return gpgKeys;
  const home = ctx.env.GNUPGHOME!;
  mkdirSync(home, { recursive: true, mode: 0o700 });
  for (const who of ['kvgit bench <bench@example.test>', 'kvgit bench 2 <bench2@example.test>']) {
    run('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', '--quick-gen-key', who, 'future-default', 'default', 'never'], { env: ctx.env });
  }
  const out = run('gpg', ['--list-keys', '--with-colons'], { env: ctx.env }).stdout;
  const lines = out.split('\n');
  gpgKeys = lines.flatMap((l, i) => (l.startsWith('pub:') && lines[i + 1]?.startsWith('fpr:') ? [lines[i + 1]!.split(':')[9]!] : []));
  return gpgKeys;
}

export function makePassStore(ctx: Ctx, dir: string, keys: number): PassStore {
  const t0 = performance.now();
  const [fpr] = gpgFingerprints(ctx);
  const env = { ...ctx.env, PASSWORD_STORE_DIR: dir };
  run('pass', ['init', fpr!], { env });
  run('pass', ['git', 'init'], { env });
  const plain: string[] = [];
  for (let i = 0; i < keys; i++) {
    const f = join(dir, keyName(i));
    mkdirSync(join(f, '..'), { recursive: true });
    writeFileSync(f, `${value(i, 10).password}\nuser: ${value(i, 10).user}\n`);
    plain.push(f);
  }
  for (let i = 0; i < plain.length; i += 500) {
    run('gpg', ['--batch', '--yes', '--quiet', '--trust-model', 'always', '-r', fpr!, '--multifile', '--encrypt', ...plain.slice(i, i + 500)], { env });
  }
  for (const f of plain) rmSync(f);
  run('git', ['add', '-A'], { cwd: dir, env });
  run('git', ['commit', '-q', '-m', `Add ${keys} passwords`], { cwd: dir, env });
  run('git', ['repack', '-a', '-d', '-q'], { cwd: dir, env });
  const got = run('pass', ['show', keyName(keys - 1)], { env });
  if (got.stdout.split('\n')[0] !== value(keys - 1, 10).password) throw new Error(`pass cannot read the generated store at ${dir}`);
  return { dir, keys, env, genSeconds: (performance.now() - t0) / 1000 };
}

export function randomSuffix(): string {
  return randomBytes(6).toString('hex');
}
