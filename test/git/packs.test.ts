// Reading a store whose objects are packed by the real git, with deltas of both kinds.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Store } from '@kvgit/core';
import { tempStore, type TempStore } from '../helpers/temp';

async function snapshotOf(store: Store) {
  const out: Record<string, unknown> = {};
  for (const key of await store.scan('secret')) {
    const meta = await store.readMetadata('secret', key);
    out[`${key} meta`] = meta;
    for (const v of Object.keys(meta.versions)) out[`${key} v${v}`] = (await store.readData('secret', key, { version: v })).data;
  }
  out.log = (await store.log()).map((e) => `${e.operation} ${e.path}`);
  return out;
}

describe('packed repositories', function () {
  this.timeout(120_000);
  let t: TempStore;
  let expected: Record<string, unknown>;
  before(async () => {
    t = await tempStore({ layout: 'branch' });
    const big = 'x'.repeat(5000);
    for (let i = 0; i < 8; i++) {
      for (const k of ['a', 'f/b', 'f/g/c']) await t.store.writeData('secret', k, { data: { i: String(i), big: `${big}${i}` } });
    }
    expected = await snapshotOf(t.store);
  });
  after(() => t.cleanup());

  const git = (...args: string[]) => execFileSync('git', args, { cwd: t.repo, encoding: 'utf8', maxBuffer: 1 << 26 });
  /** Objects stored as deltas (verify-pack lines with a depth and a base). */
  const deltas = () => git('verify-pack', '-v', ...listIdx()).split('\n').filter((l) => /^[0-9a-f]{40} \w+ +\d+ \d+ \d+ \d+ [0-9a-f]{40}/.test(l)).length;
  const listIdx = () => execFileSync('sh', ['-c', 'ls .git/objects/pack/*.idx'], { cwd: t.repo, encoding: 'utf8' }).trim().split('\n');

  it('reads everything back from a pack with offset deltas', async () => {
    git('repack', '-adf', '--depth=50', '--window=50');
    assert.ok(deltas() > 10, 'the pack holds deltas');
    assert.match(git('count-objects', '-v'), /^count: 0$/m, 'no loose objects left');
    assert.deepEqual(await snapshotOf(await Store.open({ path: t.repo, env: t.env })), expected);
  });

  it('reads everything back from a pack with reference deltas', async () => {
    git('-c', 'repack.useDeltaBaseOffset=false', 'repack', '-adf', '--depth=50', '--window=50');
    assert.ok(deltas() > 10);
    assert.deepEqual(await snapshotOf(await Store.open({ path: t.repo, env: t.env })), expected);
  });

  it('writes on top of a packed repository and git accepts the result', async () => {
    const s = await Store.open({ path: t.repo, env: t.env });
    await s.patchData('secret', 'f/b', { data: { more: 'y' } });
    assert.equal((await s.readData('secret', 'f/b')).data.more, 'y');
    execFileSync('git', ['fsck', '--full'], { cwd: t.repo, stdio: 'pipe' });
    assert.deepEqual((await s.verify()).problems, []);
  });
});
