/** subkeys/ endpoint (reference §4.10). */
import assert from 'node:assert/strict';
import { MINUTE, NOT_FOUND, rejects, sharedStore, versionMeta } from '../helpers/kv';

describe('core: subkeys', () => {
  const s = sharedStore();

  async function subkeys(data: Record<string, unknown>, params: Record<string, unknown> = {}) {
    const m = await s.mount();
    await s.store.writeData(m, 'k', { data });
    return (await s.store.readSubkeys(m, 'k', params)).subkeys;
  }

  const nested = { foo: { bar: { baz: 1 } }, top: 'x' };

  it('answers the API doc\'s sample: leaves and empty objects become null', async () => {
    const m = await s.mount();
    const t = s.clock.now;
    await s.store.writeData(m, 'k', { data: { foo: 'abc', bar: { baz: 'def' }, quux: {} } });
    assert.deepEqual(await s.store.readSubkeys(m, 'k'), { subkeys: { foo: null, bar: { baz: null }, quux: null }, metadata: versionMeta(1, t) });
  });

  it('depth 0 (default) has no limit', async () => {
    assert.deepEqual(await subkeys(nested), { foo: { bar: { baz: null } }, top: null });
    assert.deepEqual(await subkeys(nested, { depth: 0 }), { foo: { bar: { baz: null } }, top: null });
  });

  it('depth 1 maps every top-level key to null', async () => {
    assert.deepEqual(await subkeys(nested, { depth: 1 }), { foo: null, top: null });
  });

  it('depth 2 stops one level down: {"foo":{"bar":null}}', async () => {
    assert.deepEqual(await subkeys({ foo: { bar: { baz: 1 } } }, { depth: 2 }), { foo: { bar: null } });
  });

  it('depth 3 and more reach the leaves', async () => {
    assert.deepEqual(await subkeys(nested, { depth: 3 }), { foo: { bar: { baz: null } }, top: null });
    assert.deepEqual(await subkeys(nested, { depth: '9' }), { foo: { bar: { baz: null } }, top: null });
  });

  it('a negative depth behaves like depth 1', async () => {
    assert.deepEqual(await subkeys(nested, { depth: -1 }), { foo: null, top: null });
    assert.deepEqual(await subkeys(nested, { depth: -5 }), { foo: null, top: null });
  });

  it('arrays, scalars and empty objects are leaves; empty data gives {}', async () => {
    assert.deepEqual(await subkeys({ arr: [{ a: 1 }], n: 1, b: true, nul: null, e: {}, o: { e: {} } }), { arr: null, n: null, b: null, nul: null, e: null, o: { e: null } });
    assert.deepEqual(await subkeys({}), {});
  });

  it('takes a version (≤ 0 means current)', async () => {
    const m = await s.mount();
    await s.store.writeData(m, 'k', { data: { v1: 1 } });
    await s.store.writeData(m, 'k', { data: { v2: { x: 1 } } });
    assert.deepEqual((await s.store.readSubkeys(m, 'k', { version: 1 })).subkeys, { v1: null });
    assert.deepEqual((await s.store.readSubkeys(m, 'k', { version: 0 })).subkeys, { v2: { x: null } });
    assert.deepEqual((await s.store.readSubkeys(m, 'k', { version: -1 })).subkeys, { v2: { x: null } });
    assert.equal((await s.store.readSubkeys(m, 'k', { version: 1 })).metadata.version, 1);
  });

  it('a missing key, version, or metadata-only key is a 404 without a body', async () => {
    const m = await s.mount();
    await rejects(s.store.readSubkeys(m, 'k'), NOT_FOUND);
    await s.store.writeData(m, 'k', { data: {} });
    await rejects(s.store.readSubkeys(m, 'k', { version: 2 }), NOT_FOUND);
    await s.store.writeMetadata(m, 'meta', { max_versions: 1 });
    await rejects(s.store.readSubkeys(m, 'meta'), NOT_FOUND);
  });

  it('a deleted or destroyed version is a 404 with subkeys null and the version metadata', async () => {
    const m = await s.mount();
    const t = s.clock.now;
    await s.store.writeData(m, 'k', { data: { a: 1 } });
    await s.store.writeData(m, 'k', { data: { a: 2 } });
    s.clock.advance(MINUTE);
    await s.store.deleteVersions(m, 'k', { versions: [1] });
    await s.store.destroyVersions(m, 'k', { versions: [2] });
    await rejects(s.store.readSubkeys(m, 'k', { version: 1 }), { ...NOT_FOUND, data: { subkeys: null, metadata: versionMeta(1, t, { deletion: t + MINUTE }) } });
    await rejects(s.store.readSubkeys(m, 'k'), { ...NOT_FOUND, data: { subkeys: null, metadata: versionMeta(2, t, { destroyed: true }) } });
  });

  it('refuses a depth or version that is not an integer', async () => {
    const m = await s.mount();
    await s.store.writeData(m, 'k', { data: {} });
    await rejects(s.store.readSubkeys(m, 'k', { depth: 'deep' }), { code: 'ERR_INVALID_REQUEST', status: 400, message: /^Field validation failed: error converting input for field "depth": / });
    await rejects(s.store.readSubkeys(m, 'k', { version: 'x' }), { code: 'ERR_INVALID_REQUEST', status: 400, message: /^Field validation failed: error converting input for field "version": / });
    await rejects(s.store.readSubkeys(m, 'missing', { version: 'x' }), { code: 'ERR_INVALID_REQUEST', status: 400, message: /^Field validation failed: error converting input for field "version": / });
  });
});
