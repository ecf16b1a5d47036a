/**
 * The key merge on its own (no git): the rules of docs/TEAMS.md §3, and that swapping the sides
 * changes nothing but the side labels. Blob ids here are names for their data.
 */
import assert from 'node:assert/strict';
import { mergeKey, type KeySide } from '../../packages/core/src/team/mergeKey';
import type { KeyMetadata, VersionMeta } from '../../packages/core/src/kv/model';

const T = Date.parse('2026-01-01T00:00:00Z');
const S = 1000;

function meta(versions: Record<number, Partial<VersionMeta> & { created: number }>, extra: Partial<KeyMetadata> = {}): KeyMetadata {
  const map = new Map<number, VersionMeta>(Object.entries(versions).map(([n, v]) => [Number(n), { deletion: null, destroyed: false, ...v }]));
  const nums = [...map.keys()];
  return {
    key: 'app/db', versions: map, currentVersion: Math.max(0, ...nums), oldestVersion: 0, created: T, updated: T,
    maxVersions: 0, casRequired: false, deleteVersionAfter: 0, customMetadata: null, ...extra,
  };
}

/** A side whose version n has the blob named blobs[n] (data { v: name }). */
function side(m: KeyMetadata, blobs: Record<number, string>): KeySide {
  return { meta: m, blobs: new Map(Object.entries(blobs).map(([n, b]) => [Number(n), b])) };
}

const open = async (oid: string) => ({ v: oid.replace(/#.*/, '') }); // "x#2" is another sealing of "x"
const config = { maxVersions: 0, casRequired: false, deleteVersionAfter: 0 };

async function both(base: KeyMetadata | undefined, o: KeySide, t: KeySide) {
  const ab = await mergeKey({ where: 'secret/app/db', mountConfig: config, base, ours: o, theirs: t, open });
  const ba = await mergeKey({ where: 'secret/app/db', mountConfig: config, base, ours: t, theirs: o, open });
  assert.equal(ab.kind, ba.kind);
  if (ab.kind === 'merged' && ba.kind === 'merged') {
    assert.deepEqual(ab.meta, ba.meta, 'the same metadata whichever side is ours');
    const strip = (m: typeof ab.blobs) => [...m].map(([n, s]) => [n, 'oid' in s ? s.oid : { reseal: s.reseal }]);
    assert.deepEqual(strip(ab.blobs), strip(ba.blobs), 'the same blobs whichever side is ours');
  }
  return ab;
}

describe('merging one key (mergeKey)', () => {
  const base = meta({ 1: { created: T } });

  it('numbers concurrent versions by created_time; the later becomes the newest; moved versions are sealed again', async () => {
    const o = side(meta({ 1: { created: T }, 2: { created: T + 5 * S }, 3: { created: T + 9 * S } }), { 1: 'one', 2: 'o2', 3: 'o3' });
    const t = side(meta({ 1: { created: T }, 2: { created: T + 7 * S } }), { 1: 'one', 2: 't2' });
    const r = await both(base, o, t);
    assert.equal(r.kind, 'merged');
    if (r.kind !== 'merged') return;
    assert.equal(r.meta.currentVersion, 4);
    assert.deepEqual([...r.meta.versions.keys()], [1, 2, 3, 4]);
    assert.deepEqual(r.blobs.get(2), { oid: 'o2' }, 'unchanged number, unchanged bytes');
    assert.deepEqual(r.blobs.get(3), { reseal: { v: 't2' } });
    assert.deepEqual(r.blobs.get(4), { reseal: { v: 'o3' } });
    assert.deepEqual(r.renumbered.map((x) => [x.side, x.from, x.to]), [['theirs', 2, 3], ['ours', 3, 4]]);
  });

  it('breaks a created_time tie by content, the same way from both sides', async () => {
    const o = side(meta({ 1: { created: T }, 2: { created: T + S } }), { 1: 'one', 2: 'zeta' });
    const t = side(meta({ 1: { created: T }, 2: { created: T + S } }), { 1: 'one', 2: 'alpha' });
    const r = await both(base, o, t);
    assert.ok(r.kind === 'merged');
    if (r.kind === 'merged') assert.deepEqual([r.blobs.get(2), r.blobs.get(3)], [{ oid: 'alpha' }, { reseal: { v: 'zeta' } }]);
  });

  it('applies the max_versions window when renumbering adds versions', async () => {
    const o = side(meta({ 2: { created: T + S }, 3: { created: T + 3 * S } }, { maxVersions: 2, oldestVersion: 2 }), { 2: 'o2', 3: 'o3' });
    const t = side(meta({ 1: { created: T }, 2: { created: T + 2 * S } }, { maxVersions: 2 }), { 1: 'one', 2: 't2' });
    const r = await both(meta({ 1: { created: T } }, { maxVersions: 2 }), o, t);
    assert.ok(r.kind === 'merged');
    if (r.kind !== 'merged') return;
    assert.equal(r.meta.currentVersion, 4);
    assert.equal(r.meta.oldestVersion, 3);
    assert.deepEqual([...r.meta.versions.keys()], [3, 4]);
    assert.deepEqual([...r.blobs.keys()].sort(), [3, 4]);
    assert.deepEqual(r.blobs.get(4), { reseal: { v: 'o3' } });
  });

  it('destroy wins, then delete wins, the earliest deletion time; settings and custom_metadata entries merge three-way', async () => {
    const b = meta({ 1: { created: T }, 2: { created: T + S }, 3: { created: T + 2 * S } }, { customMetadata: { owner: 'a' } });
    const o = side(meta({ 1: { created: T, destroyed: true }, 2: { created: T + S, deletion: T + 50 * S }, 3: { created: T + 2 * S } }, { customMetadata: { owner: 'b' }, maxVersions: 5 }), { 2: 'two', 3: 'three' });
    const t = side(meta({ 1: { created: T, deletion: T + 9 * S }, 2: { created: T + S, deletion: T + 40 * S }, 3: { created: T + 2 * S, deletion: T + 60 * S } }, { customMetadata: { owner: 'a', team: 'x' } }), { 1: 'one', 2: 'two', 3: 'three' });
    const r = await both(b, o, t);
    assert.ok(r.kind === 'merged');
    if (r.kind !== 'merged') return;
    assert.equal(r.meta.versions.get(1)!.destroyed, true);
    assert.equal(r.blobs.has(1), false, 'a destroyed version has no blob');
    assert.equal(r.meta.versions.get(2)!.deletion, T + 40 * S);
    assert.equal(r.meta.versions.get(3)!.deletion, T + 60 * S);
    assert.deepEqual(r.meta.customMetadata, { owner: 'b', team: 'x' });
    assert.equal(r.meta.maxVersions, 5);
  });

  it('reports settings changed differently on both sides, with the three values', async () => {
    const o = side(meta({ 1: { created: T } }, { maxVersions: 7, customMetadata: { owner: 'bob' } }), { 1: 'one' });
    const t = side(meta({ 1: { created: T } }, { maxVersions: 5, customMetadata: { owner: 'alice' } }), { 1: 'one' });
    const r = await mergeKey({ where: 'secret/app/db', mountConfig: config, base, ours: o, theirs: t, open });
    assert.equal(r.kind, 'conflict');
    if (r.kind === 'conflict') {
      assert.deepEqual(r.conflicts.map((c) => [c.field, c.base, c.ours, c.theirs]), [['max_versions', '0', '7', '5'], ['custom_metadata.owner', '(absent)', '"bob"', '"alice"']]);
    }
  });

  it('counts a version both sides sealed separately (an earlier merge on each side) once, keeping the lower blob id', async () => {
    const o = side(meta({ 1: { created: T }, 2: { created: T + S }, 3: { created: T + 2 * S } }), { 1: 'one', 2: 'b2', 3: 'a2#9' });
    const t = side(meta({ 1: { created: T }, 2: { created: T + S }, 3: { created: T + 2 * S } }), { 1: 'one', 2: 'b2', 3: 'a2#1' });
    const r = await both(base, o, t);
    assert.ok(r.kind === 'merged');
    if (r.kind === 'merged') {
      assert.equal(r.meta.currentVersion, 3);
      assert.deepEqual(r.blobs.get(3), { oid: 'a2#1' });
      assert.deepEqual(r.renumbered, []);
    }
  });

  it('without blobs (the merge driver) it asks for kvgit merge instead of renumbering', async () => {
    const o = side(meta({ 1: { created: T }, 2: { created: T + S } }), {});
    const t = side(meta({ 1: { created: T }, 2: { created: T + 2 * S } }), {});
    const r = await mergeKey({ where: 'secret/app/db', mountConfig: config, base, ours: o, theirs: t });
    assert.equal(r.kind, 'needs-blobs');
  });
});
