import assert from 'node:assert/strict';
import { type Layout, type Store } from '@kvgit/core';
import { manualClock } from '../helpers/temp';
import { type Team, makeTeam, storeState, storeTree } from './helpers';

const T0 = Date.parse('2026-03-01T10:00:00Z');
const SECOND = 1000;

for (const layout of ['directory', 'branch'] as Layout[]) {
  describe(`merging two clones (${layout} layout)`, function () {
    this.timeout(180_000);
    let t: Team;
    let alice: Store;
    let bob: Store;
    const aliceClock = manualClock(T0);
    const bobClock = manualClock(T0);
    /** Fetch the other side's store as git does it: the store's branch or the code branch. */
    const storeBranch = layout === 'branch' ? 'kvgit' : 'main';

    beforeEach(async () => {
      t = await makeTeam(layout);
      alice = await t.open('alice', aliceClock);
      bob = await t.open('bob', bobClock);
      aliceClock.set(T0);
      bobClock.set(T0);
      await alice.writeData('secret', 'app/db', { data: { password: 'one' } });
      t.git('alice', 'push', '-q', 'origin', storeBranch);
      t.git('bob', 'fetch', '-q', 'origin');
      if (layout === 'branch') await mergeInto('bob', 'origin/kvgit');
      else t.git('bob', 'merge', '-q', '--ff-only', 'origin/main');

      // Concurrent work. Bob's new version of app/db is older than both of Alice's.
      bobClock.set(T0 + 10 * SECOND);
      await bob.writeData('secret', 'app/db', { data: { password: 'bob-two', user: 'bob' } });
      await bob.writeData('secret', 'only/bob', { data: { k: 'b' } });
      await bob.patchMetadata('secret', 'app/db', { custom_metadata: { team: 'payments' } });
      await bob.enableMount('bobs');
      await bob.writeData('bobs', 'x', { data: { v: 'bx' } });
      aliceClock.set(T0 + 20 * SECOND);
      await alice.writeData('secret', 'app/db', { data: { password: 'alice-two' } });
      aliceClock.advance(SECOND);
      await alice.writeData('secret', 'app/db', { data: { password: 'alice-three' } });
      await alice.writeData('secret', 'only/alice', { data: { k: 'a' } });
      await alice.deleteVersions('secret', 'app/db', { versions: [1] });
      await alice.enableMount('alices');
      await alice.writeData('alices', 'y', { data: { v: 'ay' } });
    });
    afterEach(() => t.cleanup());

    /** kvgit merge of a ref into a clone (branch layout: in the store's branch). */
    async function mergeInto(clone: string, ref: string) {
      const r = t.kvgit(clone, ['merge', ref]);
      assert.equal(r.status, 0, `kvgit merge ${ref} in ${clone}: ${r.stdout}${r.stderr}`);
      return r;
    }

    async function assertMergedState(store: Store) {
      // Read when every deletion time of the test has passed on both clocks.
      aliceClock.set(T0 + 60 * SECOND);
      bobClock.set(T0 + 60 * SECOND);
      const state = await storeState(store);
      const db = state['secret/app/db'] as { meta: { current_version: number; custom_metadata: unknown; versions: Record<string, { deletion_time: string }> }; versions: Record<string, unknown> };
      // No version lost: the shared one, Bob's, then Alice's two, in order of creation.
      assert.deepEqual(db.versions, { 1: 'ERR_NOT_FOUND', 2: { password: 'bob-two', user: 'bob' }, 3: { password: 'alice-two' }, 4: { password: 'alice-three' } });
      assert.equal(db.meta.current_version, 4);
      assert.notEqual(db.meta.versions['1']!.deletion_time, '', 'Alice\'s delete of version 1 is kept');
      assert.deepEqual(db.meta.custom_metadata, { team: 'payments' }, 'Bob\'s custom_metadata is kept');
      assert.deepEqual((state['secret/only/alice'] as { versions: unknown }).versions, { 1: { k: 'a' } });
      assert.deepEqual((state['secret/only/bob'] as { versions: unknown }).versions, { 1: { k: 'b' } });
      assert.deepEqual((state['alices/y'] as { versions: unknown }).versions, { 1: { v: 'ay' } });
      assert.deepEqual((state['bobs/x'] as { versions: unknown }).versions, { 1: { v: 'bx' } });
      const report = await store.verify();
      assert.deepEqual(report.problems, [], 'verify is clean');
      return state;
    }

    it('pull, merge, push: no version lost, verify clean, the same store on both clones', async () => {
      t.git('alice', 'push', '-q', 'origin', storeBranch);
      if (layout === 'directory') {
        // The real git merges what it can (different keys, the mount table through the driver)
        // and stops on the versions both sides numbered 2; `kvgit merge` settles the rest.
        const pull = t.tryGit('bob', 'pull', '--no-rebase', '-q', 'origin', 'main');
        assert.notEqual(pull.status, 0, 'git alone cannot renumber versions');
        assert.match(pull.stderr, /kvgit merge/);
        const unmerged = t.git('bob', 'diff', '--name-only', '--diff-filter=U');
        assert.deepEqual(unmerged.trim().split('\n').sort(), ['.kvgit/mounts/secret/app/db.kv/2.age', '.kvgit/mounts/secret/app/db.kv/metadata.json']);
        const r = await mergeInto('bob', '');
        assert.match(r.stdout, /secret\/app\/db\s+theirs\s+2\s+3/);
        assert.match(r.stdout, /secret\/app\/db\s+theirs\s+3\s+4/);
        assert.equal(t.git('bob', 'status', '--porcelain'), '');
      } else {
        t.git('bob', 'fetch', '-q', 'origin');
        await mergeInto('bob', 'origin/kvgit');
      }
      const head = t.git('bob', 'cat-file', '-p', storeBranch);
      assert.equal((head.match(/^parent /gm) ?? []).length, 2, 'a merge commit with both parents');
      assert.match(head, /Kvgit-Operation: merge\nKvgit-Mount: secret\/\nKvgit-Path: app\/db\nKvgit-Versions: 3,4\nKvgit-Renumbered: theirs 2>3 [0-9a-f]{40}\nKvgit-Renumbered: theirs 3>4 [0-9a-f]{40}\n/);
      await assertMergedState(bob);
      t.git('bob', 'push', '-q', 'origin', storeBranch);
      t.git('alice', 'fetch', '-q', 'origin');
      if (layout === 'directory') t.git('alice', 'merge', '-q', '--ff-only', 'origin/main');
      else await mergeInto('alice', 'origin/kvgit');
      await assertMergedState(alice);
      assert.equal(storeTree(t, 'alice', layout), storeTree(t, 'bob', layout));
      const log = await alice.log({ mount: 'secret', path: 'app/db' });
      assert.ok(log.some((e) => e.operation === 'merge' && e.versions.join() === '3,4'), 'the audit log shows the renumbering');
    });

    it('merged in both directions independently: the same state, then the same bytes', async () => {
      t.git('alice', 'remote', 'add', 'bob', t.clones.bob!);
      t.git('bob', 'remote', 'add', 'alice', t.clones.alice!);
      t.git('alice', 'fetch', '-q', 'bob');
      t.git('bob', 'fetch', '-q', 'alice');
      if (layout === 'directory') {
        // Alice with the real git, then kvgit for what it left; Bob with `kvgit merge <ref>`.
        const m = t.tryGit('alice', 'merge', '--no-edit', 'bob/main');
        assert.notEqual(m.status, 0);
        await mergeInto('alice', '');
        await mergeInto('bob', 'alice/main');
      } else {
        await mergeInto('alice', 'bob/kvgit');
        await mergeInto('bob', 'alice/kvgit');
      }
      const a = await assertMergedState(alice);
      const b = await assertMergedState(bob);
      assert.deepEqual(a, b, 'both directions reach the same store');
      const meta = (clone: string) => t.git(clone, 'rev-parse', `${layout === 'branch' ? 'kvgit:' : 'HEAD:.kvgit/'}mounts/secret/app/db.kv/metadata.json`).trim();
      assert.equal(meta('alice'), meta('bob'), 'byte-identical metadata (the MAC is deterministic)');

      // The next exchange converges to the same bytes: two copies of one renumbered version are
      // told apart by their contents, and the lower blob id is kept on both sides.
      t.git('alice', 'fetch', '-q', 'bob');
      t.git('bob', 'fetch', '-q', 'alice');
      for (const [clone, other] of [['alice', 'bob'], ['bob', 'alice']] as const) {
        if (layout === 'directory') t.git(clone, 'merge', '-q', '--no-edit', `${other}/main`); // the driver alone settles it
        else await mergeInto(clone, `${other}/kvgit`);
      }
      assert.equal(storeTree(t, 'alice', layout), storeTree(t, 'bob', layout));
      await assertMergedState(alice);
      await assertMergedState(bob);
    });

    it('conflicting metadata edits are reported with both sides, and nothing is written', async () => {
      await alice.patchMetadata('secret', 'app/db', { custom_metadata: { owner: 'alice' }, max_versions: 5 });
      await bob.patchMetadata('secret', 'app/db', { custom_metadata: { owner: 'bob' }, max_versions: 7 });
      t.git('alice', 'push', '-q', 'origin', storeBranch);
      t.git('bob', 'fetch', '-q', 'origin');
      const before = t.git('bob', 'rev-parse', storeBranch).trim();
      const r = t.kvgit('bob', ['merge', `origin/${storeBranch}`, '-format=json']);
      assert.equal(r.status, 6, r.stderr);
      const out = JSON.parse(r.stdout) as { status: string; conflicts: Array<{ where: string; field: string; ours: string; theirs: string }> };
      assert.equal(out.status, 'conflicts');
      const byField = Object.fromEntries(out.conflicts.map((c) => [c.field, c]));
      assert.deepEqual([byField['max_versions']?.ours, byField['max_versions']?.theirs], ['7', '5']);
      assert.deepEqual([byField['custom_metadata.owner']?.ours, byField['custom_metadata.owner']?.theirs], ['"bob"', '"alice"']);
      assert.ok(out.conflicts.every((c) => c.where === 'secret/app/db'));
      const table = t.kvgit('bob', layout === 'branch' ? ['merge', 'origin/kvgit'] : ['merge']);
      assert.equal(table.status, 6);
      assert.match(table.stdout, /Where\s+Field\s+Base\s+Ours\s+Theirs/);
      assert.match(table.stdout, /secret\/app\/db\s+custom_metadata\.owner\s+\(absent\)\s+"bob"\s+"alice"/);
      assert.match(table.stdout, /secret\/app\/db\s+max_versions\s+0\s+7\s+5/);
      assert.equal(t.git('bob', 'rev-parse', storeBranch).trim(), before, 'the store\'s ref did not move');
      if (layout === 'directory') {
        t.git('bob', 'merge', '--abort');
        assert.equal(t.git('bob', 'status', '--porcelain'), '');
      }
      assert.deepEqual((await bob.verify()).problems, []);
      assert.deepEqual((await bob.readMetadata('secret', 'app/db')).custom_metadata, { team: 'payments', owner: 'bob' });
    });
  });
}

describe('the merge driver alone (directory layout)', function () {
  this.timeout(180_000);
  let t: Team;
  afterEach(() => t.cleanup());

  it('merges metadata edits of one key and new mounts on both sides without kvgit merge', async () => {
    t = await makeTeam('directory');
    const alice = await t.open('alice');
    const bob = await t.open('bob');
    await alice.writeData('secret', 'k', { data: { a: '1' } });
    await alice.writeData('secret', 'k', { data: { a: '2' } });
    t.git('alice', 'push', '-q', 'origin', 'main');
    t.git('bob', 'pull', '-q', '--no-rebase', 'origin', 'main');
    await alice.patchMetadata('secret', 'k', { custom_metadata: { team: 'x' } });
    await alice.enableMount('one');
    await bob.deleteVersions('secret', 'k', { versions: [1] });
    await bob.writeData('secret', 'k', { data: { a: '3' } }); // new versions on one side only keep their numbers
    await bob.patchMetadata('secret', 'k', { custom_metadata: { owner: 'bob' } });
    await bob.enableMount('two');
    t.git('alice', 'push', '-q', 'origin', 'main');
    const pull = t.tryGit('bob', 'pull', '--no-rebase', '--no-edit', 'origin', 'main');
    assert.equal(pull.status, 0, pull.stdout + pull.stderr);
    const meta = await bob.readMetadata('secret', 'k');
    assert.deepEqual(meta.custom_metadata, { owner: 'bob', team: 'x' });
    assert.equal(meta.current_version, 3);
    assert.notEqual(meta.versions['1']!.deletion_time, '');
    assert.deepEqual((await bob.mounts()).map((m) => m.path), ['one/', 'secret/', 'two/']);
    assert.deepEqual((await bob.readData('secret', 'k')).data, { a: '3' });
    assert.deepEqual((await bob.verify()).problems, []);
  });
});

describe('kvgit merge leaves the user\'s own conflicts to them (directory layout)', function () {
  this.timeout(180_000);
  it('settles the store, lists the code conflict, and git commit concludes the merge through the guard', async () => {
    const { writeFileSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const t = await makeTeam('directory');
    try {
      const clock = manualClock(T0);
      const alice = await t.open('alice', clock);
      const bob = await t.open('bob', clock);
      await alice.writeData('secret', 'k', { data: { v: 'one' } });
      t.git('alice', 'push', '-q', 'origin', 'main');
      t.git('bob', 'pull', '-q', '--no-rebase', 'origin', 'main');
      clock.advance(SECOND);
      await alice.writeData('secret', 'k', { data: { v: 'alice' } });
      writeFileSync(join(t.clones.alice!, 'README.md'), 'alice\'s readme\n');
      t.git('alice', 'commit', '-q', '-am', 'readme: alice');
      clock.advance(SECOND);
      await bob.writeData('secret', 'k', { data: { v: 'bob' } });
      writeFileSync(join(t.clones.bob!, 'README.md'), 'bob\'s readme\n');
      t.git('bob', 'commit', '-q', '-am', 'readme: bob');
      t.git('alice', 'push', '-q', 'origin', 'main');
      t.git('bob', 'fetch', '-q', 'origin');

      const r = t.kvgit('bob', ['merge', 'origin/main']);
      assert.equal(r.status, 6, r.stderr);
      assert.match(r.stdout, /Unmerged \(yours to resolve\):\n {2}README\.md/);
      assert.equal(t.git('bob', 'diff', '--name-only', '--diff-filter=U').trim(), 'README.md', 'only the code is left unmerged');
      assert.match(readFileSync(join(t.clones.bob!, 'README.md'), 'utf8'), /^<<<<<<< /m, 'git\'s conflict markers, untouched');
      writeFileSync(join(t.clones.bob!, 'README.md'), 'both readmes\n');
      t.git('bob', 'add', 'README.md');
      const c = t.tryGit('bob', 'commit', '-q', '--no-edit');
      assert.equal(c.status, 0, c.stderr);
      assert.match(t.git('bob', 'log', '-1', '--format=%B'), /Kvgit-Renumbered: ours 2>3 [0-9a-f]{40}/);
      assert.deepEqual((await bob.readData('secret', 'k')).data, { v: 'bob' }, 'Bob wrote last: his version is the newest');
      assert.deepEqual((await bob.readData('secret', 'k', { version: 2 })).data, { v: 'alice' });
      assert.deepEqual((await bob.verify()).problems, []);
      assert.equal(t.git('bob', 'status', '--porcelain'), '');
    } finally {
      t.cleanup();
    }
  });
});
