import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { type Layout } from '@kvgit/core';
import { type Team, makeTeam, storeState, storeTree } from './helpers';

for (const layout of ['branch', 'directory'] as Layout[]) {
  describe(`sync after a destroy (${layout} layout)`, function () {
    this.timeout(240_000);
    let t: Team;
    afterEach(() => t?.cleanup());
    const branch = layout === 'branch' ? 'kvgit' : 'main';

    it('a merge never quietly brings destroyed ciphertext back; sync --purge removes it on every clone', async () => {
      t = await makeTeam(layout);
      const alice = await t.open('alice');
      const bob = await t.open('bob');
      const sync = (clone: string, ...args: string[]) => {
        const r = t.kvgit(clone, ['sync', '-format=json', ...args]);
        assert.ok(r.stdout, r.stderr);
        return { status: r.status, stderr: r.stderr, json: JSON.parse(r.stdout) as { pushed: boolean; needs_purge: boolean; purged_commits: number } };
      };
      await alice.writeData('secret', 'app/db', { data: { password: 'destroy-me-4b1d' } });
      await alice.writeData('secret', 'app/db', { data: { password: 'keep' } });
      assert.equal(sync('alice').status, 0);
      assert.equal(sync('bob').status, 0);
      const file = `${layout === 'branch' ? 'kvgit:' : 'HEAD:.kvgit/'}mounts/secret/app/db.kv/1.age`;
      const blob = t.git('bob', 'rev-parse', file).trim();

      await alice.destroyVersions('secret', 'app/db', { versions: [1] }, { confirm: async () => true });
      await bob.writeData('secret', 'other', { data: { v: 'bob' } });
      assert.equal(sync('bob').status, 0);

      // Alice's history no longer has the blob; the remote's does. Merging them would revive it.
      const remoteBefore = execFileSync('git', ['rev-parse', branch], { cwd: t.bare, encoding: 'utf8' }).trim();
      const stopped = sync('alice');
      assert.equal(stopped.status, 6, stopped.stderr);
      assert.equal(stopped.json.needs_purge, true);
      assert.equal(stopped.json.pushed, false);
      assert.equal(execFileSync('git', ['rev-parse', branch], { cwd: t.bare, encoding: 'utf8' }).trim(), remoteBefore, 'nothing pushed');

      const purged = sync('alice', '--purge', '-y');
      assert.equal(purged.status, 0, purged.stderr);
      assert.equal(purged.json.pushed, true);
      assert.ok(purged.json.purged_commits > 0);
      const reachable = (cwd: string) => execFileSync('git', ['rev-list', '--objects', '--all'], { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
      assert.ok(!reachable(t.bare).includes(blob), 'the remote reaches the destroyed blob no more');

      // Bob's clone still holds the old history: his sync purges it too.
      assert.equal(sync('bob').json.needs_purge, true);
      const bobPurged = sync('bob', '--purge', '-y');
      assert.equal(bobPurged.status, 0, bobPurged.stderr);
      assert.equal(bobPurged.json.pushed, true);
      assert.equal(sync('alice').status, 0);

      for (const clone of ['alice', 'bob']) {
        assert.ok(!reachable(t.clones[clone]!).includes(blob), `${clone} reaches the blob no more`);
        assert.ok(!execFileSync('git', ['cat-file', '--batch-all-objects', '--batch-check'], { cwd: t.clones[clone], encoding: 'utf8', maxBuffer: 1 << 26 }).includes(blob), `${clone} holds the blob no more`);
        execFileSync('git', ['fsck', '--full'], { cwd: t.clones[clone], stdio: 'pipe' });
      }
      assert.ok(!reachable(t.bare).includes(blob));
      assert.deepEqual((await alice.verify()).problems, []);
      assert.deepEqual((await bob.verify()).problems, []);
      assert.equal(storeTree(t, 'alice', layout), storeTree(t, 'bob', layout));
      const state = await storeState(alice);
      assert.deepEqual(state, await storeState(bob));
      assert.deepEqual((state['secret/app/db'] as { versions: unknown }).versions, { 1: 'ERR_NOT_FOUND', 2: { password: 'keep' } });
      assert.deepEqual((state['secret/other'] as { versions: unknown }).versions, { 1: { v: 'bob' } });
    });
  });
}

describe('a plain `git pull` after a destroy (directory layout)', function () {
  this.timeout(240_000);
  it('the guard refuses the merge commit that would bring the destroyed blob back; kvgit merge settles it', async () => {
    const t = await makeTeam('directory');
    try {
      const alice = await t.open('alice');
      const bob = await t.open('bob');
      await alice.writeData('secret', 'app/db', { data: { password: 'destroy-me-77aa' } });
      await alice.writeData('secret', 'app/db', { data: { password: 'keep' } });
      t.git('alice', 'push', '-q', 'origin', 'main');
      t.git('bob', 'pull', '-q', '--no-rebase', 'origin', 'main');
      await alice.destroyVersions('secret', 'app/db', { versions: [1] }, { confirm: async () => true });
      await bob.writeData('secret', 'other', { data: { v: 'bob' } });
      t.git('bob', 'push', '-q', 'origin', 'main');

      // To git, version 1's blob looks like a file the remote added: its merge would keep it.
      const pull = t.tryGit('alice', 'pull', '--no-rebase', '--no-edit', 'origin', 'main');
      assert.notEqual(pull.status, 0, 'the pre-merge-commit hook refused');
      assert.match(pull.stderr, /\.kvgit\/mounts\/secret\/app\/db\.kv metadata\.json says version 1 is destroyed, but its blob is staged/);
      const r = t.kvgit('alice', ['merge']);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stderr, /made ciphertext reachable again that was destroyed on one side \(secret\/app\/db version 1\)/);
      assert.equal(t.tryGit('alice', 'cat-file', '-e', 'HEAD:.kvgit/mounts/secret/app/db.kv/1.age').status, 128, 'not in the merged tree');
      assert.equal(t.git('alice', 'status', '--porcelain'), '');
      const report = await alice.verify();
      assert.ok(report.problems.some((p) => /destroyed/.test(p.message)), 'verify still sees it in the history, until a purge');
      assert.deepEqual((await alice.readData('secret', 'other')).data, { v: 'bob' });
    } finally {
      t.cleanup();
    }
  });
});

describe('destroying a version a merge renumbered', function () {
  this.timeout(240_000);
  it('also purges its blob from before the renumbering (found through the merge commit\'s trailer)', async () => {
    const t = await makeTeam('branch');
    try {
      const { manualClock } = await import('../helpers/temp');
      const clock = manualClock(Date.parse('2026-06-01T00:00:00Z'));
      const alice = await t.open('alice', clock);
      const bob = await t.open('bob', clock);
      const sync = (clone: string, ...args: string[]) => JSON.parse(t.kvgit(clone, ['sync', '-format=json', ...args]).stdout) as { pushed: boolean; needs_purge: boolean; stale: Array<{ where: string; version: number; why: string }> };
      sync('bob');
      await alice.writeData('secret', 'k', { data: { v: 'alice' } });
      clock.advance(1000);
      await bob.writeData('secret', 'k', { data: { v: 'bob-renumbered' } });
      const bobsBlob = t.git('bob', 'rev-parse', 'kvgit:mounts/secret/k.kv/1.age').trim();
      assert.equal(sync('alice').pushed, true);
      assert.equal(sync('bob').pushed, true); // Bob's version 1 becomes version 2, sealed again
      sync('alice');
      assert.deepEqual((await alice.readData('secret', 'k', { version: 2 })).data, { v: 'bob-renumbered' });

      await alice.destroyVersions('secret', 'k', { versions: [2] });
      const stopped = sync('alice');
      assert.equal(stopped.needs_purge, true);
      // The remote still holds version 2 as sealed by the merge, and Bob's blob from before it.
      assert.deepEqual(stopped.stale.map((s) => [s.where, s.version, s.why]).sort(), [['secret/k', 1, 'renumbered, then destroyed'], ['secret/k', 2, 'destroyed']]);
      assert.equal(sync('alice', '--purge').pushed, true);
      assert.equal(sync('bob', '--purge').pushed, true);
      for (const cwd of [t.bare, t.clones.alice!, t.clones.bob!]) {
        assert.ok(!execFileSync('git', ['rev-list', '--objects', '--all'], { cwd, encoding: 'utf8' }).includes(bobsBlob), `${cwd} reaches the earlier blob no more`);
      }
      assert.deepEqual((await alice.verify()).problems, []);
      assert.deepEqual((await bob.verify()).problems, []);
    } finally {
      t.cleanup();
    }
  });
});
