import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Layout } from '@kvgit/core';
import { tempStore, type TempStore } from '../helpers/temp';

const git = (t: TempStore, ...args: string[]) => execFileSync('git', args, { cwd: t.repo, env: t.env, encoding: 'utf8', maxBuffer: 1 << 28 });

/** The blob id of a version file at the store's ref, via the real git. */
function blobId(t: TempStore, layout: Layout, file: string): string {
  const rev = layout === 'branch' ? `kvgit:${file}` : `HEAD:.kvgit/${file}`;
  return git(t, 'rev-parse', rev).trim();
}

function allObjects(t: TempStore): string {
  return execFileSync('git', ['cat-file', '--batch-all-objects', '--batch'], { cwd: t.repo, maxBuffer: 1 << 28 }).toString('latin1');
}

for (const layout of ['directory', 'branch'] as Layout[]) {
  describe(`destroy that destroys (${layout} layout)`, function () {
    this.timeout(120_000);
    let t: TempStore;
    beforeEach(async () => {
      t = await tempStore({ layout });
      if (layout === 'directory') {
        // Code commits around the secret's introduction, as in a real project.
        execFileSync('sh', ['-c', 'echo code > app.txt && git add app.txt && git commit -qm code1'], { cwd: t.repo, env: t.env });
      }
    });
    afterEach(() => t.cleanup());

    it('removes the ciphertext from every commit, reflog, loose object and pack', async () => {
      const sentinel = `SENTINEL-${Date.now()}-destroy`;
      await t.store.writeData('secret', 'app/db', { data: { password: sentinel } });
      await t.store.writeData('secret', 'other', { data: { x: 'keep me' } });
      const file = 'mounts/secret/app/db.kv/1.age';
      const oid = blobId(t, layout, file);
      git(t, 'gc', '-q'); // packed
      await t.store.writeData('secret', 'app/db', { data: { password: 'second' } }); // loose
      if (layout === 'directory') execFileSync('sh', ['-c', 'echo more >> app.txt && git commit -qam code2'], { cwd: t.repo, env: t.env });
      assert.match(allObjects(t), new RegExp(oid));

      const receipt = await t.store.destroyVersions('secret', 'app/db', { versions: [1] });
      assert.ok(receipt, 'a receipt');
      assert.ok(receipt!.commitsRewritten >= 3, `rewrote ${receipt!.commitsRewritten}`);
      assert.ok(receipt!.refsMoved.length >= 1);

      const objects = allObjects(t);
      assert.doesNotMatch(objects, new RegExp(oid), 'blob id gone from every object');
      assert.ok(!objects.includes(sentinel), 'sentinel in no object');
      const reflog = git(t, 'reflog', '--all', '--format=%H');
      for (const c of reflog.split('\n').filter(Boolean)) {
        assert.doesNotMatch(git(t, 'ls-tree', '-r', c), new RegExp(oid), `reflog entry ${c} reaches no path to it`);
      }
      execFileSync('git', ['fsck', '--full', '--strict'], { cwd: t.repo, stdio: 'pipe' });
      assert.equal(git(t, 'count-objects', '-v').includes('garbage: 0'), true);
      // The store still works and the other secrets are intact.
      assert.deepEqual((await t.store.readData('secret', 'other')).data, { x: 'keep me' });
      assert.deepEqual((await t.store.readData('secret', 'app/db')).data, { password: 'second' });
      const report = await t.store.verify();
      assert.deepEqual(report.problems, []);
      if (layout === 'directory') {
        assert.equal(git(t, 'status', '--porcelain'), '');
        assert.equal(readFileSync(join(t.repo, 'app.txt'), 'utf8'), 'code\nmore\n');
        assert.match(git(t, 'log', '--format=%s'), /code2[\s\S]*code1/);
      }
    });

    if (layout === 'directory') it('also removes copies outside the store and moves linked work trees, leaving a repository git finds whole', async () => {
      await t.store.writeData('secret', 'app/db', { data: { password: 'one' } });
      await t.store.writeData('secret', 'app/db', { data: { password: 'two' } });
      const oid = blobId(t, layout, 'mounts/secret/app/db.kv/2.age');
      const worktree = join(t.root, 'wt');
      git(t, 'worktree', 'add', '-q', '--detach', worktree, 'HEAD');
      // A copy of the ciphertext elsewhere in the tree, stashed.
      execFileSync('sh', ['-c', 'cp .kvgit/mounts/secret/app/db.kv/2.age copy.age && git add copy.age && git stash -q'], { cwd: t.repo, env: t.env });
      await t.store.destroyVersions('secret', 'app/db', { versions: [2] });
      execFileSync('git', ['fsck', '--full', '--strict'], { cwd: t.repo, stdio: 'pipe' });
      assert.doesNotMatch(git(t, 'rev-list', '--all', '--objects', '--reflog'), new RegExp(oid));
      assert.doesNotMatch(allObjects(t), new RegExp(oid));
      assert.match(git(t, '-C', worktree, 'log', '-1', '--format=%s'), /put secret\/app\/db v2/, "the work tree's HEAD names the rewritten commit");
      assert.equal(git(t, 'stash', 'list').split('\n').filter(Boolean).length, 1);
      assert.deepEqual((await t.store.verify()).problems, []);
    });

    if (layout === 'directory') it('asks before rewriting code history and changes nothing when refused', async () => {
      await t.store.writeData('secret', 'k', { data: { a: '1' } });
      const before = git(t, 'rev-parse', 'HEAD').trim();
      let asked = 0;
      await assert.rejects(
        t.store.destroyVersions('secret', 'k', { versions: [1] }, { confirm: async (plan) => ((asked = plan.commits), false) }),
        (e: { code: string }) => e.code === 'ERR_CONFIRMATION_REFUSED',
      );
      assert.ok(asked >= 2, `plan counted ${asked} commits`);
      assert.equal(git(t, 'rev-parse', 'HEAD').trim(), before);
      assert.deepEqual((await t.store.readData('secret', 'k')).data, { a: '1' });
    });

    it('trimming past max_versions keeps the put cheap; verify lists the old ciphertext and purge removes it', async () => {
      await t.store.writeMetadata('secret', 'trim', { max_versions: 2 });
      for (const v of ['1', '2', '3']) await t.store.writeData('secret', 'trim', { data: { v } });
      const before = (await t.store.verify()).staleBlobs;
      assert.equal(before.length, 1, 'version 1 is trimmed but still in the history');
      const receipt = await t.store.purge();
      assert.ok(receipt && receipt.commitsRewritten > 0);
      assert.doesNotMatch(allObjects(t), new RegExp(before[0]!));
      assert.deepEqual((await t.store.verify()).problems, []);
      assert.deepEqual((await t.store.readData('secret', 'trim')).data, { v: '3' });
    });

    it('after rotations, destroy and metadata delete also remove the ciphertext sealed under earlier store keys', async () => {
      await t.store.writeData('secret', 'app/db', { data: { password: 'leaked' } });
      await t.store.writeData('secret', 'app/db', { data: { password: 'current' } });
      await t.store.writeData('secret', 'old', { data: { a: 'x' } });
      const sealed = (file: string) => [blobId(t, layout, file)];
      const v1 = sealed('mounts/secret/app/db.kv/1.age');
      const old = sealed('mounts/secret/old.kv/1.age');
      await t.store.rotate();
      v1.push(...sealed('mounts/secret/app/db.kv/1.age'));
      old.push(...sealed('mounts/secret/old.kv/1.age'));
      await t.store.writeData('secret', 'other', { data: { b: 'y' } }); // history after the rotation
      await t.store.rotate();
      assert.equal(new Set(v1).size, 2, 'each rotation seals the version again');

      await t.store.destroyVersions('secret', 'app/db', { versions: [1] });
      await t.store.deleteMetadata('secret', 'old');
      const objects = allObjects(t);
      for (const id of [...v1, ...old]) assert.doesNotMatch(objects, new RegExp(id), `${id} is gone`);
      assert.deepEqual((await t.store.verify()).problems, []);
      execFileSync('git', ['fsck', '--full', '--strict'], { cwd: t.repo, stdio: 'pipe' });
      assert.deepEqual((await t.store.readData('secret', 'app/db')).data, { password: 'current' });
      assert.deepEqual((await t.store.readData('secret', 'other')).data, { b: 'y' });
    });

    it('metadata delete purges every version of the key from history', async () => {
      await t.store.writeData('secret', 'gone', { data: { a: 'v1' } });
      await t.store.writeData('secret', 'gone', { data: { a: 'v2' } });
      const ids = [1, 2].map((n) => blobId(t, layout, `mounts/secret/gone.kv/${n}.age`));
      const receipt = await t.store.deleteMetadata('secret', 'gone');
      assert.ok(receipt && receipt.commitsRewritten > 0);
      const objects = allObjects(t);
      for (const id of ids) assert.doesNotMatch(objects, new RegExp(id));
      execFileSync('git', ['fsck', '--full'], { cwd: t.repo, stdio: 'pipe' });
      assert.deepEqual((await t.store.verify()).problems, []);
    });
  });
}
