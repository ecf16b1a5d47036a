/**
 * data/ endpoints (reference §4.3–4.6): write, check-and-set, read, patch, delete-latest, and the
 * key-path rules (§3, §10.1), on a real store.
 */
import assert from 'node:assert/strict';
import { HOUR, MINUTE, NOT_FOUND, commitCount, rejects, rfc3339, sharedStore, versionMeta } from '../helpers/kv';

const CAS_MISMATCH = { code: 'ERR_CAS_MISMATCH', status: 400, message: 'check-and-set parameter did not match the current version' } as const;
const CAS_REQUIRED = { code: 'ERR_CAS_REQUIRED', status: 400, message: 'check-and-set parameter required for this call' } as const;
const NO_DATA = { code: 'ERR_INVALID_REQUEST', status: 400, message: 'no data provided' } as const;

describe('core: data (write, read, patch, delete latest)', () => {
  const s = sharedStore();

  describe('write (§4.4)', () => {
    it('writes version 1 and answers with its version metadata', async () => {
      const m = await s.mount();
      s.clock.set(Date.parse('2026-03-22T02:24:06.945Z'));
      const r = await s.store.writeData(m, 'app/db', { data: { password: 'p1' } });
      assert.deepEqual(r, { created_time: '2026-03-22T02:24:06.945Z', custom_metadata: null, deletion_time: '', destroyed: false, version: 1 });
    });

    it('each write creates the next version and older versions stay readable', async () => {
      const m = await s.mount();
      for (let i = 1; i <= 3; i++) {
        const r = await s.store.writeData(m, 'k', { data: { n: i } });
        assert.equal(r.version, i);
      }
      for (let i = 1; i <= 3; i++) assert.deepEqual((await s.store.readData(m, 'k', { version: i })).data, { n: i });
      assert.deepEqual((await s.store.readData(m, 'k')).data, { n: 3 });
    });

    it('accepts an empty secret {}', async () => {
      const m = await s.mount();
      await s.store.writeData(m, 'empty', { data: {} });
      assert.deepEqual((await s.store.readData(m, 'empty')).data, {});
    });

    it('refuses a missing or null data with 400 "no data provided", creating nothing', async () => {
      const m = await s.mount();
      await rejects(s.store.writeData(m, 'k', {}), NO_DATA);
      await rejects(s.store.writeData(m, 'k', { data: null }), NO_DATA);
      await rejects(s.store.writeData(m, 'k', { options: { cas: 0 } }), NO_DATA);
      await rejects(s.store.readMetadata(m, 'k'), NOT_FOUND);
    });

    it('refuses data that is not an object with 400 Field validation failed', async () => {
      const m = await s.mount();
      for (const data of ['text', 5, [1, 2], true]) {
        await rejects(s.store.writeData(m, 'k', { data }), { code: 'ERR_INVALID_REQUEST', status: 400, message: /^Field validation failed: error converting input for field "data": / });
      }
      await rejects(s.store.readMetadata(m, 'k'), NOT_FOUND);
    });

    it('round-trips every JSON type of a secret (§2.3)', async () => {
      const m = await s.mount();
      const data = { s: 'text ünïcödé ✓', n: 42, f: 1.5, neg: -3, t: true, f2: false, nul: null, arr: [1, 'two', { three: 3 }, null], obj: { deep: { deeper: ['x'] } }, '': 'empty key' };
      await s.store.writeData(m, 'types', { data });
      assert.deepEqual((await s.store.readData(m, 'types')).data, data);
      await s.store.writeData(m, 'float', { data: { one: 1.0 } });
      assert.deepEqual((await s.store.readData(m, 'float')).data, { one: 1 });
    });

    it('writes over a deleted or destroyed current version, creating N+1', async () => {
      const m = await s.mount();
      await s.store.writeData(m, 'k', { data: { v: 1 } });
      await s.store.deleteLatest(m, 'k');
      assert.equal((await s.store.writeData(m, 'k', { data: { v: 2 } })).version, 2);
      await s.store.destroyVersions(m, 'k', { versions: [2] });
      assert.equal((await s.store.writeData(m, 'k', { data: { v: 3 } })).version, 3);
      assert.deepEqual((await s.store.readData(m, 'k')).data, { v: 3 });
    });

    it('sets the key created_time once and updated_time to each new version\'s time (§7)', async () => {
      const m = await s.mount();
      const t0 = s.clock.now;
      await s.store.writeData(m, 'k', { data: {} });
      s.clock.advance(MINUTE);
      await s.store.writeData(m, 'k', { data: {} });
      const meta = await s.store.readMetadata(m, 'k');
      assert.equal(meta.created_time, rfc3339(t0));
      assert.equal(meta.updated_time, rfc3339(t0 + MINUTE));
      assert.equal(meta.versions['2']!.created_time, rfc3339(t0 + MINUTE));
    });
  });

  describe('timestamps (§2.3)', () => {
    it('are RFC 3339 UTC with trailing fractional zeros trimmed, and no fraction when zero', async () => {
      const m = await s.mount();
      const cases: Array<[string, string]> = [
        ['2026-05-01T10:20:30.000Z', '2026-05-01T10:20:30Z'],
        ['2026-05-01T10:20:30.100Z', '2026-05-01T10:20:30.1Z'],
        ['2026-05-01T10:20:30.120Z', '2026-05-01T10:20:30.12Z'],
        ['2026-05-01T10:20:30.123Z', '2026-05-01T10:20:30.123Z'],
        ['2026-05-01T10:20:00.000Z', '2026-05-01T10:20:00Z'],
        ['2026-05-01T00:00:00.000Z', '2026-05-01T00:00:00Z'],
        ['2026-05-01T00:00:00.010Z', '2026-05-01T00:00:00.01Z'],
      ];
      for (const [i, [at, expected]] of cases.entries()) {
        s.clock.set(Date.parse(at));
        assert.equal((await s.store.writeData(m, `k${i}`, { data: {} })).created_time, expected);
        assert.equal((await s.store.readMetadata(m, `k${i}`)).created_time, expected);
      }
    });

    it('an unset deletion_time is the empty string, not null', async () => {
      const m = await s.mount();
      const r = await s.store.writeData(m, 'k', { data: {} });
      assert.equal(r.deletion_time, '');
      assert.equal((await s.store.readMetadata(m, 'k')).versions['1']!.deletion_time, '');
    });
  });

  describe('check-and-set (§4.4 step 4)', () => {
    it('cas 0 creates a key that does not exist', async () => {
      const m = await s.mount();
      assert.equal((await s.store.writeData(m, 'k', { data: { a: 1 }, options: { cas: 0 } })).version, 1);
    });

    it('cas 0 fails once the key has a version', async () => {
      const m = await s.mount();
      await s.store.writeData(m, 'k', { data: { a: 1 } });
      await rejects(s.store.writeData(m, 'k', { data: { a: 2 }, options: { cas: 0 } }), CAS_MISMATCH);
      assert.equal((await s.store.readMetadata(m, 'k')).current_version, 1);
    });

    it('cas 0 succeeds on a metadata-only key (current_version 0)', async () => {
      const m = await s.mount();
      await s.store.writeMetadata(m, 'k', { max_versions: 3 });
      assert.equal((await s.store.writeData(m, 'k', { data: {}, options: { cas: 0 } })).version, 1);
    });

    it('cas N succeeds only when N is the current version', async () => {
      const m = await s.mount();
      await s.store.writeData(m, 'k', { data: { v: 1 } });
      await s.store.writeData(m, 'k', { data: { v: 2 } });
      await rejects(s.store.writeData(m, 'k', { data: {}, options: { cas: 1 } }), CAS_MISMATCH);
      await rejects(s.store.writeData(m, 'k', { data: {}, options: { cas: 3 } }), CAS_MISMATCH);
      assert.equal((await s.store.writeData(m, 'k', { data: { v: 3 }, options: { cas: 2 } })).version, 3);
    });

    it('cas on a soft-deleted current version must name that version', async () => {
      const m = await s.mount();
      await s.store.writeData(m, 'k', { data: { v: 1 } });
      await s.store.writeData(m, 'k', { data: { v: 2 } });
      s.clock.advance(1);
      await s.store.deleteLatest(m, 'k');
      s.clock.advance(1);
      await rejects(s.store.writeData(m, 'k', { data: {}, options: { cas: 0 } }), CAS_MISMATCH);
      await rejects(s.store.writeData(m, 'k', { data: {}, options: { cas: 1 } }), CAS_MISMATCH);
      assert.equal((await s.store.writeData(m, 'k', { data: { v: 3 }, options: { cas: 2 } })).version, 3);
    });

    it('cas on a destroyed current version must name that version', async () => {
      const m = await s.mount();
      await s.store.writeData(m, 'k', { data: { v: 1 } });
      await s.store.destroyVersions(m, 'k', { versions: [1] });
      await rejects(s.store.writeData(m, 'k', { data: {}, options: { cas: 0 } }), CAS_MISMATCH);
      assert.equal((await s.store.writeData(m, 'k', { data: { v: 2 }, options: { cas: 1 } })).version, 2);
    });

    it('a negative cas never matches, not even on a new key', async () => {
      const m = await s.mount();
      await rejects(s.store.writeData(m, 'k', { data: {}, options: { cas: -1 } }), CAS_MISMATCH);
      await rejects(s.store.readMetadata(m, 'k'), NOT_FOUND);
    });

    it('cas is weakly decoded ("1", 1.0, true count as 1); an unparsable cas is refused', async () => {
      const m = await s.mount();
      await s.store.writeData(m, 'k', { data: {} });
      assert.equal((await s.store.writeData(m, 'k', { data: {}, options: { cas: '1' } })).version, 2);
      assert.equal((await s.store.writeData(m, 'k', { data: {}, options: { cas: 2.0 } })).version, 3);
      await rejects(s.store.writeData(m, 'k', { data: {}, options: { cas: true } }), CAS_MISMATCH);
      for (const cas of ['abc', [], {}]) {
        await rejects(s.store.writeData(m, 'k', { data: {}, options: { cas } }), { code: 'ERR_INVALID_REQUEST', status: 400, message: 'error parsing check-and-set parameter' });
      }
    });

    it('cas null and "" weakly decode to 0', async () => {
      const m = await s.mount();
      assert.equal((await s.store.writeData(m, 'k', { data: {}, options: { cas: null } })).version, 1);
      await rejects(s.store.writeData(m, 'k', { data: {}, options: { cas: null } }), CAS_MISMATCH);
      await rejects(s.store.writeData(m, 'k', { data: {}, options: { cas: '' } }), CAS_MISMATCH);
      assert.equal((await s.store.writeData(m, 'j', { data: {}, options: { cas: '' } })).version, 1);
    });

    it('options without a cas key count as no cas', async () => {
      const m = await s.mount();
      await s.store.writeData(m, 'k', { data: {} });
      assert.equal((await s.store.writeData(m, 'k', { data: {}, options: {} })).version, 2);
      await s.store.writeConfig(m, { cas_required: true });
      await rejects(s.store.writeData(m, 'k', { data: {}, options: {} }), CAS_REQUIRED);
    });

    it('after a metadata delete, cas 0 creates the key again at version 1', async () => {
      const m = await s.mount();
      await s.store.writeData(m, 'k', { data: {} });
      await s.store.deleteMetadata(m, 'k');
      assert.equal((await s.store.writeData(m, 'k', { data: {}, options: { cas: 0 } })).version, 1);
    });
  });

  describe('cas_required (§1 rule 4)', () => {
    it('on the mount: every write and patch of every key needs cas', async () => {
      const m = await s.mount();
      await s.store.writeData(m, 'old', { data: { a: 1 } });
      await s.store.writeConfig(m, { cas_required: true });
      await rejects(s.store.writeData(m, 'new', { data: {} }), CAS_REQUIRED);
      await rejects(s.store.writeData(m, 'old', { data: {} }), CAS_REQUIRED);
      await rejects(s.store.patchData(m, 'old', { data: { b: 2 } }), CAS_REQUIRED);
      assert.equal((await s.store.writeData(m, 'new', { data: {}, options: { cas: 0 } })).version, 1);
      assert.equal((await s.store.patchData(m, 'old', { data: { b: 2 }, options: { cas: 1 } })).version, 2);
      assert.deepEqual((await s.store.readData(m, 'old')).data, { a: 1, b: 2 });
    });

    it('on a key: only that key needs cas', async () => {
      const m = await s.mount();
      await s.store.writeMetadata(m, 'strict', { cas_required: true });
      await rejects(s.store.writeData(m, 'strict', { data: {} }), CAS_REQUIRED);
      assert.equal((await s.store.writeData(m, 'strict', { data: {}, options: { cas: 0 } })).version, 1);
      await rejects(s.store.patchData(m, 'strict', { data: { x: 1 } }), CAS_REQUIRED);
      assert.equal((await s.store.writeData(m, 'free', { data: {} })).version, 1);
      assert.equal((await s.store.writeData(m, 'free', { data: {} })).version, 2);
    });

    it('a key cannot opt out when the mount requires cas (warning, value stored, still required)', async () => {
      const m = await s.mount();
      await s.store.writeConfig(m, { cas_required: true });
      const r = await s.store.writeMetadata(m, 'k', { cas_required: false });
      assert.deepEqual(r.warnings, ['"cas_required" set to false, but is mandated by backend config. This value will be ignored.']);
      assert.equal((await s.store.readMetadata(m, 'k')).cas_required, false);
      await rejects(s.store.writeData(m, 'k', { data: {} }), CAS_REQUIRED);
    });

    it('turning it off on the mount frees keys that do not require it themselves', async () => {
      const m = await s.mount();
      await s.store.writeConfig(m, { cas_required: true });
      await s.store.writeMetadata(m, 'strict', { cas_required: true });
      await s.store.writeConfig(m, { cas_required: false });
      assert.equal((await s.store.writeData(m, 'other', { data: {} })).version, 1);
      await rejects(s.store.writeData(m, 'strict', { data: {} }), CAS_REQUIRED);
    });
  });

  describe('read (§4.3)', () => {
    it('reads the latest version by default; version 0 or negative means current', async () => {
      const m = await s.mount();
      const t1 = s.clock.now;
      await s.store.writeData(m, 'k', { data: { v: 1 } });
      s.clock.advance(MINUTE);
      const t2 = s.clock.now;
      await s.store.writeData(m, 'k', { data: { v: 2 } });
      const latest = { data: { v: 2 }, metadata: versionMeta(2, t2) };
      assert.deepEqual(await s.store.readData(m, 'k'), latest);
      assert.deepEqual(await s.store.readData(m, 'k', { version: 0 }), latest);
      assert.deepEqual(await s.store.readData(m, 'k', { version: -3 }), latest);
      assert.deepEqual(await s.store.readData(m, 'k', { version: 1 }), { data: { v: 1 }, metadata: versionMeta(1, t1) });
      assert.deepEqual(await s.store.readData(m, 'k', { version: '1' }), { data: { v: 1 }, metadata: versionMeta(1, t1) });
    });

    it('refuses a non-integer version with 400 Field validation failed, even for a missing key', async () => {
      const m = await s.mount();
      await s.store.writeData(m, 'k', { data: {} });
      const invalidVersion = { code: 'ERR_INVALID_REQUEST', status: 400, message: /^Field validation failed: error converting input for field "version": / } as const;
      await rejects(s.store.readData(m, 'k', { version: 'two' }), invalidVersion);
      await rejects(s.store.readData(m, 'missing', { version: 'two' }), invalidVersion);
    });

    it('a missing key, a version beyond current and a metadata-only key are 404 without a body', async () => {
      const m = await s.mount();
      await rejects(s.store.readData(m, 'nope'), NOT_FOUND);
      await s.store.writeData(m, 'k', { data: {} });
      await rejects(s.store.readData(m, 'k', { version: 2 }), NOT_FOUND);
      await s.store.writeMetadata(m, 'meta-only', { custom_metadata: { a: 'b' } });
      await rejects(s.store.readData(m, 'meta-only'), NOT_FOUND);
    });

    it('a deleted version is a 404 whose data holds the version metadata and data null', async () => {
      const m = await s.mount();
      const t1 = s.clock.now;
      await s.store.writeData(m, 'k', { data: { secret: 'x' } });
      s.clock.advance(MINUTE);
      await s.store.deleteLatest(m, 'k');
      await rejects(s.store.readData(m, 'k'), { ...NOT_FOUND, data: { data: null, metadata: versionMeta(1, t1, { deletion: t1 + MINUTE }) } });
      await rejects(s.store.readData(m, 'k', { version: 1 }), { ...NOT_FOUND, data: { data: null, metadata: versionMeta(1, t1, { deletion: t1 + MINUTE }) } });
    });

    it('a destroyed version is a 404 whose data says destroyed, deletion_time "" if never deleted', async () => {
      const m = await s.mount();
      const t1 = s.clock.now;
      await s.store.writeData(m, 'k', { data: { secret: 'x' } });
      await s.store.destroyVersions(m, 'k', { versions: [1] });
      await rejects(s.store.readData(m, 'k'), { ...NOT_FOUND, data: { data: null, metadata: versionMeta(1, t1, { destroyed: true }) } });
    });

    it('a deleted then destroyed version shows both deletion_time and destroyed', async () => {
      const m = await s.mount();
      const t1 = s.clock.now;
      await s.store.writeData(m, 'k', { data: { secret: 'x' } });
      s.clock.advance(5);
      await s.store.deleteLatest(m, 'k');
      s.clock.advance(5);
      await s.store.destroyVersions(m, 'k', { versions: [1] });
      await rejects(s.store.readData(m, 'k'), { ...NOT_FOUND, data: { data: null, metadata: versionMeta(1, t1, { deletion: t1 + 5, destroyed: true }) } });
    });

    it('a version deleted in the same millisecond as the read reads as deleted', async () => {
      const m = await s.mount();
      const t1 = s.clock.now;
      await s.store.writeData(m, 'k', { data: { secret: 'x' } });
      await s.store.deleteLatest(m, 'k');
      await rejects(s.store.readData(m, 'k'), { ...NOT_FOUND, data: { data: null, metadata: versionMeta(1, t1, { deletion: t1 }) } });
    });

    it('an older live version stays readable when the latest is deleted', async () => {
      const m = await s.mount();
      await s.store.writeData(m, 'k', { data: { v: 1 } });
      await s.store.writeData(m, 'k', { data: { v: 2 } });
      s.clock.advance(1);
      await s.store.deleteLatest(m, 'k');
      assert.deepEqual((await s.store.readData(m, 'k', { version: 1 })).data, { v: 1 });
    });

    it('custom_metadata in a read is the key-level map', async () => {
      const m = await s.mount();
      const t1 = s.clock.now;
      await s.store.writeData(m, 'k', { data: { a: 1 } });
      await s.store.writeMetadata(m, 'k', { custom_metadata: { owner: 'jdoe', mission_critical: 'false' } });
      const custom = { owner: 'jdoe', mission_critical: 'false' };
      assert.deepEqual(await s.store.readData(m, 'k'), { data: { a: 1 }, metadata: versionMeta(1, t1, { custom }) });
      assert.deepEqual((await s.store.writeData(m, 'k', { data: {} })).custom_metadata, custom);
    });
  });

  describe('patch (§4.5)', () => {
    async function patched(base: Record<string, unknown>, patch: Record<string, unknown>) {
      const m = await s.mount();
      await s.store.writeData(m, 'k', { data: base });
      await s.store.patchData(m, 'k', { data: patch });
      return (await s.store.readData(m, 'k')).data;
    }

    it('is an RFC 7396 merge: objects merge recursively, null removes (nested too)', async () => {
      assert.deepEqual(
        await patched({ a: 'keep', b: 'old', c: { d: 1, e: 2, f: { g: 3 } }, gone: 1 }, { b: 'new', c: { e: null, f: { h: 4 } }, gone: null, added: { x: 1 } }),
        { a: 'keep', b: 'new', c: { d: 1, f: { g: 3, h: 4 } }, added: { x: 1 } },
      );
    });

    it('arrays and scalars replace wholesale; an object replaces a scalar and a scalar an object', async () => {
      assert.deepEqual(
        await patched({ arr: [1, 2, 3], s: 'x', o: { deep: 1 }, n: 5 }, { arr: [9], s: { now: 'obj' }, o: 'flat', n: [1] }),
        { arr: [9], s: { now: 'obj' }, o: 'flat', n: [1] },
      );
    });

    it('null inside a patch object that replaces a scalar is dropped', async () => {
      assert.deepEqual(await patched({ s: 'x' }, { s: { a: 1, b: null } }), { s: { a: 1 } });
    });

    it('an empty patch still creates a new version with identical data', async () => {
      const m = await s.mount();
      await s.store.writeData(m, 'k', { data: { a: 1 } });
      const r = await s.store.patchData(m, 'k', { data: {} });
      assert.equal(r.version, 2);
      assert.deepEqual((await s.store.readData(m, 'k')).data, { a: 1 });
    });

    it('answers like a write, and always patches the current version', async () => {
      const m = await s.mount();
      await s.store.writeData(m, 'k', { data: { v: 1, keep: true } });
      await s.store.writeData(m, 'k', { data: { v: 2 } });
      s.clock.advance(MINUTE);
      const t = s.clock.now;
      const r = await s.store.patchData(m, 'k', { data: { p: 1 }, options: { cas: 2 } });
      assert.deepEqual(r, versionMeta(3, t));
      assert.deepEqual((await s.store.readData(m, 'k')).data, { v: 2, p: 1 });
    });

    it('refuses a missing data with 400 before looking at the key', async () => {
      const m = await s.mount();
      await rejects(s.store.patchData(m, 'missing', {}), NO_DATA);
    });

    it('refuses a missing key with a 404 without a body', async () => {
      const m = await s.mount();
      await rejects(s.store.patchData(m, 'missing', { data: { a: 1 } }), NOT_FOUND);
      await rejects(s.store.readMetadata(m, 'missing'), NOT_FOUND);
    });

    it('refuses a metadata-only key with a 404 without a body', async () => {
      const m = await s.mount();
      await s.store.writeMetadata(m, 'k', { max_versions: 2 });
      await rejects(s.store.patchData(m, 'k', { data: { a: 1 } }), NOT_FOUND);
    });

    it('refuses a deleted latest with a 404 whose data is the version metadata at top level', async () => {
      const m = await s.mount();
      await s.store.writeData(m, 'k', { data: { a: 1 } });
      const t2 = s.clock.now;
      await s.store.writeData(m, 'k', { data: { a: 2 } });
      s.clock.advance(MINUTE);
      await s.store.deleteLatest(m, 'k');
      await s.store.writeMetadata(m, 'k', { custom_metadata: { team: 'x' } });
      await rejects(s.store.patchData(m, 'k', { data: { b: 1 } }), { ...NOT_FOUND, data: versionMeta(2, t2, { deletion: t2 + MINUTE, custom: { team: 'x' } }) });
      assert.equal((await s.store.readMetadata(m, 'k')).current_version, 2);
    });

    it('refuses a destroyed latest with a 404 whose data says destroyed', async () => {
      const m = await s.mount();
      const t1 = s.clock.now;
      await s.store.writeData(m, 'k', { data: { a: 1 } });
      await s.store.destroyVersions(m, 'k', { versions: [1] });
      await rejects(s.store.patchData(m, 'k', { data: { b: 1 } }), { ...NOT_FOUND, data: versionMeta(1, t1, { destroyed: true }) });
    });

    it('checks cas before the deleted check', async () => {
      const m = await s.mount();
      const t1 = s.clock.now;
      await s.store.writeData(m, 'k', { data: { a: 1 } });
      s.clock.advance(1);
      await s.store.deleteLatest(m, 'k');
      await rejects(s.store.patchData(m, 'k', { data: { b: 1 }, options: { cas: 7 } }), CAS_MISMATCH);
      await rejects(s.store.patchData(m, 'k', { data: { b: 1 }, options: { cas: 1 } }), { ...NOT_FOUND, data: versionMeta(1, t1, { deletion: t1 + 1 }) });
    });

    it('cas 0 on a key with versions does not match', async () => {
      const m = await s.mount();
      await s.store.writeData(m, 'k', { data: { a: 1 } });
      await rejects(s.store.patchData(m, 'k', { data: { b: 1 }, options: { cas: 0 } }), CAS_MISMATCH);
    });

    it('patches a current version whose deletion_time is still in the future', async () => {
      const m = await s.mount();
      await s.store.writeConfig(m, { delete_version_after: '1h' });
      await s.store.writeData(m, 'k', { data: { a: 1 } });
      s.clock.advance(HOUR / 2);
      const t = s.clock.now;
      const r = await s.store.patchData(m, 'k', { data: { b: 2 } });
      assert.deepEqual(r, versionMeta(2, t, { deletion: t + HOUR }));
      assert.deepEqual((await s.store.readData(m, 'k')).data, { a: 1, b: 2 });
    });
  });

  describe('delete latest (§4.6)', () => {
    it('soft-deletes only the current version; current_version and listing are unchanged', async () => {
      const m = await s.mount();
      await s.store.writeData(m, 'k', { data: { v: 1 } });
      await s.store.writeData(m, 'k', { data: { v: 2 } });
      const t = s.clock.now;
      await s.store.deleteLatest(m, 'k');
      const meta = await s.store.readMetadata(m, 'k');
      assert.equal(meta.current_version, 2);
      assert.equal(meta.versions['1']!.deletion_time, '');
      assert.equal(meta.versions['2']!.deletion_time, rfc3339(t));
      assert.deepEqual(await s.store.list(m), ['k']);
    });

    it('is a no-op without a commit for a missing key, a metadata-only key or a destroyed current version', async () => {
      const m = await s.mount();
      await s.store.writeMetadata(m, 'meta-only', { max_versions: 1 });
      await s.store.writeData(m, 'gone', { data: {} });
      await s.store.destroyVersions(m, 'gone', { versions: [1] });
      const before = commitCount(s.t);
      await s.store.deleteLatest(m, 'missing');
      await s.store.deleteLatest(m, 'meta-only');
      await s.store.deleteLatest(m, 'gone');
      assert.equal(commitCount(s.t), before);
      await rejects(s.store.readMetadata(m, 'missing'), NOT_FOUND);
      assert.equal((await s.store.readMetadata(m, 'gone')).versions['1']!.deletion_time, '');
    });

    it('keeps the original deletion_time of an already deleted version', async () => {
      const m = await s.mount();
      await s.store.writeData(m, 'k', { data: {} });
      const t = s.clock.now;
      await s.store.deleteLatest(m, 'k');
      s.clock.advance(MINUTE);
      const before = commitCount(s.t);
      await s.store.deleteLatest(m, 'k');
      assert.equal(commitCount(s.t), before);
      assert.equal((await s.store.readMetadata(m, 'k')).versions['1']!.deletion_time, rfc3339(t));
    });

    it('replaces a future delete_version_after deletion time with now', async () => {
      const m = await s.mount();
      await s.store.writeMetadata(m, 'k', { delete_version_after: '1h' });
      await s.store.writeData(m, 'k', { data: {} });
      s.clock.advance(MINUTE);
      const t = s.clock.now;
      await s.store.deleteLatest(m, 'k');
      assert.equal((await s.store.readMetadata(m, 'k')).versions['1']!.deletion_time, rfc3339(t));
    });
  });

  describe('key paths (§3, §10.1)', () => {
    const ops = (m: string, key: string): Array<() => Promise<unknown>> => [
      () => s.store.writeData(m, key, { data: { a: 1 } }),
      () => s.store.readData(m, key),
      () => s.store.patchData(m, key, { data: { a: 1 } }),
      () => s.store.deleteLatest(m, key),
      () => s.store.deleteVersions(m, key, { versions: [1] }),
      () => s.store.undeleteVersions(m, key, { versions: [1] }),
      () => s.store.destroyVersions(m, key, { versions: [1] }),
      () => s.store.readSubkeys(m, key),
      () => s.store.readMetadata(m, key),
      () => s.store.writeMetadata(m, key, { max_versions: 1 }),
      () => s.store.patchMetadata(m, key, { max_versions: 1 }),
      () => s.store.deleteMetadata(m, key),
    ];

    it('refuses an empty key with 400 "missing path" on every operation', async () => {
      const m = await s.mount();
      for (const op of ops(m, '')) await rejects(op(), { code: 'ERR_INVALID_REQUEST', status: 400, message: 'missing path' });
    });

    it('refuses a trailing slash on every non-list operation', async () => {
      const m = await s.mount();
      await s.store.writeData(m, 'foo', { data: { a: 1 } });
      for (const op of ops(m, 'foo/')) await rejects(op(), { code: 'ERR_INVALID_REQUEST', status: 400 });
      assert.equal((await s.store.readMetadata(m, 'foo')).current_version, 1);
    });

    it('refuses "." and ".." segments with 400 "relative paths not supported"', async () => {
      const m = await s.mount();
      for (const key of ['..', '.', 'a/../b', 'a/./b', '../a', 'a/..', 'a/.']) {
        for (const op of ops(m, key)) await rejects(op(), { code: 'ERR_INVALID_REQUEST', status: 400, message: 'relative paths not supported' });
      }
    });

    it('refuses empty segments', async () => {
      const m = await s.mount();
      for (const op of ops(m, 'a//b')) await rejects(op(), { code: 'ERR_INVALID_REQUEST', status: 400 });
    });

    it('keeps any other UTF-8 key, listed in plain text', async () => {
      const m = await s.mount();
      const keys = ['dir/ünï cödé', 'dir/a%2Fb', 'dir/x.kv', 'dir/.hidden', 'dir/...', 'dir/sp ace', 'dir/🔑', 'dir/a:b*c?'];
      for (const [i, k] of keys.entries()) await s.store.writeData(m, k, { data: { i } });
      for (const [i, k] of keys.entries()) assert.deepEqual((await s.store.readData(m, k)).data, { i });
      assert.deepEqual([...(await s.store.list(m, 'dir'))].sort(), keys.map((k) => k.slice(4)).sort());
      assert.deepEqual(await s.store.list(m), ['dir/']);
    });

    it('ignores a leading slash, as the CLI does', async () => {
      const m = await s.mount();
      await s.store.writeData(m, '/lead', { data: { a: 1 } });
      assert.deepEqual((await s.store.readData(m, 'lead')).data, { a: 1 });
    });
  });
});
