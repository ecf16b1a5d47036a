/**
 * Versions: delete/undelete/destroy (reference §4.7–4.9), the max_versions window and
 * oldest_version (§5, with the seed's rule: a key's non-zero max_versions is its limit), and
 * delete_version_after (§1 rule 5, §6).
 */
import assert from 'node:assert/strict';
import { HOUR, MINUTE, NOT_FOUND, commitCount, git, rejects, rfc3339, sharedStore, versionMeta } from '../helpers/kv';

describe('core: versions (delete, undelete, destroy, max_versions, delete_version_after)', () => {
  const s = sharedStore();

  async function writeN(m: string, key: string, n: number): Promise<void> {
    for (let i = 0; i < n; i++) await s.store.writeData(m, key, { data: { i: i + 1 } });
  }
  async function versionsOf(m: string, key: string): Promise<number[]> {
    return Object.keys((await s.store.readMetadata(m, key)).versions).map(Number);
  }
  async function oldest(m: string, key: string): Promise<number> {
    return (await s.store.readMetadata(m, key)).oldest_version;
  }

  describe('delete versions (§4.7)', () => {
    it('soft-deletes the listed versions, given as an array, a number or a comma string', async () => {
      const m = await s.mount();
      await writeN(m, 'k', 5);
      const t = s.clock.now;
      await s.store.deleteVersions(m, 'k', { versions: [1, 2] });
      await s.store.deleteVersions(m, 'k', { versions: 3 });
      await s.store.deleteVersions(m, 'k', { versions: '4,5' });
      const meta = await s.store.readMetadata(m, 'k');
      for (const n of ['1', '2', '3', '4', '5']) assert.equal(meta.versions[n]!.deletion_time, rfc3339(t));
      assert.equal(meta.current_version, 5);
      await rejects(s.store.readData(m, 'k', { version: 1 }), { code: 'ERR_NOT_FOUND', status: 404 });
    });

    it('accepts versions as strings in an array', async () => {
      const m = await s.mount();
      await writeN(m, 'k', 2);
      await s.store.deleteVersions(m, 'k', { versions: ['1', '2'] });
      const meta = await s.store.readMetadata(m, 'k');
      assert.notEqual(meta.versions['1']!.deletion_time, '');
      assert.notEqual(meta.versions['2']!.deletion_time, '');
    });

    it('refuses an empty or missing list with 400 "No version number provided"', async () => {
      const m = await s.mount();
      await writeN(m, 'k', 1);
      for (const body of [{}, { versions: [] }, { versions: '' }, { versions: null }]) {
        await rejects(s.store.deleteVersions(m, 'k', body), { code: 'ERR_INVALID_REQUEST', status: 400, message: 'No version number provided' });
      }
    });

    it('is a no-op on a missing key and creates no metadata', async () => {
      const m = await s.mount();
      const before = commitCount(s.t);
      await s.store.deleteVersions(m, 'missing', { versions: [1] });
      assert.equal(commitCount(s.t), before);
      await rejects(s.store.readMetadata(m, 'missing'), NOT_FOUND);
    });

    it('skips versions that do not exist, are destroyed or are already deleted (keeping their time)', async () => {
      const m = await s.mount();
      await writeN(m, 'k', 3);
      const t1 = s.clock.now;
      await s.store.deleteVersions(m, 'k', { versions: [1] });
      await s.store.destroyVersions(m, 'k', { versions: [2] });
      s.clock.advance(MINUTE);
      const t2 = s.clock.now;
      await s.store.deleteVersions(m, 'k', { versions: [1, 2, 3, 9] });
      const meta = await s.store.readMetadata(m, 'k');
      assert.equal(meta.versions['1']!.deletion_time, rfc3339(t1));
      assert.equal(meta.versions['2']!.deletion_time, '');
      assert.equal(meta.versions['2']!.destroyed, true);
      assert.equal(meta.versions['3']!.deletion_time, rfc3339(t2));
      assert.deepEqual(Object.keys(meta.versions), ['1', '2', '3']);
    });

    it('does not change updated_time', async () => {
      const m = await s.mount();
      await writeN(m, 'k', 1);
      const updated = (await s.store.readMetadata(m, 'k')).updated_time;
      s.clock.advance(MINUTE);
      await s.store.deleteVersions(m, 'k', { versions: [1] });
      await s.store.undeleteVersions(m, 'k', { versions: [1] });
      await s.store.destroyVersions(m, 'k', { versions: [1] });
      await s.store.deleteLatest(m, 'k');
      assert.equal((await s.store.readMetadata(m, 'k')).updated_time, updated);
    });
  });

  describe('undelete (§4.8)', () => {
    it('restores deleted versions', async () => {
      const m = await s.mount();
      await writeN(m, 'k', 2);
      s.clock.advance(1);
      await s.store.deleteVersions(m, 'k', { versions: [1, 2] });
      await s.store.undeleteVersions(m, 'k', { versions: [2] });
      assert.deepEqual((await s.store.readData(m, 'k')).data, { i: 2 });
      await rejects(s.store.readData(m, 'k', { version: 1 }), { code: 'ERR_NOT_FOUND' });
      assert.equal((await s.store.readMetadata(m, 'k')).versions['2']!.deletion_time, '');
    });

    it('refuses an empty list with 400 "No version number provided"', async () => {
      const m = await s.mount();
      await rejects(s.store.undeleteVersions(m, 'k', {}), { code: 'ERR_INVALID_REQUEST', status: 400, message: 'No version number provided' });
    });

    it('cannot revive destroyed versions', async () => {
      const m = await s.mount();
      await writeN(m, 'k', 1);
      await s.store.deleteVersions(m, 'k', { versions: [1] });
      await s.store.destroyVersions(m, 'k', { versions: [1] });
      await s.store.undeleteVersions(m, 'k', { versions: [1] });
      const v = (await s.store.readMetadata(m, 'k')).versions['1']!;
      assert.equal(v.destroyed, true);
      assert.notEqual(v.deletion_time, '');
    });

    it('is a no-op without a commit on a missing key, or on live versions without delete_version_after', async () => {
      const m = await s.mount();
      await writeN(m, 'k', 1);
      const before = commitCount(s.t);
      await s.store.undeleteVersions(m, 'missing', { versions: [1] });
      await s.store.undeleteVersions(m, 'k', { versions: [1, 5] });
      assert.equal(commitCount(s.t), before);
      await rejects(s.store.readMetadata(m, 'missing'), NOT_FOUND);
    });
  });

  describe('destroy (§4.9)', () => {
    it('refuses an empty list with 400 "no version number provided" (lowercase)', async () => {
      const m = await s.mount();
      await rejects(s.store.destroyVersions(m, 'k', { versions: [] }), { code: 'ERR_INVALID_REQUEST', status: 400, message: 'no version number provided' });
    });

    it('marks versions destroyed, keeps deletion_time, keeps current_version, and the next write is N+1', async () => {
      const m = await s.mount();
      await writeN(m, 'k', 2);
      const t = s.clock.now;
      await s.store.deleteVersions(m, 'k', { versions: [1] });
      await s.store.destroyVersions(m, 'k', { versions: [1, 2] });
      const meta = await s.store.readMetadata(m, 'k');
      assert.deepEqual(meta.versions['1'], { created_time: meta.versions['1']!.created_time, deletion_time: rfc3339(t), destroyed: true });
      assert.equal(meta.versions['2']!.destroyed, true);
      assert.equal(meta.versions['2']!.deletion_time, '');
      assert.equal(meta.current_version, 2);
      assert.equal((await s.store.writeData(m, 'k', { data: {} })).version, 3);
    });

    it('removes the version blob from the committed tree', async () => {
      const m = await s.mount();
      await writeN(m, 'k', 2);
      const files = () => git(s.t.repo, ['ls-tree', '-r', '--name-only', 'HEAD', `.kvgit/mounts/${m}/k.kv/`]).trim().split('\n');
      assert.deepEqual(files(), [`.kvgit/mounts/${m}/k.kv/1.age`, `.kvgit/mounts/${m}/k.kv/2.age`, `.kvgit/mounts/${m}/k.kv/metadata.json`]);
      await s.store.destroyVersions(m, 'k', { versions: [1] });
      assert.deepEqual(files(), [`.kvgit/mounts/${m}/k.kv/2.age`, `.kvgit/mounts/${m}/k.kv/metadata.json`]);
    });

    it('is a no-op without a commit on a missing key or already destroyed versions', async () => {
      const m = await s.mount();
      await writeN(m, 'k', 1);
      await s.store.destroyVersions(m, 'k', { versions: [1] });
      const before = commitCount(s.t);
      await s.store.destroyVersions(m, 'k', { versions: [1, 7] });
      await s.store.destroyVersions(m, 'missing', { versions: [1] });
      assert.equal(commitCount(s.t), before);
      await rejects(s.store.readMetadata(m, 'missing'), NOT_FOUND);
    });
  });

  describe('max_versions and oldest_version (§5, seed rule)', () => {
    it('default 10: oldest_version is 0 until the window fills, 1 at write 10, then v1 is pruned', async () => {
      const m = await s.mount();
      for (let i = 1; i <= 9; i++) {
        await s.store.writeData(m, 'k', { data: { i } });
        assert.equal(await oldest(m, 'k'), 0, `after write ${i}`);
      }
      await s.store.writeData(m, 'k', { data: { i: 10 } });
      assert.equal(await oldest(m, 'k'), 1);
      assert.deepEqual(await versionsOf(m, 'k'), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      await s.store.writeData(m, 'k', { data: { i: 11 } });
      assert.equal(await oldest(m, 'k'), 2);
      assert.deepEqual(await versionsOf(m, 'k'), [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      await rejects(s.store.readData(m, 'k', { version: 1 }), NOT_FOUND);
    });

    it('key max_versions 2: oldest 0, then 1 ({1,2}), then 2 ({2,3})', async () => {
      const m = await s.mount();
      await s.store.writeMetadata(m, 'k', { max_versions: 2 });
      await s.store.writeData(m, 'k', { data: {} });
      assert.equal(await oldest(m, 'k'), 0);
      await s.store.writeData(m, 'k', { data: {} });
      assert.equal(await oldest(m, 'k'), 1);
      assert.deepEqual(await versionsOf(m, 'k'), [1, 2]);
      await s.store.writeData(m, 'k', { data: {} });
      assert.equal(await oldest(m, 'k'), 2);
      assert.deepEqual(await versionsOf(m, 'k'), [2, 3]);
    });

    it('max_versions 1: oldest 1 after v1 ({1}), 2 after v2 ({2})', async () => {
      const m = await s.mount();
      await s.store.writeMetadata(m, 'k', { max_versions: 1 });
      await s.store.writeData(m, 'k', { data: {} });
      assert.equal(await oldest(m, 'k'), 1);
      assert.deepEqual(await versionsOf(m, 'k'), [1]);
      await s.store.writeData(m, 'k', { data: {} });
      assert.equal(await oldest(m, 'k'), 2);
      assert.deepEqual(await versionsOf(m, 'k'), [2]);
    });

    it('shrinking prunes nothing until the next write, which drops every excess version (5 writes, max 2, v6 → {5,6})', async () => {
      const m = await s.mount();
      await writeN(m, 'k', 5);
      await s.store.writeMetadata(m, 'k', { max_versions: 2 });
      assert.deepEqual(await versionsOf(m, 'k'), [1, 2, 3, 4, 5]);
      assert.equal(await oldest(m, 'k'), 0);
      await s.store.writeData(m, 'k', { data: {} });
      assert.equal(await oldest(m, 'k'), 5);
      assert.deepEqual(await versionsOf(m, 'k'), [5, 6]);
      for (let v = 1; v <= 4; v++) await rejects(s.store.readData(m, 'k', { version: v }), NOT_FOUND);
    });

    it('10 writes, then max 2, then v11 → {10,11}, oldest 10', async () => {
      const m = await s.mount();
      await writeN(m, 'k', 10);
      await s.store.writeMetadata(m, 'k', { max_versions: 2 });
      await s.store.writeData(m, 'k', { data: {} });
      assert.equal(await oldest(m, 'k'), 10);
      assert.deepEqual(await versionsOf(m, 'k'), [10, 11]);
    });

    it('a key\'s non-zero max_versions is its limit even below the mount\'s (seed rule, not upstream max)', async () => {
      const m = await s.mount();
      await s.store.writeConfig(m, { max_versions: 5 });
      await s.store.writeMetadata(m, 'k', { max_versions: 2 });
      await writeN(m, 'k', 6);
      assert.deepEqual(await versionsOf(m, 'k'), [5, 6]);
    });

    it('a key\'s max_versions above the mount\'s is its limit too', async () => {
      const m = await s.mount();
      await s.store.writeConfig(m, { max_versions: 2 });
      await s.store.writeMetadata(m, 'k', { max_versions: 4 });
      await writeN(m, 'k', 6);
      assert.deepEqual(await versionsOf(m, 'k'), [3, 4, 5, 6]);
    });

    it('a key without max_versions uses the mount\'s', async () => {
      const m = await s.mount();
      await s.store.writeConfig(m, { max_versions: 3 });
      await writeN(m, 'k', 5);
      assert.deepEqual(await versionsOf(m, 'k'), [3, 4, 5]);
      assert.equal(await oldest(m, 'k'), 3);
    });

    it('shrinking the mount\'s max_versions prunes a key only on its next write', async () => {
      const m = await s.mount();
      await writeN(m, 'k', 4);
      await s.store.writeConfig(m, { max_versions: 2 });
      assert.deepEqual(await versionsOf(m, 'k'), [1, 2, 3, 4]);
      await s.store.writeData(m, 'k', { data: {} });
      assert.deepEqual(await versionsOf(m, 'k'), [4, 5]);
    });

    it('growing max_versions grows the window; nothing is restored', async () => {
      const m = await s.mount();
      await s.store.writeMetadata(m, 'k', { max_versions: 2 });
      await writeN(m, 'k', 3);
      await s.store.writeMetadata(m, 'k', { max_versions: 4 });
      await writeN(m, 'k', 1);
      assert.deepEqual(await versionsOf(m, 'k'), [2, 3, 4]);
      await writeN(m, 'k', 1);
      assert.deepEqual(await versionsOf(m, 'k'), [2, 3, 4, 5]);
      await writeN(m, 'k', 1);
      assert.deepEqual(await versionsOf(m, 'k'), [3, 4, 5, 6]);
    });

    it('deleted and destroyed versions occupy window slots', async () => {
      const m = await s.mount();
      await s.store.writeMetadata(m, 'k', { max_versions: 3 });
      await writeN(m, 'k', 3);
      await s.store.deleteVersions(m, 'k', { versions: [2] });
      await s.store.destroyVersions(m, 'k', { versions: [3] });
      await writeN(m, 'k', 1);
      assert.deepEqual(await versionsOf(m, 'k'), [2, 3, 4]);
    });

    it('patch applies the same window', async () => {
      const m = await s.mount();
      await s.store.writeMetadata(m, 'k', { max_versions: 2 });
      await writeN(m, 'k', 2);
      await s.store.patchData(m, 'k', { data: { p: 1 } });
      assert.deepEqual(await versionsOf(m, 'k'), [2, 3]);
      assert.equal(await oldest(m, 'k'), 2);
    });

    it('metadata writes never move oldest_version', async () => {
      const m = await s.mount();
      await writeN(m, 'k', 3);
      await s.store.writeMetadata(m, 'k', { max_versions: 1, custom_metadata: { a: 'b' } });
      await s.store.patchMetadata(m, 'k', { max_versions: 2 });
      assert.equal(await oldest(m, 'k'), 0);
      assert.deepEqual(await versionsOf(m, 'k'), [1, 2, 3]);
    });

    it('removes the pruned versions\' blobs from the committed tree', async () => {
      const m = await s.mount();
      await s.store.writeMetadata(m, 'k', { max_versions: 2 });
      await writeN(m, 'k', 4);
      const files = git(s.t.repo, ['ls-tree', '-r', '--name-only', 'HEAD', `.kvgit/mounts/${m}/k.kv/`]).trim().split('\n');
      assert.deepEqual(files, [`.kvgit/mounts/${m}/k.kv/3.age`, `.kvgit/mounts/${m}/k.kv/4.age`, `.kvgit/mounts/${m}/k.kv/metadata.json`]);
    });
  });

  describe('delete_version_after (§1 rule 5, §6)', () => {
    const table: Array<[string, string | number, string | undefined, number | null]> = [
      // mount, key, expected effective (ms) or null for none
      ['0/0 → none', 0, undefined, null],
      ['0/3h → 3h', 0, '3h', 3 * HOUR],
      ['3h/0 → 3h', '3h', undefined, 3 * HOUR],
      ['6h/3h → 3h', '6h', '3h', 3 * HOUR],
      ['3h/6h → 3h', '3h', '6h', 3 * HOUR],
      ['disabled/0 → none', -1, undefined, null],
      ['disabled/3h → none', '-1s', '3h', null],
    ];
    for (const [name, mountDva, keyDva, effective] of table) {
      it(`effective value ${name}`, async () => {
        const m = await s.mount();
        await s.store.writeConfig(m, { delete_version_after: mountDva });
        if (keyDva !== undefined) await s.store.writeMetadata(m, 'k', { delete_version_after: keyDva });
        const t = s.clock.now;
        const r = await s.store.writeData(m, 'k', { data: {} });
        assert.equal(r.deletion_time, effective === null ? '' : rfc3339(t + effective));
        assert.equal((await s.store.readMetadata(m, 'k')).versions['1']!.deletion_time, r.deletion_time);
      });
    }

    it('a version reads normally until its deletion_time, then like a soft-deleted one', async () => {
      const m = await s.mount();
      await s.store.writeConfig(m, { delete_version_after: '1h' });
      const t = s.clock.now;
      await s.store.writeData(m, 'k', { data: { a: 1 } });
      const meta = versionMeta(1, t, { deletion: t + HOUR });
      s.clock.advance(HOUR - 1);
      assert.deepEqual(await s.store.readData(m, 'k'), { data: { a: 1 }, metadata: meta });
      assert.deepEqual((await s.store.readSubkeys(m, 'k')).subkeys, { a: null });
      s.clock.advance(1);
      await rejects(s.store.readData(m, 'k'), { ...NOT_FOUND, data: { data: null, metadata: meta } });
      await rejects(s.store.readSubkeys(m, 'k'), { ...NOT_FOUND, data: { subkeys: null, metadata: meta } });
      await rejects(s.store.patchData(m, 'k', { data: { b: 1 } }), { ...NOT_FOUND, data: meta });
      const before = commitCount(s.t);
      await s.store.deleteLatest(m, 'k');
      await s.store.deleteVersions(m, 'k', { versions: [1] });
      assert.equal(commitCount(s.t), before, 'deleting a passed version is a no-op');
      assert.equal((await s.store.readMetadata(m, 'k')).versions['1']!.deletion_time, rfc3339(t + HOUR));
    });

    it('undelete re-arms the timer from now', async () => {
      const m = await s.mount();
      await s.store.writeMetadata(m, 'k', { delete_version_after: '30m' });
      await s.store.writeData(m, 'k', { data: { a: 1 } });
      s.clock.advance(HOUR);
      await rejects(s.store.readData(m, 'k'), { code: 'ERR_NOT_FOUND' });
      const u = s.clock.now;
      await s.store.undeleteVersions(m, 'k', { versions: [1] });
      assert.equal((await s.store.readMetadata(m, 'k')).versions['1']!.deletion_time, rfc3339(u + 30 * MINUTE));
      assert.deepEqual((await s.store.readData(m, 'k')).data, { a: 1 });
    });

    it('undelete of a live version restarts its timer', async () => {
      const m = await s.mount();
      await s.store.writeConfig(m, { delete_version_after: '1h' });
      await s.store.writeData(m, 'k', { data: {} });
      s.clock.advance(10 * MINUTE);
      const u = s.clock.now;
      await s.store.undeleteVersions(m, 'k', { versions: [1] });
      assert.equal((await s.store.readMetadata(m, 'k')).versions['1']!.deletion_time, rfc3339(u + HOUR));
    });

    it('with the mount\'s delete_version_after disabled, undelete clears the deletion time', async () => {
      const m = await s.mount();
      await s.store.writeConfig(m, { delete_version_after: -1 });
      await s.store.writeMetadata(m, 'k', { delete_version_after: '1h' });
      await s.store.writeData(m, 'k', { data: {} });
      s.clock.advance(1);
      await s.store.deleteLatest(m, 'k');
      await s.store.undeleteVersions(m, 'k', { versions: [1] });
      assert.equal((await s.store.readMetadata(m, 'k')).versions['1']!.deletion_time, '');
    });

    it('changing the mount or key value affects only versions written or undeleted later', async () => {
      const m = await s.mount();
      const t = s.clock.now;
      await s.store.writeConfig(m, { delete_version_after: '1h' });
      await s.store.writeData(m, 'k', { data: {} });
      await s.store.writeConfig(m, { delete_version_after: '2h' });
      await s.store.writeMetadata(m, 'k', { delete_version_after: '10m' });
      assert.equal((await s.store.readMetadata(m, 'k')).versions['1']!.deletion_time, rfc3339(t + HOUR));
      const r = await s.store.writeData(m, 'k', { data: {} });
      assert.equal(r.deletion_time, rfc3339(t + 10 * MINUTE));
    });

    it('a key value larger than the mount\'s is stored as given; the smaller wins at write time', async () => {
      const m = await s.mount();
      await s.store.writeConfig(m, { delete_version_after: '1h' });
      await s.store.writeMetadata(m, 'k', { delete_version_after: '5h' });
      assert.equal((await s.store.readMetadata(m, 'k')).delete_version_after, '5h0m0s');
      const t = s.clock.now;
      assert.equal((await s.store.writeData(m, 'k', { data: {} })).deletion_time, rfc3339(t + HOUR));
    });

    it('the seed\'s example: max-versions 2, delete-version-after 3h25m19s', async () => {
      const m = await s.mount();
      await writeN(m, 'my-secret', 3);
      await s.store.writeMetadata(m, 'my-secret', { max_versions: 2, delete_version_after: '3h25m19s' });
      const t = s.clock.now;
      const r = await s.store.writeData(m, 'my-secret', { data: { 'my-value': 'newer-s3cr3t' } });
      assert.deepEqual(r, versionMeta(4, t, { deletion: t + (3 * 3600 + 25 * 60 + 19) * 1000 }));
      const meta = await s.store.readMetadata(m, 'my-secret');
      assert.equal(meta.delete_version_after, '3h25m19s');
      assert.equal(meta.max_versions, 2);
      assert.equal(meta.oldest_version, 3);
      assert.deepEqual(Object.keys(meta.versions), ['3', '4']);
    });
  });
});
