import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { type Layout } from '@kvgit/core';
import { manualClock } from '../helpers/temp';
import { type Team, makeTeam, storeState, storeTree } from './helpers';

for (const layout of ['directory', 'branch'] as Layout[]) {
  describe(`kvgit sync (${layout} layout)`, function () {
    this.timeout(180_000);
    let t: Team;
    const branch = layout === 'branch' ? 'kvgit' : 'main';
    beforeEach(async () => {
      t = await makeTeam(layout);
    });
    afterEach(() => t.cleanup());

    const sync = (clone: string, ...args: string[]) => {
      const r = t.kvgit(clone, ['sync', '-format=json', ...args]);
      return { ...r, json: r.stdout ? (JSON.parse(r.stdout) as { pushed: boolean; created: boolean; status?: string; merge: { status: string } | null }) : undefined };
    };
    const remoteHead = () => execFileSync('git', ['rev-parse', branch], { cwd: t.bare, encoding: 'utf8' }).trim();

    it('fetches, merges (renumbering concurrent versions) and pushes; both clones end equal', async () => {
      const clock = manualClock(Date.parse('2026-05-01T00:00:00Z'));
      const alice = await t.open('alice', clock);
      const bob = await t.open('bob', clock);
      assert.equal(sync('bob').status, 0); // bob's clone gets the store branch (branch layout) or is already up to date
      clock.advance(1000);
      await alice.writeData('secret', 'shared', { data: { v: 'alice' } });
      await alice.writeData('secret', 'mine/alice', { data: { v: 1 } });
      clock.advance(1000);
      await bob.writeData('secret', 'shared', { data: { v: 'bob' } });
      await bob.writeData('secret', 'mine/bob', { data: { v: 2 } });

      const a1 = sync('alice');
      assert.equal(a1.status, 0, a1.stderr);
      assert.equal(a1.json!.pushed, true);
      const b1 = sync('bob');
      assert.equal(b1.status, 0, b1.stderr);
      assert.equal(b1.json!.merge!.status, 'merged');
      assert.equal(b1.json!.pushed, true);
      const a2 = sync('alice');
      assert.equal(a2.status, 0, a2.stderr);
      assert.equal(a2.json!.merge!.status, 'fast-forward');

      assert.equal(storeTree(t, 'alice', layout), storeTree(t, 'bob', layout));
      assert.equal(remoteHead(), t.git('alice', 'rev-parse', branch).trim());
      const state = await storeState(alice);
      assert.deepEqual(state, await storeState(bob));
      // Alice's version is older: it keeps number 1; Bob's became version 2.
      assert.deepEqual((state['secret/shared'] as { versions: unknown }).versions, { 1: { v: 'alice' }, 2: { v: 'bob' } });
      assert.deepEqual((await alice.verify()).problems, []);
      assert.deepEqual((await bob.verify()).problems, []);
    });

    it('stops before pushing when the merge has conflicts', async () => {
      const alice = await t.open('alice');
      const bob = await t.open('bob');
      sync('bob');
      await alice.writeData('secret', 'k', { data: { v: 1 } });
      assert.equal(sync('alice').status, 0);
      sync('bob');
      await alice.patchMetadata('secret', 'k', { max_versions: 3 });
      await bob.patchMetadata('secret', 'k', { max_versions: 4 });
      assert.equal(sync('alice').status, 0);
      const before = remoteHead();
      const r = sync('bob');
      assert.equal(r.status, 6, r.stderr);
      assert.equal(r.json!.pushed, false);
      assert.equal(remoteHead(), before, 'nothing was pushed');
      if (layout === 'directory') t.git('bob', 'merge', '--abort');
    });

    it('creates the branch on a remote that does not have it yet', async () => {
      const backup = join(t.root, 'backup.git');
      execFileSync('git', ['init', '-q', '--bare', backup], { env: t.env });
      t.git('alice', 'remote', 'add', 'backup', backup);
      const r = sync('alice', '--remote', 'backup');
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.json!.created, true);
      assert.equal(execFileSync('git', ['rev-parse', branch], { cwd: backup, encoding: 'utf8' }).trim(), t.git('alice', 'rev-parse', branch).trim());
    });
  });
}
