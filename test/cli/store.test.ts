/** Store commands through the built CLI: init, status, members, mounts, log, verify, serve. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configIdentityPath, ensureConfigIdentity } from '@kvgit/core';
import { type CliStore, KVGIT_BIN, cliStore, emptyPlace, json, runKvgit } from '../helpers/cli';
import { isolatedEnv, tempDir } from '../helpers/temp';

describe('cli: init', function () {
  let p: ReturnType<typeof emptyPlace>;
  beforeEach(() => {
    p = emptyPlace();
  });
  afterEach(() => p.cleanup());

  it('makes a repository and a directory-layout store, creating the identity it names', async () => {
    const r = await runKvgit(['init', '--member', 'alice'], { cwd: p.dir, env: p.env });
    assert.equal(r.code, 0, r.stderr);
    const identityFile = configIdentityPath(p.env);
    assert.match(r.stdout, new RegExp(`^Success! Initialized a kvgit store at ${p.dir}/\\.kvgit \\(directory layout\\), with the KV v2 mount secret/\\.\\nFirst member: alice \\(age1[0-9a-z]+\\)\\nCreated your identity at ${identityFile}\\.`));
    assert.doesNotMatch(r.stdout + r.stderr, /AGE-SECRET-KEY/);
    assert.equal((await runKvgit(['put', 'secret/a', 'x=1'], { cwd: p.dir, env: p.env })).code, 0);
    const log = execFileSync('git', ['log', '--format=%s'], { cwd: p.dir, encoding: 'utf8' });
    assert.match(log, /^kvgit: put secret\/a v1\nkvgit: init secret\/\n$/);
  });

  it('makes a branch-layout store with the identity from KVGIT_IDENTITY, and JSON output', async () => {
    const id = await ensureConfigIdentity(isolatedEnv(tempDir('kvgit-id-')));
    const env = { ...p.env, KVGIT_IDENTITY: id.identity };
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: p.dir });
    const r = await runKvgit(['init', '--layout', 'branch', '-format=json'], { cwd: p.dir, env });
    assert.equal(r.code, 0, r.stderr);
    const out = json(r);
    assert.deepEqual([out.layout, out.branch, out.recipient, out.created_identity], ['branch', 'refs/heads/kvgit', id.recipient, null]);
    assert.equal((await runKvgit(['put', 'secret/a', 'x=1'], { cwd: p.dir, env })).code, 0);
    assert.equal(execFileSync('git', ['ls-files'], { cwd: p.dir, encoding: 'utf8' }), '', 'no work-tree files on the branch layout');
    assert.equal((await runKvgit(['get', '-field=x', 'secret/a'], { cwd: p.dir, env })).stdout, '1');
    const bad = await runKvgit(['init', '--layout', 'sideways'], { cwd: p.dir, env });
    assert.equal(bad.code, 1);
  });
});

describe('cli: status, members, mounts, log, verify', function () {
  let s: CliStore;
  before(async () => {
    s = await cliStore({ memberName: 'owner' });
    await s.kvgit(['put', 'secret/app/db', 'password=p1']);
    await s.kvgit(['put', 'secret/app/db', 'password=p2']);
    await s.kvgit(['put', 'secret/other', 'a=1']);
  });
  after(() => s.cleanup());

  it('status shows the store and who it unlocks as; exit 3 when no identity opens it', async () => {
    const r = await s.kvgit(['status', '-format=json']);
    assert.equal(r.code, 0, r.stderr);
    const st = json(r);
    assert.deepEqual([st.layout, st.branch, st.member, st.mounts, st.members], ['directory', 'main', 'owner', [{ path: 'secret/', version: 2 }], ['owner']]);
    assert.match(st.head, /^[0-9a-f]{40}$/);
    const t = await s.kvgit(['status']);
    assert.match(t.stdout, /^Key {16}Value\n/);
    const locked = await s.kvgit(['status'], { env: isolatedEnv(tempDir('kvgit-noid-')) });
    assert.equal(locked.code, 3);
    assert.match(locked.stdout, /\nlayout {6}directory\n/);
    assert.match(locked.stderr, /no identity found/);
  });

  it('members add gives a new identity access; members list shows it', async () => {
    const bob = await ensureConfigIdentity(isolatedEnv(tempDir('kvgit-bob-')));
    const env = { ...isolatedEnv(tempDir('kvgit-bob-run-')), KVGIT_IDENTITY: bob.identity };
    assert.equal((await s.kvgit(['get', 'secret/other'], { env })).code, 3);
    const add = await s.kvgit(['members', 'add', 'bob', bob.recipient]);
    assert.deepEqual([add.code, add.stdout], [0, `Success! Added member bob (${bob.recipient})\n`], add.stderr);
    assert.equal((await s.kvgit(['get', '-field=a', 'secret/other'], { env })).stdout, '1');
    const list = await s.kvgit(['members', 'list']);
    assert.match(list.stdout, /^Name {5}Type {6}Recipient\n-{4} {5}-{4} {6}-{9}\nbob {6}x25519 {4}age1/);
    assert.deepEqual(json(await s.kvgit(['members', 'list', '-format=json'])).map((m: { name: string }) => m.name), ['bob', 'owner']);
    const bad = await s.kvgit(['members', 'add', 'eve', 'not-a-recipient']);
    assert.equal(bad.code, 2);
  });

  it('mounts enable, list, move and disable', async () => {
    assert.equal((await s.kvgit(['mounts', 'enable', '-path=team', '-description=the team', 'kv-v2'])).code, 0);
    assert.equal((await s.kvgit(['put', 'team/x', 'k=v'])).code, 0);
    const list = await s.kvgit(['mounts', 'list']);
    assert.equal(list.stdout, 'Path       Type    Version    Description\n----       ----    -------    -----------\nsecret/    kv      2          n/a\nteam/      kv      2          the team\n');
    assert.deepEqual(json(await s.kvgit(['mounts', 'list', '-format=json']))['team/'].options, { version: '2' });
    const mv = await s.kvgit(['mounts', 'move', 'team', 'platform/']);
    assert.deepEqual([mv.code, mv.stdout], [0, 'Success! Finished moving secrets engine team/ to platform/\n'], mv.stderr);
    assert.equal((await s.kvgit(['get', '-field=k', 'platform/x'])).stdout, 'v');
    const dup = await s.kvgit(['mounts', 'enable', '-path=platform', 'kv']);
    assert.equal(dup.code, 2);
    const other = await s.kvgit(['mounts', 'enable', 'pki']);
    assert.equal(other.code, 1);
    const dis = await s.kvgit(['mounts', 'disable', '-y', 'platform']);
    assert.deepEqual([dis.code, dis.stdout], [0, 'Success! Disabled the secrets engine (if it existed) at: platform/\n']);
    assert.equal((await s.kvgit(['get', 'platform/x'])).code, 2);
  });

  it('log lists changes newest first, filtered by key or folder', async () => {
    const all = json(await s.kvgit(['log', '-format=json']));
    assert.ok(all.length >= 5);
    const key = json(await s.kvgit(['log', '-format=json', 'secret/app/db']));
    assert.deepEqual(key.map((e: { operation: string; versions: number[] }) => [e.operation, e.versions]), [['put', [2]], ['put', [1]]]);
    const folder = json(await s.kvgit(['log', '-format=json', '-n', '1', 'secret/app/']));
    assert.equal(folder.length, 1);
    const t = await s.kvgit(['log', 'secret/other']);
    assert.match(t.stdout, /^Time {20}Commit {10}Author {9}Operation {4}Path {12}Versions\n/);
    assert.match(t.stdout, /put {10}secret\/other {4}1\n$/);
  });

  it('verify passes on a healthy store and exits 4 on a tampered one', async () => {
    const ok = await s.kvgit(['verify', '-format=json']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.equal(json(ok).ok, true);
    const file = join(s.repo, '.kvgit', 'mounts', 'secret', 'other.kv', 'metadata.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"max_versions": 0', '"max_versions": 9'));
    execFileSync('git', ['commit', '-qam', 'tamper'], { cwd: s.repo, env: s.env });
    const bad = await s.kvgit(['verify']);
    assert.equal(bad.code, 4);
    assert.match(bad.stdout, /ok {10}false/);
    assert.match(bad.stdout, /\nCode +File +Problem\n/);
  });
});

describe('cli: passphrase members, members remove, rotate', function () {
  let s: CliStore;
  before(async () => {
    s = await cliStore({ memberName: 'owner' });
    await s.kvgit(['put', 'secret/a', 'x=1']);
    await s.kvgit(['put', 'secret/b', 'y=2']);
  });
  after(() => s.cleanup());

  it('adds a passphrase member (never from argv) who unlocks with KVGIT_PASSPHRASE', async () => {
    const noTerminal = await s.kvgit(['members', 'add', '-passphrase', 'ci']);
    assert.equal(noTerminal.code, 1);
    assert.match(noTerminal.stderr, /run on a terminal, or pass -passphrase-stdin/);
    const add = await s.kvgit(['members', 'add', '-passphrase-stdin', 'ci'], { input: 'correct horse battery\n' });
    assert.deepEqual([add.code, add.stdout], [0, 'Success! Added member ci (passphrase)\n'], add.stderr);
    const env = { ...isolatedEnv(tempDir('kvgit-ci-')), KVGIT_PASSPHRASE: 'correct horse battery' };
    assert.equal((await s.kvgit(['get', '-field=x', 'secret/a'], { env })).stdout, '1');
    assert.equal((await s.kvgit(['get', 'secret/a'], { env: { ...env, KVGIT_PASSPHRASE: 'wrong horse battery' } })).code, 3);
  });

  it('rotate re-encrypts every version under a new store key; members still open the store', async () => {
    const before = readFileSync(join(s.repo, '.kvgit', 'keyring.json'), 'utf8');
    const r = await s.kvgit(['rotate', '-format=json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(json(r).versions, 2);
    assert.notEqual(readFileSync(join(s.repo, '.kvgit', 'keyring.json'), 'utf8'), before);
    assert.equal((await s.kvgit(['get', '-field=y', 'secret/b'])).stdout, '2');
    const env = { ...isolatedEnv(tempDir('kvgit-ci-')), KVGIT_PASSPHRASE: 'correct horse battery' };
    assert.equal((await s.kvgit(['get', '-field=y', 'secret/b'], { env })).stdout, '2');
  });

  it('shows progress on a terminal only', async () => {
    const piped = await s.kvgit(['rotate']);
    assert.deepEqual([piped.code, piped.stderr], [0, '']);
    const tty = await s.kvgitOnTerminal(['rotate']);
    assert.equal(tty.code, 0, tty.stdout);
    assert.match(tty.stdout, /\r\x1b\[KRe-encrypting 2\/2/);
    assert.match(tty.stdout, /Success! Rotated the store key: 2 version\(s\) re-encrypted\.\n$/);
  });

  it('members remove asks first, rotates, and lists what the member could read', async () => {
    assert.equal((await s.kvgit(['members', 'remove', 'ci'])).code, 7);
    const r = await s.kvgit(['members', 'remove', '-y', 'ci']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Success! Removed member ci; the store key was rotated.\nci could read 2 secret(s); change them where they come from:\n  secret/a\n  secret/b\n');
    const env = { ...isolatedEnv(tempDir('kvgit-ci-')), KVGIT_PASSPHRASE: 'correct horse battery' };
    assert.equal((await s.kvgit(['get', 'secret/a'], { env })).code, 3);
    assert.equal((await s.kvgit(['get', '-field=x', 'secret/a'])).stdout, '1');
    const last = await s.kvgit(['members', 'remove', '-y', 'owner']);
    assert.equal(last.code, 2, 'the last member cannot be removed');
  });

  it('init with a passphrase member from KVGIT_PASSPHRASE', async () => {
    const p = emptyPlace();
    try {
      const env = { ...p.env, KVGIT_PASSPHRASE: 'a long passphrase' };
      const r = await runKvgit(['init', '-passphrase', '--member', 'team'], { cwd: p.dir, env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /First member: team \(passphrase\)/);
      assert.equal((await runKvgit(['put', 'secret/k', 'v=1'], { cwd: p.dir, env })).code, 0);
      assert.equal((await runKvgit(['get', 'secret/k'], { cwd: p.dir, env: p.env })).code, 3);
    } finally {
      p.cleanup();
    }
  });
});

describe('cli: serve', function () {
  let s: CliStore;
  before(async () => {
    s = await cliStore();
    await s.kvgit(['put', 'secret/served', 'a=over-http']);
  });
  after(() => s.cleanup());

  it('runs @kvgit/server\'s runServe: Vault\'s API answers, SIGTERM stops it with exit 0', async () => {
    const child = spawn(process.execPath, [KVGIT_BIN, 'serve', '--address', '127.0.0.1:0'], { cwd: s.repo, env: { ...s.env, KVGIT_ROOT_TOKEN: 'root-token' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (d) => {
        out += d;
        const m = /listening on (\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      void exited.then((code) => reject(new Error(`serve exited with ${code}`)));
    });
    const res = await fetch(`${url}/v1/secret/data/served`, { headers: { 'X-Vault-Token': 'root-token' } });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { data: { data: { a: string } } }).data.data.a, 'over-http');
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});
