/**
 * Mounts: several KV mounts in one store (secret/ by default, as Vault's dev mode), enable, disable
 * and move; KV version 1 mounts and upgrading one to version 2 (seed: "Upgrading from Version 1").
 */
import assert from 'node:assert/strict';
import { NOT_FOUND, commitCount, git, rejects, rfc3339, sharedStore } from '../helpers/kv';

describe('core: mounts, KV v1 and the v1 → v2 upgrade', () => {
  const s = sharedStore();
  const paths = async () => (await s.store.mounts()).map((m) => `${m.path} v${m.version}`);

  describe('mounts', () => {
    it('a new store has a KV v2 mount at secret/', async () => {
      const all = await s.store.mounts();
      const secret = all.find((m) => m.path === 'secret/');
      assert.ok(secret);
      assert.equal(secret.version, 2);
      assert.equal(secret.type, 'kv');
    });

    it('enables mounts that are isolated from each other', async () => {
      await s.store.enableMount('team-a');
      await s.store.enableMount('team-b/', { description: 'second' });
      assert.ok((await paths()).includes('team-a/ v2'));
      assert.ok((await paths()).includes('team-b/ v2'));
      await s.store.writeData('team-a', 'k', { data: { who: 'a' } });
      await s.store.writeData('team-b', 'k', { data: { who: 'b' } });
      await s.store.writeData('team-b', 'k', { data: { who: 'b2' } });
      assert.deepEqual((await s.store.readData('team-a', 'k')).data, { who: 'a' });
      assert.equal((await s.store.readData('team-a', 'k')).metadata.version, 1);
      assert.deepEqual((await s.store.readData('team-b', 'k')).data, { who: 'b2' });
      assert.equal((await s.store.readData('team-b', 'k')).metadata.version, 2);
      assert.deepEqual(await s.store.list('team-a'), ['k']);
    });

    it('refuses a path already in use, or nested in or around another mount', async () => {
      await s.store.enableMount('taken');
      await rejects(s.store.enableMount('taken'), { code: 'ERR_MOUNT_CONFLICT', status: 400, message: 'path is already in use at taken/' });
      await rejects(s.store.enableMount('/taken/'), { code: 'ERR_MOUNT_CONFLICT', status: 400 });
      await rejects(s.store.enableMount('taken/inner'), { code: 'ERR_MOUNT_CONFLICT', status: 400, message: 'path is already in use at taken/' });
      await s.store.enableMount('outer/inner');
      await rejects(s.store.enableMount('outer'), { code: 'ERR_MOUNT_CONFLICT', status: 400, message: 'path is already in use at outer/inner/' });
    });

    it('refuses reserved and malformed mount paths and unknown KV versions', async () => {
      for (const p of ['sys', 'sys/x', 'auth', 'identity', 'cubbyhole', '', '/', 'a/../b', 'a//b', '.']) {
        await rejects(s.store.enableMount(p), { code: 'ERR_INVALID_REQUEST', status: 400 });
      }
      await rejects(s.store.enableMount('v3', { version: 3 }), { code: 'ERR_INVALID_REQUEST', status: 400 });
    });

    it('operations on a mount that does not exist are a 404 route error', async () => {
      await rejects(s.store.readData('nowhere', 'k'), { code: 'ERR_NO_ROUTE', status: 404 });
      await rejects(s.store.writeData('nowhere', 'k', { data: {} }), { code: 'ERR_NO_ROUTE', status: 404 });
      await rejects(s.store.list('nowhere'), { code: 'ERR_NO_ROUTE', status: 404 });
    });

    it('disable removes the mount and all its keys; a missing mount is a no-op', async () => {
      await s.store.enableMount('doomed');
      await s.store.writeData('doomed', 'a/b', { data: { x: 1 } });
      await s.store.disableMount('doomed');
      assert.ok(!(await paths()).some((p) => p.startsWith('doomed/')));
      await rejects(s.store.readData('doomed', 'a/b'), { code: 'ERR_NO_ROUTE', status: 404 });
      assert.equal(git(s.t.repo, ['ls-tree', '-r', '--name-only', 'HEAD', '.kvgit/mounts/doomed']).trim(), '');
      const before = commitCount(s.t);
      await s.store.disableMount('doomed');
      assert.equal(commitCount(s.t), before);
      await s.store.enableMount('doomed');
      await rejects(s.store.readData('doomed', 'a/b'), NOT_FOUND);
    });

    it('move keeps every key, version and setting, and reuses the encrypted blobs', async () => {
      await s.store.enableMount('before');
      await s.store.writeConfig('before', { max_versions: 3 });
      await s.store.writeData('before', 'app/db', { data: { v: 1 } });
      await s.store.writeData('before', 'app/db', { data: { v: 2 } });
      const meta = await s.store.readMetadata('before', 'app/db');
      const tree = git(s.t.repo, ['rev-parse', 'HEAD:.kvgit/mounts/before']).trim();
      await s.store.moveMount('before', 'after/moved');
      await rejects(s.store.readData('before', 'app/db'), { code: 'ERR_NO_ROUTE', status: 404 });
      assert.deepEqual((await s.store.readData('after/moved', 'app/db', { version: 1 })).data, { v: 1 });
      assert.deepEqual(await s.store.readMetadata('after/moved', 'app/db'), meta);
      assert.equal((await s.store.readConfig('after/moved')).max_versions, 3);
      assert.equal(git(s.t.repo, ['rev-parse', 'HEAD:.kvgit/mounts/after/moved']).trim(), tree);
      assert.equal((await s.store.writeData('after/moved', 'app/db', { data: { v: 3 } })).version, 3);
    });

    it('move refuses a target in use, and a missing source', async () => {
      await s.store.enableMount('src');
      await s.store.enableMount('dst');
      await rejects(s.store.moveMount('src', 'dst'), { code: 'ERR_MOUNT_CONFLICT', status: 400, message: 'path is already in use at dst/' });
      await rejects(s.store.moveMount('src', 'dst/inner'), { code: 'ERR_MOUNT_CONFLICT', status: 400 });
      await rejects(s.store.moveMount('no-such', 'x'), { code: 'ERR_NO_ROUTE', status: 404 });
      // Into itself, or to a path above itself.
      await rejects(s.store.moveMount('src', 'src/sub'), { code: 'ERR_MOUNT_CONFLICT', status: 400, message: 'path is already in use at src/' });
    });

    it('resolvePath picks the longest matching mount', async () => {
      await s.store.enableMount('deep/er');
      assert.deepEqual(await resolved('deep/er/app/key'), ['deep/er/', 'app/key']);
      assert.deepEqual(await resolved('secret/app/key'), ['secret/', 'app/key']);
      assert.deepEqual(await resolved('/secret/x'), ['secret/', 'x']);
      await rejects(s.store.resolvePath('unmounted/key'), { code: 'ERR_NO_ROUTE', status: 404 });
      async function resolved(p: string) {
        const r = await s.store.resolvePath(p);
        return [r.mount.path, r.key];
      }
    });
  });

  describe('KV version 1', () => {
    it('writes, reads, lists and deletes unversioned values', async () => {
      const m = await s.mount(1);
      await s.store.v1Write(m, 'app/db', { password: 'p1', n: 1 });
      await s.store.v1Write(m, 'top', { a: 'b' });
      assert.deepEqual(await s.store.v1Read(m, 'app/db'), { password: 'p1', n: 1 });
      await s.store.v1Write(m, 'app/db', { password: 'p2' });
      assert.deepEqual(await s.store.v1Read(m, 'app/db'), { password: 'p2' });
      assert.deepEqual(await s.store.list(m), ['app/', 'top']);
      assert.deepEqual([...(await s.store.scan(m))].sort(), ['app/db', 'top']);
      await s.store.v1Delete(m, 'app/db');
      await rejects(s.store.v1Read(m, 'app/db'), NOT_FOUND);
      assert.deepEqual(await s.store.list(m), ['top']);
    });

    it('a missing value is a 404; deleting it is a no-op without a commit', async () => {
      const m = await s.mount(1);
      await rejects(s.store.v1Read(m, 'missing'), NOT_FOUND);
      const before = commitCount(s.t);
      await s.store.v1Delete(m, 'missing');
      assert.equal(commitCount(s.t), before);
    });

    it('refuses data that is not an object, and invalid keys', async () => {
      const m = await s.mount(1);
      await rejects(s.store.v1Write(m, 'k', 'text'), { code: 'ERR_INVALID_REQUEST', status: 400 });
      await rejects(s.store.v1Write(m, '', { a: 1 }), { code: 'ERR_INVALID_REQUEST', status: 400, message: 'missing path' });
      await rejects(s.store.v1Write(m, 'a/../b', { a: 1 }), { code: 'ERR_INVALID_REQUEST', status: 400, message: 'relative paths not supported' });
    });

    it('v2 operations are refused on a v1 mount, and v1 operations on a v2 mount', async () => {
      const v1 = await s.mount(1);
      const v2 = await s.mount(2);
      await rejects(s.store.writeData(v1, 'k', { data: {} }), { code: 'ERR_INVALID_REQUEST', status: 400 });
      await rejects(s.store.readMetadata(v1, 'k'), { code: 'ERR_INVALID_REQUEST', status: 400 });
      await rejects(s.store.readConfig(v1), { code: 'ERR_INVALID_REQUEST', status: 400 });
      await rejects(s.store.v1Write(v2, 'k', { a: 1 }), { code: 'ERR_INVALID_REQUEST', status: 400 });
      await rejects(s.store.v1Read(v2, 'k'), { code: 'ERR_INVALID_REQUEST', status: 400 });
    });
  });

  describe('upgrade v1 → v2 (seed: "Upgrading from Version 1")', () => {
    it('turns every v1 value into version 1 of its key, in one commit', async () => {
      const m = await s.mount(1);
      await s.store.v1Write(m, 'app/db', { password: 'p1' });
      await s.store.v1Write(m, 'app/api', { token: 't' });
      await s.store.v1Write(m, 'top', { a: { nested: true } });
      const before = commitCount(s.t);
      const t = s.clock.now;
      await s.store.upgradeMount(m);
      assert.equal(commitCount(s.t), before + 1);
      assert.equal((await s.store.mounts()).find((x) => x.path === `${m}/`)!.version, 2);
      assert.deepEqual((await s.store.readData(m, 'app/db')).data, { password: 'p1' });
      assert.deepEqual((await s.store.readData(m, 'top')).data, { a: { nested: true } });
      const meta = await s.store.readMetadata(m, 'app/api');
      assert.equal(meta.current_version, 1);
      assert.equal(meta.oldest_version, 0);
      assert.deepEqual(Object.keys(meta.versions), ['1']);
      assert.equal(meta.created_time, rfc3339(t));
      assert.equal(meta.versions['1']!.created_time, rfc3339(t));
      assert.deepEqual(await s.store.list(m), ['app/', 'top']);
      assert.deepEqual(await s.store.list(m, 'app/'), ['api', 'db']);
    });

    it('after the upgrade the v1 paths no longer suffice and the key behaves as v2', async () => {
      const m = await s.mount(1);
      await s.store.v1Write(m, 'k', { v: 1 });
      await s.store.upgradeMount(m);
      await rejects(s.store.v1Read(m, 'k'), { code: 'ERR_INVALID_REQUEST', status: 400 });
      await rejects(s.store.writeData(m, 'k', { data: { v: 2 }, options: { cas: 0 } }), { code: 'ERR_CAS_MISMATCH', status: 400 });
      assert.equal((await s.store.writeData(m, 'k', { data: { v: 2 }, options: { cas: 1 } })).version, 2);
      assert.deepEqual((await s.store.readData(m, 'k', { version: 1 })).data, { v: 1 });
    });

    // The upgrade removes each v1 key's folder and writes version 1 into it in the same commit:
    // the v1 blob (data.age) must not survive next to 1.age.
    it('leaves no v1 blob behind', async () => {
      const m = await s.mount(1);
      await s.store.v1Write(m, 'k', { v: 1 });
      await s.store.upgradeMount(m);
      await s.store.writeData(m, 'k', { data: { v: 2 } });
      const leftovers = git(s.t.repo, ['ls-tree', '-r', '--name-only', 'HEAD', `.kvgit/mounts/${m}/`]).trim().split('\n');
      assert.deepEqual(leftovers, [`.kvgit/mounts/${m}/k.kv/1.age`, `.kvgit/mounts/${m}/k.kv/2.age`, `.kvgit/mounts/${m}/k.kv/metadata.json`]);
    });

    it('upgrading a v2 mount is a no-op without a commit', async () => {
      const m = await s.mount(2);
      const before = commitCount(s.t);
      await s.store.upgradeMount(m);
      assert.equal(commitCount(s.t), before);
    });

    it('an empty v1 mount upgrades to an empty v2 mount', async () => {
      const m = await s.mount(1);
      await s.store.upgradeMount(m);
      await rejects(s.store.list(m), NOT_FOUND);
      assert.equal((await s.store.writeData(m, 'k', { data: {} })).version, 1);
    });
  });
});
