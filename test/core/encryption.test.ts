/**
 * Encryption from the first commit: a sentinel value written through the engine is in no file
 * under the repository and in no git object, decompressed, before and after `git gc`; errors never
 * carry it. The stock `age` binary recovers a version by docs/FORMAT.md §5's recipe, with the store
 * key passed through process substitution so it never lands in a file.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KvgitError, type Layout, Store } from '@kvgit/core';
import { git } from '../helpers/kv';
import { isolatedEnv, manualClock, tempDir } from '../helpers/temp';

/** Every file under `dir` (recursively), as [path, bytes]. */
function allFiles(dir: string): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...allFiles(full));
    else out.push([full, readFileSync(full)]);
  }
  return out;
}

/** The forms a careless encoder could leave a secret in. */
function forms(sentinel: string): Buffer[] {
  const b = Buffer.from(sentinel);
  return [b, Buffer.from(sentinel, 'utf16le'), Buffer.from(b.toString('hex')), Buffer.from(b.toString('base64').slice(0, -4))];
}

function assertNowhere(repo: string, sentinel: string, stage: string): void {
  const needles = forms(sentinel);
  const files = allFiles(repo);
  assert.ok(files.length > 3, 'the repository has files');
  for (const [path, bytes] of files) {
    for (const n of needles) assert.equal(bytes.indexOf(n), -1, `${stage}: the sentinel is in ${path} in plaintext`);
  }
  // Every object git has, decompressed (loose and packed alike).
  const objects = execFileSync('git', ['cat-file', '--batch-all-objects', '--batch'], { cwd: repo, maxBuffer: 512 * 1024 * 1024 });
  assert.ok(objects.length > 1000, 'git printed its objects');
  for (const n of needles) assert.equal(objects.indexOf(n), -1, `${stage}: the sentinel is in a git object`);
  // And the objects reachable from any ref or reflog, whatever cat-file's batch misses.
  const revs = git(repo, ['rev-list', '--all', '--reflog', '--objects']).split('\n').map((l) => l.split(' ')[0]!).filter((x) => x !== '');
  const reachable = execFileSync('git', ['cat-file', '--batch'], { cwd: repo, input: revs.join('\n'), maxBuffer: 512 * 1024 * 1024 });
  for (const n of needles) assert.equal(reachable.indexOf(n), -1, `${stage}: the sentinel is in a reachable object`);
}

async function initWith(layout: Layout, env: NodeJS.ProcessEnv, root: string, memberName?: string) {
  const repo = join(root, 'repo');
  const { store } = await Store.init({ path: repo, env, layout, clock: manualClock(), memberName });
  return { repo, store };
}

for (const layout of ['directory', 'branch'] as Layout[]) {
  describe(`core: no plaintext in the repository (${layout} layout)`, () => {
    it('a sentinel written through every path of the engine is in no file and no git object, before and after git gc', async () => {
      const root = tempDir();
      try {
        const sentinel = `SENTINEL${randomBytes(12).toString('hex')}`;
        const { repo, store } = await initWith(layout, isolatedEnv(root), root);
        await store.writeData('secret', 'app/db', { data: { password: sentinel, nested: { deep: [sentinel] }, [sentinel]: 'as a data key' } });
        await store.patchData('secret', 'app/db', { data: { other: `${sentinel}-patched` } });
        await store.writeData('secret', 'app/db', { data: { password: `${sentinel}-v3` }, options: { cas: 2 } });
        await store.deleteLatest('secret', 'app/db');
        await store.undeleteVersions('secret', 'app/db', { versions: [3] });
        await store.destroyVersions('secret', 'app/db', { versions: [1] });
        await store.writeMetadata('secret', 'trimmed', { max_versions: 1 });
        await store.writeData('secret', 'trimmed', { data: { v: `${sentinel}-trimmed` } });
        await store.writeData('secret', 'trimmed', { data: { v: 'next' } });
        await store.writeData('secret', 'to-delete', { data: { v: sentinel } });
        await store.deleteMetadata('secret', 'to-delete');
        await store.enableMount('legacy', { version: 1 });
        await store.v1Write('legacy', 'old', { v: `${sentinel}-v1` });
        await store.upgradeMount('legacy');
        await store.moveMount('legacy', 'moved');
        // A failed write's error carries no value either.
        try {
          await store.writeData('secret', 'app/db', { data: { password: sentinel }, options: { cas: 0 } });
          assert.fail('the cas should not match');
        } catch (e) {
          assert.ok(e instanceof KvgitError);
          assert.ok(!`${e.message} ${e.stack} ${JSON.stringify(e.details)}`.includes(sentinel), 'the error holds the sentinel');
        }
        try {
          await store.patchData('secret', 'missing', { data: { password: sentinel } });
          assert.fail('the key is missing');
        } catch (e) {
          assert.ok(e instanceof KvgitError);
          assert.ok(!`${e.message} ${e.stack} ${JSON.stringify(e.details)}`.includes(sentinel), 'the error holds the sentinel');
        }
        // The values are really there, through the engine.
        assert.equal((await store.readData('secret', 'app/db')).data.password, `${sentinel}-v3`);
        assert.equal((await store.readData('moved', 'old')).data.v, `${sentinel}-v1`);

        assertNowhere(repo, sentinel, 'loose objects');
        git(repo, ['gc', '--aggressive', '--prune=now', '--quiet']);
        assert.ok(readdirSync(join(repo, '.git', 'objects', 'pack')).some((f) => f.endsWith('.pack')), 'git gc made a pack');
        assertNowhere(repo, sentinel, 'after git gc');
        assert.equal((await store.readData('secret', 'app/db')).data.password, `${sentinel}-v3`, 'the store still reads after gc');
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  });
}

describe('core: the stock age binary recovers a version (docs/FORMAT.md §5)', () => {
  function bash(script: string, env: NodeJS.ProcessEnv, cwd: string): string {
    return execFileSync('bash', ['-euo', 'pipefail', '-c', script], { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  async function recover(layout: Layout, identity: 'env' | 'config') {
    const root = tempDir();
    try {
      let env = isolatedEnv(root);
      let idFile: string;
      if (identity === 'env') {
        // A member identity made by age-keygen, handed to kvgit in KVGIT_IDENTITY.
        mkdirSync(join(root, 'keys'));
        idFile = join(root, 'keys', 'alice.txt');
        execFileSync('age-keygen', ['-o', idFile], { stdio: 'ignore' });
        env = isolatedEnv(root, { KVGIT_IDENTITY: readFileSync(idFile, 'utf8') });
      } else {
        idFile = join(env.XDG_CONFIG_HOME!, 'kvgit', 'identity.txt');
      }
      const { repo, store } = await initWith(layout, env, root, 'alice');
      if (identity === 'config') assert.ok(statSync(idFile).isFile(), 'init created the identity in the config folder');
      await store.writeData('secret', 'app/db', { data: { password: 'hunter2', n: 1 } });
      await store.writeData('secret', 'app/db', { data: { password: 'correct horse', nested: { a: [1, true, null] } } });
      const uuid = (await store.mounts()).find((m) => m.path === 'secret/')!.uuid;
      const script = layout === 'directory'
        ? 'age -d -i <(age -d -i "$ID" .kvgit/keyring/alice.age) .kvgit/mounts/secret/app/db.kv/2.age'
        : 'age -d -i <(git show kvgit:keyring/alice.age | age -d -i "$ID") <(git show kvgit:mounts/secret/app/db.kv/2.age)';
      const out = bash(script, { ...env, ID: idFile }, repo);
      const { mac, ...payload } = JSON.parse(out);
      assert.deepEqual(payload, { kvgit: 'version/2', mount: uuid, key: 'app/db', version: 2, data: { password: 'correct horse', nested: { a: [1, true, null] } } });
      assert.match(mac, /^hmac-sha256:[A-Za-z0-9+/]{43}=$/);
      // The store key is an age identity, and nothing in the work tree holds it in plaintext.
      const storeKey = bash(layout === 'directory' ? 'age -d -i "$ID" .kvgit/keyring/alice.age' : 'git show kvgit:keyring/alice.age | age -d -i "$ID"', { ...env, ID: idFile }, repo).trim();
      assert.match(storeKey, /^AGE-SECRET-KEY-1[0-9A-Z]{58}$/);
      for (const [path, bytes] of allFiles(repo)) assert.equal(bytes.indexOf(storeKey), -1, `the store key is in ${path}`);
      // A wrong identity cannot open the keyring entry.
      const stranger = join(root, 'stranger.txt');
      execFileSync('age-keygen', ['-o', stranger], { stdio: 'ignore' });
      const unwrap = layout === 'directory' ? 'age -d -i "$ID" .kvgit/keyring/alice.age' : 'git show kvgit:keyring/alice.age | age -d -i "$ID"';
      assert.throws(() => bash(unwrap, { ...env, ID: stranger }, repo), /no identity matched any of the recipients/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }

  it('directory layout, member identity from age-keygen in KVGIT_IDENTITY', async () => {
    await recover('directory', 'env');
  });

  it('directory layout, the identity init created in $XDG_CONFIG_HOME/kvgit/identity.txt', async () => {
    await recover('directory', 'config');
  });

  it('branch layout, blobs read with git show', async () => {
    await recover('branch', 'env');
  });
});
