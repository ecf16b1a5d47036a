/**
 * The repository side of every operation, on both layouts: each mutation is exactly one commit on
 * top of the previous one and touches only its key's files (config and mount operations: the mount
 * table and that mount's folder); a failed or no-op operation leaves the repository byte-for-byte
 * unchanged; the real git accepts the result (`git log`, `git fsck --full`).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Layout } from '@kvgit/core';
import { type SharedStore, commitCount, git, rejects, sharedStore, storeHead } from '../helpers/kv';

/** Every file under the repository (including .git) with a hash of its bytes. */
function repoBytes(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const r = rel === '' ? name : `${rel}/${name}`;
      const st = lstatSync(full);
      if (st.isDirectory()) {
        out.set(`${r}/`, 'dir');
        walk(full, r);
      } else if (st.isSymbolicLink()) out.set(r, `link:${readlinkSync(full)}`);
      else out.set(r, createHash('sha256').update(readFileSync(full)).digest('hex'));
    }
  };
  walk(root, '');
  return out;
}

function assertSameBytes(before: Map<string, string>, after: Map<string, string>, what: string): void {
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k)).sort();
  assert.deepEqual(changed, [], `${what} changed files in the repository`);
}

for (const layout of ['directory', 'branch'] as Layout[]) {
  describe(`core: repository integrity (${layout} layout)`, () => {
    const s: SharedStore = sharedStore({ layout });
    const prefix = layout === 'directory' ? '.kvgit/' : '';
    const ref = () => (layout === 'branch' ? 'refs/heads/kvgit' : 'HEAD');

    /**
     * Runs `op` and asserts it made exactly one commit, on top of the old head, and returns the
     * paths it changed (store-relative). `rewrites`: the operation purges removed ciphertext from
     * history (destroy and key deletion, docs/KV.md §6; trimming does not), so the new
     * commit sits on the rewritten old head: the count still grows by one, and the commit is
     * compared with its own parent.
     */
    async function oneCommit(op: () => Promise<unknown>, rewrites = false): Promise<string[]> {
      const before = storeHead(s.t);
      const beforeFiles = files(before);
      const count = commitCount(s.t);
      await op();
      assert.equal(commitCount(s.t), count + 1, 'exactly one commit');
      const head = storeHead(s.t);
      const parent = git(s.t.repo, ['rev-parse', `${head}^`]).trim();
      const afterFiles = files(head);
      const changed = [...new Set([...beforeFiles.keys(), ...afterFiles.keys()])].filter((p) => beforeFiles.get(p) !== afterFiles.get(p)).sort();
      if (!rewrites) {
        assert.equal(parent, before, 'the new commit sits on the previous head');
      } else {
        // The rewritten old head differs from the old head only by purged version blobs, which
        // are ones this commit removes.
        const parentFiles = files(parent);
        const purged = [...beforeFiles.keys()].filter((p) => !parentFiles.has(p));
        for (const p of purged) assert.ok(p.endsWith('.age') && changed.includes(p) && !afterFiles.has(p), `${p} purged but not removed by this commit`);
        assert.deepEqual(parentFiles, new Map([...beforeFiles].filter(([p]) => !purged.includes(p))), 'the rewrite only removed purged blobs');
      }
      for (const n of changed) assert.ok(n.startsWith(prefix), `${n} is outside the store folder`);
      return changed.map((n) => n.slice(prefix.length));
    }

    /** path → blob id of every file in a commit's tree. */
    function files(commit: string): Map<string, string> {
      const out = new Map<string, string>();
      for (const line of git(s.t.repo, ['ls-tree', '-r', commit]).split('\n')) {
        const m = /^\d+ blob ([0-9a-f]+)\t(.*)$/.exec(line);
        if (m) out.set(m[2]!, m[1]!);
      }
      return out;
    }

    async function unchanged(what: string, op: () => Promise<unknown>, expectFailure: boolean): Promise<void> {
      const before = repoBytes(s.t.repo);
      if (expectFailure) {
        await assert.rejects(op(), (e: Error) => e.name === 'KvgitError', `${what} should fail`);
      } else await op();
      assertSameBytes(before, repoBytes(s.t.repo), what);
    }

    it('every KV v2 mutation is one commit touching only its key\'s files', async () => {
      const m = await s.mount();
      const k = (f: string) => `mounts/${m}/app/db.kv/${f}`;
      assert.deepEqual(await oneCommit(() => s.store.writeData(m, 'app/db', { data: { a: 1 } })), [k('1.age'), k('metadata.json')]);
      await s.store.writeData(m, 'other', { data: { untouched: true } });
      assert.deepEqual(await oneCommit(() => s.store.writeData(m, 'app/db', { data: { a: 2 }, options: { cas: 1 } })), [k('2.age'), k('metadata.json')]);
      assert.deepEqual(await oneCommit(() => s.store.patchData(m, 'app/db', { data: { b: 1 } })), [k('3.age'), k('metadata.json')]);
      s.clock.advance(1);
      assert.deepEqual(await oneCommit(() => s.store.deleteLatest(m, 'app/db')), [k('metadata.json')]);
      assert.deepEqual(await oneCommit(() => s.store.undeleteVersions(m, 'app/db', { versions: [3] })), [k('metadata.json')]);
      assert.deepEqual(await oneCommit(() => s.store.deleteVersions(m, 'app/db', { versions: [1, 2] })), [k('metadata.json')]);
      assert.deepEqual(await oneCommit(() => s.store.destroyVersions(m, 'app/db', { versions: [2] }), true), [k('2.age'), k('metadata.json')]);
      assert.deepEqual(await oneCommit(() => s.store.writeMetadata(m, 'app/db', { max_versions: 2, custom_metadata: { a: 'b' } })), [k('metadata.json')]);
      assert.deepEqual(await oneCommit(() => s.store.patchMetadata(m, 'app/db', { custom_metadata: { c: 'd' } })), [k('metadata.json')]);
      // The shrunken window (2) prunes versions 1 and 2 on the next write; 2's blob is already gone.
      assert.deepEqual(await oneCommit(() => s.store.writeData(m, 'app/db', { data: {} })), [k('1.age'), k('4.age'), k('metadata.json')]);
      assert.deepEqual(Object.keys((await s.store.readMetadata(m, 'app/db')).versions), ['3', '4']);
      assert.deepEqual(await oneCommit(() => s.store.writeMetadata(m, 'fresh', { max_versions: 1 })), [`mounts/${m}/fresh.kv/metadata.json`]);
      assert.deepEqual(await oneCommit(() => s.store.deleteMetadata(m, 'app/db'), true), [k('3.age'), k('4.age'), k('metadata.json')]);
      assert.deepEqual((await s.store.readData(m, 'other')).data, { untouched: true });
    });

    it('config and mount operations are one commit touching only the mount table and that mount', async () => {
      assert.deepEqual(await oneCommit(() => s.store.enableMount('ops')), ['mounts.json']);
      assert.deepEqual(await oneCommit(() => s.store.writeConfig('ops', { max_versions: 3 })), ['mounts.json']);
      await s.store.writeData('ops', 'x', { data: {} });
      assert.deepEqual(await oneCommit(() => s.store.moveMount('ops', 'ops2')), ['mounts.json', 'mounts/ops/x.kv/1.age', 'mounts/ops/x.kv/metadata.json', 'mounts/ops2/x.kv/1.age', 'mounts/ops2/x.kv/metadata.json']);
      assert.deepEqual(await oneCommit(() => s.store.disableMount('ops2')), ['mounts.json', 'mounts/ops2/x.kv/1.age', 'mounts/ops2/x.kv/metadata.json']);
    });

    it('KV v1 writes and the upgrade are one commit each, within the mount', async () => {
      const m = await s.mount(1);
      assert.deepEqual(await oneCommit(() => s.store.v1Write(m, 'k', { a: 1 })), [`mounts/${m}/k.kv/data.age`]);
      assert.deepEqual(await oneCommit(() => s.store.v1Delete(m, 'k')), [`mounts/${m}/k.kv/data.age`]);
      await s.store.v1Write(m, 'j', { a: 1 });
      const changed = await oneCommit(() => s.store.upgradeMount(m));
      assert.ok(changed.includes('mounts.json'));
      for (const c of changed) assert.ok(c === 'mounts.json' || c.startsWith(`mounts/${m}/j.kv/`), `${c} is outside the upgraded mount`);
    });

    it('failed operations leave the repository byte-for-byte unchanged', async () => {
      const m = await s.mount();
      await s.store.writeData(m, 'k', { data: { a: 1 } });
      await s.store.writeData(m, 'gone', { data: { a: 1 } });
      s.clock.advance(1);
      await s.store.deleteLatest(m, 'gone');
      const v1 = await s.mount(1);
      const failing: Array<[string, () => Promise<unknown>]> = [
        ['cas mismatch', () => s.store.writeData(m, 'k', { data: { a: 2 }, options: { cas: 0 } })],
        ['cas on a new key', () => s.store.writeData(m, 'new', { data: { a: 2 }, options: { cas: 3 } })],
        ['no data', () => s.store.writeData(m, 'new', {})],
        ['invalid key', () => s.store.writeData(m, 'a/../b', { data: {} })],
        ['trailing slash', () => s.store.writeData(m, 'k/', { data: {} })],
        ['patch of a missing key', () => s.store.patchData(m, 'missing', { data: { a: 1 } })],
        ['patch of a deleted latest', () => s.store.patchData(m, 'gone', { data: { a: 1 } })],
        ['invalid custom_metadata', () => s.store.writeMetadata(m, 'new', { custom_metadata: { '': 'x' } })],
        ['negative key DVA', () => s.store.writeMetadata(m, 'k', { delete_version_after: -1 })],
        ['metadata patch of a missing key', () => s.store.patchMetadata(m, 'missing', { max_versions: 1 })],
        ['negative max_versions in config', () => s.store.writeConfig(m, { max_versions: -1 })],
        ['no versions to delete', () => s.store.deleteVersions(m, 'k', { versions: [] })],
        ['no versions to destroy', () => s.store.destroyVersions(m, 'k', {})],
        ['mount conflict', () => s.store.enableMount(m)],
        ['move onto a mount', () => s.store.moveMount(m, 'secret')],
        ['missing mount', () => s.store.writeData('nowhere', 'k', { data: {} })],
        ['v1 value not an object', () => s.store.v1Write(v1, 'k', 'text')],
        ['v2 write on a v1 mount', () => s.store.writeData(v1, 'k', { data: {} })],
      ];
      for (const [what, op] of failing) await unchanged(what, op, true);
    });

    it('no-op operations leave the repository byte-for-byte unchanged', async () => {
      const m = await s.mount();
      await s.store.writeData(m, 'k', { data: { a: 1 } });
      await s.store.writeMetadata(m, 'k', { max_versions: 4 });
      const noops: Array<[string, () => Promise<unknown>]> = [
        ['delete latest of a missing key', () => s.store.deleteLatest(m, 'missing')],
        ['delete versions of a missing key', () => s.store.deleteVersions(m, 'missing', { versions: [1] })],
        ['undelete of a live version', () => s.store.undeleteVersions(m, 'k', { versions: [1] })],
        ['destroy of a missing key', () => s.store.destroyVersions(m, 'missing', { versions: [1] })],
        ['metadata write without fields', () => s.store.writeMetadata(m, 'k', {})],
        ['metadata patch that changes nothing', () => s.store.patchMetadata(m, 'k', { max_versions: 4, custom_metadata: {} })],
        ['metadata delete of a missing key', () => s.store.deleteMetadata(m, 'missing')],
        ['config write without fields', () => s.store.writeConfig(m, {})],
        ['config write of the same values', () => s.store.writeConfig(m, { max_versions: 0, cas_required: false })],
        ['disable of a missing mount', () => s.store.disableMount('never-mounted')],
        ['reads', async () => {
          await s.store.readData(m, 'k');
          await s.store.readMetadata(m, 'k');
          await s.store.readSubkeys(m, 'k');
          await s.store.list(m);
          await s.store.scan(m);
          await s.store.detailedMetadata(m);
          await s.store.readConfig(m);
          await s.store.mounts();
        }],
      ];
      for (const [what, op] of noops) await unchanged(what, op, false);
    });

    it('the real git accepts the repository: git log names each operation, git fsck --full passes', async () => {
      const log = git(s.t.repo, ['log', '--format=%s', ref()]);
      assert.match(log, /^kvgit: init secret\/$/m);
      assert.match(log, /^kvgit: put m1\/app\/db v1$/m);
      assert.match(log, /^kvgit: destroy m1\/app\/db v2$/m);
      assert.match(log, /^kvgit: mount-enable ops\/$/m);
      const body = git(s.t.repo, ['log', '-1', '--format=%B', ref()]);
      assert.match(body, /^Kvgit-Operation: /m);
      git(s.t.repo, ['fsck', '--full', '--strict']);
      if (layout === 'directory') {
        assert.equal(git(s.t.repo, ['status', '--porcelain', '--untracked-files=all']), '', 'work tree and index match the last commit');
      } else {
        const files = git(s.t.repo, ['ls-files']).trim();
        assert.equal(files, '', 'the branch layout keeps no files in the index');
      }
    });
  });
}
