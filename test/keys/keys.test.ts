import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store, isKvgitError, type ErrorCode } from '@kvgit/core';
import { isolatedEnv, tempDir, tempStore, type TempStore } from '../helpers/temp';

const ageKeygen = () => {
  const out = execFileSync('age-keygen', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const identity = out.split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'))!;
  const recipient = /public key: (age1\w+)/.exec(out)![1]!;
  return { identity, recipient };
};

const rejectsWith = (p: Promise<unknown>, code: ErrorCode) =>
  assert.rejects(p, (e: unknown) => {
    assert.ok(isKvgitError(e), `a KvgitError, got ${e}`);
    assert.equal(e.code, code, e.message);
    return true;
  });

function git(t: TempStore, ...args: string[]) {
  return execFileSync('git', args, { cwd: t.repo, env: t.env, encoding: 'utf8' });
}

describe('identities and their precedence', function () {
  this.timeout(60_000);
  let t: TempStore;
  const alice = ageKeygen();
  const bob = ageKeygen();
  beforeEach(async () => {
    const root = tempDir();
    t = await tempStore({ env: isolatedEnv(root, { KVGIT_IDENTITY: alice.identity }), memberName: 'alice' });
    await t.store.addMember('bob', bob.recipient);
    await t.store.writeData('secret', 'app', { data: { v: 'shared' } });
  });
  afterEach(() => t.cleanup());

  const open = (extra: NodeJS.ProcessEnv) => Store.open({ path: t.repo, env: isolatedEnv(t.root, extra) });

  it('KVGIT_IDENTITY holds the key text', async () => {
    const s = await open({ KVGIT_IDENTITY: `# comment\n${bob.identity}\n` });
    assert.deepEqual((await s.readData('secret', 'app')).data, { v: 'shared' });
    assert.equal((await s.unlock()).source, 'KVGIT_IDENTITY');
  });

  it('KVGIT_IDENTITY_FILE names a file as age-keygen writes it', async () => {
    const f = join(t.root, 'bob.txt');
    writeFileSync(f, `# created: now\n# public key: ${bob.recipient}\n${bob.identity}\n`);
    const s = await open({ KVGIT_IDENTITY_FILE: f });
    assert.equal((await s.unlock()).member, 'bob');
  });

  it('KVGIT_IDENTITY wins over KVGIT_IDENTITY_FILE and the config folder; a non-member identity falls through', async () => {
    const f = join(t.root, 'alice.txt');
    writeFileSync(f, alice.identity);
    assert.equal((await (await open({ KVGIT_IDENTITY: bob.identity, KVGIT_IDENTITY_FILE: f })).unlock()).member, 'bob');
    const stranger = ageKeygen();
    const u = await (await open({ KVGIT_IDENTITY: stranger.identity, KVGIT_IDENTITY_FILE: f })).unlock();
    assert.equal(u.member, 'alice');
    assert.match(u.source, /KVGIT_IDENTITY_FILE/);
  });

  it('the config folder identity is used last, and refused when others can read it', async () => {
    const dir = join(t.root, 'home', '.config', 'kvgit');
    mkdirSync(dir, { recursive: true });
    const f = join(dir, 'identity.txt');
    writeFileSync(f, bob.identity, { mode: 0o600 });
    assert.equal((await (await open({})).unlock()).member, 'bob');
    chmodSync(f, 0o644);
    await rejectsWith((await open({})).readData('secret', 'app'), 'ERR_NO_IDENTITY');
    // A source is read only when the ones before it did not unlock: the refused file does not
    // stand in the way of KVGIT_IDENTITY, but is reported once the sources before it fail.
    assert.equal((await (await open({ KVGIT_IDENTITY: alice.identity })).unlock()).member, 'alice');
    await rejectsWith((await open({ KVGIT_IDENTITY: ageKeygen().identity })).readData('secret', 'app'), 'ERR_NO_IDENTITY');
  });

  it('no identity: a clear error listing the sources tried', async () => {
    await assert.rejects((await open({})).readData('secret', 'app'), (e: unknown) => {
      assert.ok(isKvgitError(e, 'ERR_NO_IDENTITY'));
      assert.match(e.message, /KVGIT_IDENTITY, KVGIT_IDENTITY_FILE, KVGIT_PASSPHRASE, .*identity\.txt/);
      return true;
    });
  });

  it('a wrong identity is ERR_NOT_A_MEMBER and its key never appears in the message', async () => {
    const stranger = ageKeygen();
    await assert.rejects((await open({ KVGIT_IDENTITY: stranger.identity })).readData('secret', 'app'), (e: unknown) => {
      assert.ok(isKvgitError(e, 'ERR_NOT_A_MEMBER'));
      assert.ok(!e.message.includes(stranger.identity));
      return true;
    });
  });

  it('a recipient that does not parse is refused before anything is written', async () => {
    const head = git(t, 'rev-parse', 'HEAD');
    await rejectsWith(t.store.addMember('carol', 'age1notarecipient'), 'ERR_INVALID_REQUEST');
    assert.equal(git(t, 'rev-parse', 'HEAD'), head);
  });

  it('two members both read; adding a member rewrites only the keyring', async () => {
    const carol = ageKeygen();
    await t.store.addMember('carol', carol.recipient);
    const changed = git(t, 'diff-tree', '--no-commit-id', '--name-only', '-r', 'HEAD').trim().split('\n');
    assert.deepEqual(changed.sort(), ['.kvgit/keyring.json', '.kvgit/keyring/carol.age']);
    for (const id of [bob.identity, carol.identity]) {
      assert.deepEqual((await (await open({ KVGIT_IDENTITY: id })).readData('secret', 'app')).data, { v: 'shared' });
    }
  });

  it('a removed member cannot read anything written after rotation', async () => {
    // Bob keeps a copy of the store key before he is removed.
    const oldStoreKey = execFileSync('bash', ['-c', `age -d -i <(printf '%s' "$ID") .kvgit/keyring/bob.age`], { cwd: t.repo, env: { ...t.env, ID: bob.identity }, encoding: 'utf8' }).trim();
    const removal = await t.store.removeMember('bob');
    assert.equal(removal.rotated, true);
    assert.deepEqual(removal.readable, ['secret/app']);
    await t.store.writeData('secret', 'after', { data: { v: 'new secret' } });
    await rejectsWith((await open({ KVGIT_IDENTITY: bob.identity })).readData('secret', 'after'), 'ERR_NOT_A_MEMBER');
    for (const blob of ['.kvgit/mounts/secret/after.kv/1.age', '.kvgit/mounts/secret/app.kv/1.age']) {
      assert.throws(() => execFileSync('bash', ['-c', `age -d -i <(printf '%s' "$K") ${blob}`], { cwd: t.repo, env: { ...t.env, K: oldStoreKey }, stdio: 'pipe' }));
    }
    assert.deepEqual((await t.store.readData('secret', 'app')).data, { v: 'shared' });
    assert.deepEqual((await t.store.verify()).problems, []);
  });

  it('rotate re-encrypts every live version in one commit and reports progress', async () => {
    await t.store.writeData('secret', 'app', { data: { v: 'two' } });
    await t.store.destroyVersions('secret', 'app', { versions: [1] });
    const before = git(t, 'rev-list', '--count', 'HEAD');
    const seen: number[] = [];
    const r = await t.store.rotate({ onProgress: (done) => seen.push(done) });
    assert.equal(r.versions, 1);
    assert.deepEqual(seen, [1]);
    assert.equal(Number(git(t, 'rev-list', '--count', 'HEAD')), Number(before) + 1);
    assert.deepEqual((await (await open({ KVGIT_IDENTITY: bob.identity })).readData('secret', 'app')).data, { v: 'two' });
    assert.deepEqual((await t.store.verify()).problems, []);
  });
});

describe('passphrase members', function () {
  this.timeout(120_000);
  it('unlock non-interactively with KVGIT_PASSPHRASE, and the stock age recipe works on a terminal', async () => {
    const root = tempDir();
    const passphrase = 'correct horse battery staple';
    const t = await tempStore({ env: isolatedEnv(root, { KVGIT_PASSPHRASE: passphrase }), memberName: 'ci', passphrase });
    try {
      await t.store.writeData('secret', 'db', { data: { password: 'pp-sentinel' } });
      const s = await Store.open({ path: t.repo, env: isolatedEnv(root, { KVGIT_PASSPHRASE: passphrase }) });
      assert.deepEqual((await s.readData('secret', 'db')).data, { password: 'pp-sentinel' });
      assert.equal((await s.unlock()).member, 'ci');
      await rejectsWith((await Store.open({ path: t.repo, env: isolatedEnv(root, { KVGIT_PASSPHRASE: 'wrong passphrase' }) })).readData('secret', 'db'), 'ERR_NOT_A_MEMBER');
      // age asks for the passphrase on the terminal: give it one with script(1).
      const out = execFileSync('script', ['-qec', 'age -d -i <(age -d -i .kvgit/keyring/ci.key.age .kvgit/keyring/ci.age) .kvgit/mounts/secret/db.kv/1.age', '/dev/null'], {
        cwd: t.repo, input: `${passphrase}\n`, encoding: 'utf8', env: { ...t.env, SHELL: '/bin/bash' }, shell: false,
      });
      assert.match(out, /"data":\{"password":"pp-sentinel"\}/);
    } finally {
      t.cleanup();
    }
  });
});

describe('tamper evidence: each case has its own code and nothing is written', function () {
  this.timeout(60_000);
  let t: TempStore;
  beforeEach(async () => {
    t = await tempStore();
    await t.store.writeData('secret', 'a', { data: { v: '1' } });
    await t.store.writeData('secret', 'a', { data: { v: '2' } });
    await t.store.writeData('secret', 'b', { data: { v: 'b' } });
  });
  afterEach(() => t.cleanup());

  /** Commits a change made with plain git, as an attacker with push access would. */
  function tamper(fn: (dir: string) => void) {
    fn(join(t.repo, '.kvgit'));
    git(t, 'add', '-A');
    git(t, 'commit', '-qm', 'tamper');
  }

  /** The read fails with `code` naming the file; a write that needs the same data fails too and writes nothing. */
  async function assertRefused(read: () => Promise<unknown>, code: ErrorCode, file: RegExp, write: () => Promise<unknown> = () => t.store.writeData('secret', 'a', { data: { v: 'x' } })) {
    await assert.rejects(read(), (e: unknown) => {
      assert.ok(isKvgitError(e), String(e));
      assert.equal(e.code, code, e.message);
      assert.match(e.message, file);
      return true;
    });
    const head = git(t, 'rev-parse', 'HEAD');
    await assert.rejects(write(), (e: unknown) => isKvgitError(e, code));
    assert.equal(git(t, 'rev-parse', 'HEAD'), head, 'nothing written');
  }

  it('a blob moved to another version: ERR_BLOB_MISPLACED', async () => {
    tamper((d) => writeFileSync(join(d, 'mounts/secret/a.kv/2.age'), readFileSync(join(d, 'mounts/secret/a.kv/1.age'))));
    await assertRefused(() => t.store.readData('secret', 'a'), 'ERR_BLOB_MISPLACED', /a\.kv\/2\.age/, () => t.store.patchData('secret', 'a', { data: { w: 'x' } }));
  });

  it('a blob moved to another key: ERR_BLOB_MISPLACED', async () => {
    tamper((d) => writeFileSync(join(d, 'mounts/secret/b.kv/1.age'), readFileSync(join(d, 'mounts/secret/a.kv/1.age'))));
    await assertRefused(() => t.store.readData('secret', 'b'), 'ERR_BLOB_MISPLACED', /b\.kv\/1\.age/, () => t.store.patchData('secret', 'b', { data: { w: 'x' } }));
  });

  it('a flipped byte: ERR_DECRYPT naming the path and version', async () => {
    tamper((d) => {
      const f = join(d, 'mounts/secret/a.kv/2.age');
      const b = readFileSync(f);
      b[b.length - 5] ^= 1;
      writeFileSync(f, b);
    });
    await assertRefused(() => t.store.readData('secret', 'a'), 'ERR_DECRYPT', /secret\/a version 2/, () => t.store.patchData('secret', 'a', { data: { w: 'x' } }));
  });

  /** A blob sealed with the stock age tool to the store's public recipient, as anyone can. */
  function forge(d: string, payload: Record<string, unknown>): Buffer {
    const recipient = JSON.parse(readFileSync(join(d, 'keyring.json'), 'utf8')).store_recipient as string;
    return execFileSync('age', ['-r', recipient], { input: JSON.stringify(payload) });
  }
  const uuidOf = (d: string, mount: string) => JSON.parse(readFileSync(join(d, 'mounts.json'), 'utf8')).mounts[mount].uuid as string;

  it('a blob forged by a non-member, with or without a MAC: ERR_INTEGRITY naming the path and version', async () => {
    for (const kind of ['version/2', 'version/1']) {
      tamper((d) => {
        const payload = { kvgit: kind, mount: uuidOf(d, 'secret/'), key: 'a', version: 2, data: { v: 'forged', LD_PRELOAD: '/tmp/evil.so' } };
        writeFileSync(join(d, 'mounts/secret/a.kv/2.age'), forge(d, kind === 'version/2' ? { ...payload, mac: `hmac-sha256:${Buffer.alloc(32).toString('base64')}` } : payload));
      });
      await assertRefused(() => t.store.readData('secret', 'a'), 'ERR_INTEGRITY', /a\.kv\/2\.age \(secret\/a version 2\)/, () => t.store.patchData('secret', 'a', { data: { w: 'x' } }));
      const report = await t.store.verify();
      assert.ok(report.problems.some((p) => p.code === 'ERR_INTEGRITY' && /a\.kv\/2\.age/.test(p.file)), JSON.stringify(report.problems));
      git(t, 'reset', '-q', '--hard', 'HEAD~1');
    }
    // A KV version 1 value, which has no metadata at all.
    await t.store.enableMount('legacy', { version: 1 });
    await t.store.v1Write('legacy', 'app', { PATH: '/usr/bin' });
    tamper((d) => writeFileSync(join(d, 'mounts/legacy/injected.kv/data.age'), (mkdirSync(join(d, 'mounts/legacy/injected.kv')), forge(d, { kvgit: 'version/1', mount: uuidOf(d, 'legacy/'), key: 'injected', version: 0, data: { PATH: '/tmp/attacker-bin' } }))));
    await assertRefused(() => t.store.v1Read('legacy', 'injected'), 'ERR_INTEGRITY', /injected\.kv\/data\.age/, () => t.store.upgradeMount('legacy'));
  });

  it('verify reports a member entry removed, one planted, and a stray file among the keys', async () => {
    const bob = ageKeygen();
    await t.store.addMember('bob', bob.recipient);
    const mallory = ageKeygen();
    tamper((d) => {
      execFileSync('git', ['rm', '-q', '.kvgit/keyring/bob.age'], { cwd: t.repo, env: t.env });
      writeFileSync(join(d, 'keyring/eve.age'), execFileSync('age', ['-r', mallory.recipient], { input: 'junk' }));
      writeFileSync(join(d, 'mounts/secret/stray.txt'), 'x\n');
    });
    const { problems } = await t.store.verify();
    const seen = problems.map((p) => `${p.code} ${p.file}`).sort();
    assert.deepEqual(seen, ['ERR_INTEGRITY mounts/secret/stray.txt', 'ERR_KEYRING_TAMPERED keyring/bob.age', 'ERR_KEYRING_TAMPERED keyring/eve.age'], JSON.stringify(problems));
  });

  it('a store from before blobs carried a MAC reads again once rotated', async () => {
    tamper((d) => {
      const uuid = uuidOf(d, 'secret/');
      for (const [key, version, v] of [['a', 1, '1'], ['a', 2, '2'], ['b', 1, 'b']] as const) {
        writeFileSync(join(d, `mounts/secret/${key}.kv/${version}.age`), forge(d, { kvgit: 'version/1', mount: uuid, key, version, data: { v } }));
      }
    });
    await assert.rejects(t.store.readData('secret', 'a'), (e: unknown) => isKvgitError(e, 'ERR_INTEGRITY') && /kvgit rotate/.test(e.details.hint ?? ''));
    await t.store.rotate();
    assert.deepEqual((await t.store.readData('secret', 'a')).data, { v: '2' });
    assert.deepEqual((await t.store.readData('secret', 'a', { version: '1' })).data, { v: '1' });
    assert.deepEqual((await t.store.readData('secret', 'b')).data, { v: 'b' });
    assert.deepEqual((await t.store.verify()).problems.filter((p) => !/still in the history/.test(p.message)), []);
  });

  it('an edited metadata file: ERR_METADATA_TAMPERED', async () => {
    tamper((d) => {
      const f = join(d, 'mounts/secret/a.kv/metadata.json');
      writeFileSync(f, readFileSync(f, 'utf8').replace('"cas_required": false', '"cas_required": true'));
    });
    await assertRefused(() => t.store.readMetadata('secret', 'a'), 'ERR_METADATA_TAMPERED', /a\.kv\/metadata\.json/);
  });

  it('a rolled-back metadata file: ERR_METADATA_ROLLBACK', async () => {
    const old = git(t, 'show', 'HEAD~2:.kvgit/mounts/secret/a.kv/metadata.json');
    tamper((d) => writeFileSync(join(d, 'mounts/secret/a.kv/metadata.json'), old));
    await assertRefused(() => t.store.readData('secret', 'a'), 'ERR_METADATA_ROLLBACK', /a\.kv\/metadata\.json/);
    const report = await t.store.verify().catch((e) => e);
    assert.ok(isKvgitError(report, 'ERR_METADATA_ROLLBACK') || report.problems.some((p: { code: string }) => p.code === 'ERR_METADATA_ROLLBACK'));
  });

  it('a keyring changed by a non-member: ERR_KEYRING_TAMPERED', async () => {
    const mallory = ageKeygen();
    tamper((d) => {
      const f = join(d, 'keyring.json');
      const k = JSON.parse(readFileSync(f, 'utf8'));
      k.members.mallory = { type: 'x25519', recipient: mallory.recipient };
      writeFileSync(f, JSON.stringify(k, null, 2));
    });
    await assertRefused(() => t.store.readData('secret', 'a'), 'ERR_KEYRING_TAMPERED', /keyring\.json/);
  });

  it('a front end\'s file under ext/ written without the store key: ERR_EXT_TAMPERED', async () => {
    await t.store.writeExtFiles([{ path: 'server/policies/p.hcl', content: Buffer.from('path "secret/*" { capabilities = ["read"] }') }], 'policy-write');
    assert.match(Buffer.from((await t.store.readExtFile('server/policies/p.hcl'))!).toString(), /capabilities/);
    assert.deepEqual(await t.store.listExtDir('server/policies'), ['p.hcl']);
    tamper((d) => {
      const f = join(d, 'ext/server/policies/p.hcl');
      writeFileSync(f, readFileSync(f, 'utf8').replace('read', 'sudo'));
    });
    await assertRefused(() => t.store.readExtFile('server/policies/p.hcl'), 'ERR_EXT_TAMPERED', /ext\/server\/policies\/p\.hcl/, () => t.store.readExtFile('server/policies/p.hcl'));
  });

  it('an edited mount table: ERR_MOUNTS_TAMPERED', async () => {
    tamper((d) => {
      const f = join(d, 'mounts.json');
      writeFileSync(f, readFileSync(f, 'utf8').replace('"max_versions": 0', '"max_versions": 1'));
    });
    await assertRefused(() => t.store.readData('secret', 'a'), 'ERR_MOUNTS_TAMPERED', /mounts\.json/);
  });
});
