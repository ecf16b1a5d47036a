/**
 * metadata/ endpoints (reference §4.11–4.14): read, write, patch, delete, and the custom_metadata
 * limits with Vault's exact multierror texts (§4.12 step 3, §10.5).
 */
import assert from 'node:assert/strict';
import { MINUTE, NOT_FOUND, commitCount, rejects, rfc3339, sharedStore } from '../helpers/kv';

const PREFIX = 'custom_metadata validation failed';
const one = (e: string) => `1 error occurred:\n\t* ${e}\n\n`;
const many = (...es: string[]) => `${es.length} errors occurred:\n\t${es.map((e) => `* ${e}`).join('\n\t')}\n\n`;
const CAS_WARNING = '"cas_required" set to false, but is mandated by backend config. This value will be ignored.';

describe('core: metadata (read, write, patch, delete, custom_metadata limits)', () => {
  const s = sharedStore();

  describe('read (§4.11)', () => {
    it('returns every field, with versions keyed by decimal strings', async () => {
      const m = await s.mount();
      const t1 = s.clock.now;
      await s.store.writeData(m, 'k', { data: {} });
      s.clock.advance(MINUTE);
      await s.store.writeData(m, 'k', { data: {} });
      s.clock.advance(MINUTE);
      await s.store.deleteLatest(m, 'k');
      assert.deepEqual(await s.store.readMetadata(m, 'k'), {
        cas_required: false,
        created_time: rfc3339(t1),
        current_version: 2,
        custom_metadata: null,
        delete_version_after: '0s',
        max_versions: 0,
        oldest_version: 0,
        updated_time: rfc3339(t1 + MINUTE),
        versions: {
          '1': { created_time: rfc3339(t1), deletion_time: '', destroyed: false },
          '2': { created_time: rfc3339(t1 + MINUTE), deletion_time: rfc3339(t1 + 2 * MINUTE), destroyed: false },
        },
      });
    });

    it('is a 404 without a body for a missing key', async () => {
      const m = await s.mount();
      await rejects(s.store.readMetadata(m, 'missing'), NOT_FOUND);
    });

    it('shows the key-level settings, not the effective values', async () => {
      const m = await s.mount();
      await s.store.writeConfig(m, { max_versions: 4, cas_required: true, delete_version_after: '1h' });
      await s.store.writeData(m, 'k', { data: {}, options: { cas: 0 } });
      const meta = await s.store.readMetadata(m, 'k');
      assert.equal(meta.max_versions, 0);
      assert.equal(meta.cas_required, false);
      assert.equal(meta.delete_version_after, '0s');
    });
  });

  describe('write (§4.12)', () => {
    it('creates a metadata-only key: no versions, current 0, created = updated = now', async () => {
      const m = await s.mount();
      const t = s.clock.now;
      const r = await s.store.writeMetadata(m, 'k', { max_versions: 3, cas_required: true, delete_version_after: '1h30m', custom_metadata: { owner: 'jdoe' } });
      assert.deepEqual(r.warnings, []);
      assert.deepEqual(await s.store.readMetadata(m, 'k'), {
        cas_required: true, created_time: rfc3339(t), current_version: 0, custom_metadata: { owner: 'jdoe' },
        delete_version_after: '1h30m0s', max_versions: 3, oldest_version: 0, updated_time: rfc3339(t), versions: {},
      });
      assert.deepEqual(await s.store.list(m), ['k']);
    });

    it('with none of its fields is a no-op: the key is not created and nothing is committed', async () => {
      const m = await s.mount();
      const before = commitCount(s.t);
      assert.deepEqual((await s.store.writeMetadata(m, 'k', {})).warnings, []);
      await s.store.writeMetadata(m, 'k', { unknown_field: 1, versions: {} });
      assert.equal(commitCount(s.t), before);
      await rejects(s.store.readMetadata(m, 'k'), NOT_FOUND);
    });

    it('overwrites only the provided fields; custom_metadata replaces the whole map', async () => {
      const m = await s.mount();
      await s.store.writeMetadata(m, 'k', { max_versions: 3, cas_required: true, delete_version_after: 60, custom_metadata: { a: '1', b: '2' } });
      await s.store.writeMetadata(m, 'k', { custom_metadata: { c: '3' } });
      let meta = await s.store.readMetadata(m, 'k');
      assert.deepEqual([meta.max_versions, meta.cas_required, meta.delete_version_after, meta.custom_metadata], [3, true, '1m0s', { c: '3' }]);
      await s.store.writeMetadata(m, 'k', { max_versions: 0 });
      meta = await s.store.readMetadata(m, 'k');
      assert.deepEqual([meta.max_versions, meta.cas_required, meta.custom_metadata], [0, true, { c: '3' }]);
    });

    it('null int, bool and map fields are present with their zero value; a null duration is not', async () => {
      const m = await s.mount();
      await s.store.writeMetadata(m, 'k', { max_versions: 3, cas_required: true, delete_version_after: '1h', custom_metadata: { a: '1' } });
      await s.store.writeMetadata(m, 'k', { custom_metadata: null });
      assert.equal((await s.store.readMetadata(m, 'k')).custom_metadata, null);
      await s.store.writeMetadata(m, 'k', { max_versions: null, cas_required: null, delete_version_after: null });
      const meta = await s.store.readMetadata(m, 'k');
      assert.deepEqual([meta.max_versions, meta.cas_required, meta.delete_version_after], [0, false, '1h0m0s']);
      await s.store.writeMetadata(m, 'created-by-null', { max_versions: null });
      assert.equal((await s.store.readMetadata(m, 'created-by-null')).current_version, 0);
      const before = commitCount(s.t);
      await s.store.writeMetadata(m, 'not-created', { delete_version_after: null });
      assert.equal(commitCount(s.t), before);
      await rejects(s.store.readMetadata(m, 'not-created'), NOT_FOUND);
    });

    it('custom_metadata {} clears the map, which then reads back as null', async () => {
      const m = await s.mount();
      await s.store.writeMetadata(m, 'k', { custom_metadata: { a: '1' } });
      await s.store.writeMetadata(m, 'k', { custom_metadata: {} });
      assert.equal((await s.store.readMetadata(m, 'k')).custom_metadata, null);
    });

    it('weakly decodes custom_metadata values to strings (5 → "5", true → "1")', async () => {
      const m = await s.mount();
      await s.store.writeMetadata(m, 'k', { custom_metadata: { n: 5, t: true, f: false, s: 'x' } });
      assert.deepEqual((await s.store.readMetadata(m, 'k')).custom_metadata, { n: '5', t: '1', f: '0', s: 'x' });
    });

    it('decodes every value before counting keys, as Vault does (an unconvertible value wins over the count)', async () => {
      const m = await s.mount();
      const payload = { ...Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`key${i}`, 'v'])), bad: { nested: true } };
      await rejects(s.store.writeMetadata(m, 'k', { custom_metadata: payload }), { code: 'ERR_INVALID_REQUEST', status: 400, message: new RegExp(`^${PREFIX}: (?!payload must contain)`) });
    });

    it('refuses object or array custom_metadata values with 400', async () => {
      const m = await s.mount();
      for (const v of [{ x: 1 }, [1]]) {
        await rejects(s.store.writeMetadata(m, 'k', { custom_metadata: { a: v } }), { code: 'ERR_INVALID_REQUEST', status: 400, message: new RegExp(`^${PREFIX}: `) });
      }
      await rejects(s.store.readMetadata(m, 'k'), NOT_FOUND);
    });

    it('never creates a version and leaves updated_time of an existing key unchanged (Vault)', async () => {
      const m = await s.mount();
      const t = s.clock.now;
      await s.store.writeData(m, 'k', { data: {} });
      s.clock.advance(MINUTE);
      await s.store.writeMetadata(m, 'k', { max_versions: 5 });
      const meta = await s.store.readMetadata(m, 'k');
      assert.equal(meta.current_version, 1);
      assert.equal(meta.updated_time, rfc3339(t));
      assert.equal(meta.created_time, rfc3339(t));
    });

    it('refuses a negative key delete_version_after with Vault\'s field error', async () => {
      const m = await s.mount();
      await rejects(s.store.writeMetadata(m, 'k', { delete_version_after: -5 }), {
        code: 'ERR_INVALID_REQUEST', status: 400,
        message: 'Field validation failed: error converting input for field "delete_version_after": cannot provide negative value \'-5\'',
      });
      await rejects(s.store.writeMetadata(m, 'k', { delete_version_after: '-1h' }), { code: 'ERR_INVALID_REQUEST', status: 400, message: /cannot provide negative value '-3600'$/ });
    });

    it('refuses an unparsable duration, max_versions or cas_required with 400 Field validation failed', async () => {
      const m = await s.mount();
      for (const [field, value] of [['delete_version_after', 'soon'], ['max_versions', 'many'], ['cas_required', 'maybe']] as const) {
        await rejects(s.store.writeMetadata(m, 'k', { [field]: value }), { code: 'ERR_INVALID_REQUEST', status: 400, message: new RegExp(`^Field validation failed: error converting input for field "${field}": `) });
      }
      await rejects(s.store.readMetadata(m, 'k'), NOT_FOUND);
    });

    it('refuses a negative max_versions with 400 (§10.2)', async () => {
      const m = await s.mount();
      await rejects(s.store.writeMetadata(m, 'k', { max_versions: -1 }), { code: 'ERR_INVALID_REQUEST', status: 400 });
      await rejects(s.store.readMetadata(m, 'k'), NOT_FOUND);
    });

    it('accepts durations as seconds, integer strings, days and Go durations', async () => {
      const m = await s.mount();
      const cases: Array<[unknown, string]> = [[3600, '1h0m0s'], ['3600', '1h0m0s'], ['1d', '24h0m0s'], ['90s', '1m30s'], ['1.5h', '1h30m0s'], ['1h30m', '1h30m0s'], ['', '0s'], [59, '59s'], [3661, '1h1m1s']];
      for (const [input, expected] of cases) {
        await s.store.writeMetadata(m, 'k', { delete_version_after: input });
        assert.equal((await s.store.readMetadata(m, 'k')).delete_version_after, expected, `input ${JSON.stringify(input)}`);
      }
    });

    it('warns when cas_required false is sent to a mount that requires cas, and stores it', async () => {
      const m = await s.mount();
      await s.store.writeConfig(m, { cas_required: true });
      assert.deepEqual((await s.store.writeMetadata(m, 'k', { cas_required: false })).warnings, [CAS_WARNING]);
      assert.deepEqual((await s.store.writeMetadata(m, 'k', { cas_required: true })).warnings, []);
      assert.deepEqual((await s.store.writeMetadata(m, 'k', { max_versions: 1 })).warnings, []);
    });
  });

  describe('custom_metadata limits (§4.12 step 3)', () => {
    const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`key${i}`, 'v']));

    it('accepts 64 keys and refuses 65 with only the count error', async () => {
      const m = await s.mount();
      await s.store.writeMetadata(m, 'k', { custom_metadata: keys(64) });
      assert.equal(Object.keys((await s.store.readMetadata(m, 'k')).custom_metadata!).length, 64);
      const payload = { ...keys(65), ['x'.repeat(200)]: '' };
      await rejects(s.store.writeMetadata(m, 'k', { custom_metadata: payload }), {
        code: 'ERR_INVALID_REQUEST', status: 400, message: one(`${PREFIX}: payload must contain at most 64 keys, provided 66`),
      });
    });

    it('accepts keys of 128 bytes and refuses 129, counting UTF-8 bytes', async () => {
      const m = await s.mount();
      await s.store.writeMetadata(m, 'k', { custom_metadata: { ['k'.repeat(128)]: 'v', ['é'.repeat(64)]: 'v' } });
      const long = 'k'.repeat(129);
      await rejects(s.store.writeMetadata(m, 'k', { custom_metadata: { [long]: 'v' } }), {
        code: 'ERR_INVALID_REQUEST', status: 400, message: one(`${PREFIX}: length of key "${long}" is 129 but must be 0 < len(key) <= 128`),
      });
      const wide = 'é'.repeat(65);
      await rejects(s.store.writeMetadata(m, 'k', { custom_metadata: { [wide]: 'v' } }), {
        code: 'ERR_INVALID_REQUEST', status: 400, message: one(`${PREFIX}: length of key "${wide}" is 130 but must be 0 < len(key) <= 128`),
      });
    });

    it('accepts values of 512 bytes and refuses 513, counting UTF-8 bytes', async () => {
      const m = await s.mount();
      await s.store.writeMetadata(m, 'k', { custom_metadata: { a: 'v'.repeat(512), b: '€'.repeat(170) } });
      await rejects(s.store.writeMetadata(m, 'k', { custom_metadata: { a: 'v'.repeat(513) } }), {
        code: 'ERR_INVALID_REQUEST', status: 400, message: one(`${PREFIX}: length of value for key "a" is 513 but must be 0 < len(value) <= 512`),
      });
      await rejects(s.store.writeMetadata(m, 'k', { custom_metadata: { b: '€'.repeat(171) } }), {
        code: 'ERR_INVALID_REQUEST', status: 400, message: one(`${PREFIX}: length of value for key "b" is 513 but must be 0 < len(value) <= 512`),
      });
    });

    it('refuses an empty key and an empty (or null) value', async () => {
      const m = await s.mount();
      await rejects(s.store.writeMetadata(m, 'k', { custom_metadata: { '': 'v' } }), {
        code: 'ERR_INVALID_REQUEST', status: 400, message: one(`${PREFIX}: length of key "" is 0 but must be 0 < len(key) <= 128`),
      });
      for (const v of ['', null]) {
        await rejects(s.store.writeMetadata(m, 'k', { custom_metadata: { a: v } }), {
          code: 'ERR_INVALID_REQUEST', status: 400, message: one(`${PREFIX}: length of value for key "a" is 0 but must be 0 < len(value) <= 512`),
        });
      }
    });

    it('refuses unprintable keys, quoting them as Go\'s %q does', async () => {
      const m = await s.mount();
      const cases: Array<[string, string]> = [
        ['a\tb', '"a\\tb"'],
        ['new\nline', '"new\\nline"'],
        ['zero\u200bwidth', '"zero\\u200bwidth"'],
        ['ctl\u0001', '"ctl\\x01"'],
        ['del\u007f', '"del\\x7f"'],
        ['nbsp\u00a0', '"nbsp\\u00a0"'],
      ];
      for (const [key, quoted] of cases) {
        await rejects(s.store.writeMetadata(m, 'k', { custom_metadata: { [key]: 'v' } }), {
          code: 'ERR_INVALID_REQUEST', status: 400, message: one(`${PREFIX}: key ${quoted} (${key}) contains unprintable characters`),
        });
      }
    });

    it('accepts printable Unicode and the ASCII space in keys and values', async () => {
      const m = await s.mount();
      const custom = { 'spaced key': 'spaced value', 'ünïcödé': '✓ €', '日本': '語', 'sym!@#$%^&*()': '"quoted" \\ back' };
      await s.store.writeMetadata(m, 'k', { custom_metadata: custom });
      assert.deepEqual((await s.store.readMetadata(m, 'k')).custom_metadata, custom);
    });

    it('refuses unprintable values, naming the key', async () => {
      const m = await s.mount();
      await rejects(s.store.writeMetadata(m, 'k', { custom_metadata: { owner: 'line\nbreak' } }), {
        code: 'ERR_INVALID_REQUEST', status: 400, message: one(`${PREFIX}: value for key "owner" contains unprintable characters`),
      });
    });

    it('quotes keys with Go\'s %q in every message', async () => {
      const m = await s.mount();
      const key = `q"${'x'.repeat(127)}`;
      await rejects(s.store.writeMetadata(m, 'k', { custom_metadata: { [key]: 'tab\there' } }), {
        code: 'ERR_INVALID_REQUEST', status: 400,
        message: many(
          `${PREFIX}: length of key ${JSON.stringify(key)} is 129 but must be 0 < len(key) <= 128`,
          `${PREFIX}: value for key ${JSON.stringify(key)} contains unprintable characters`,
        ),
      });
    });

    it('reports every failing key and value in one multierror, in map order', async () => {
      const m = await s.mount();
      const long = 'k'.repeat(130);
      await rejects(s.store.writeMetadata(m, 'k', { custom_metadata: { ok: 'fine', [long]: '', 'x\ty': 'a\nb' } }), {
        code: 'ERR_INVALID_REQUEST', status: 400,
        message: many(
          `${PREFIX}: length of key "${long}" is 130 but must be 0 < len(key) <= 128`,
          `${PREFIX}: length of value for key "${long}" is 0 but must be 0 < len(value) <= 512`,
          `${PREFIX}: key "x\\ty" (x\ty) contains unprintable characters`,
          `${PREFIX}: value for key "x\\ty" contains unprintable characters`,
        ),
      });
      await rejects(s.store.readMetadata(m, 'k'), NOT_FOUND);
    });
  });

  describe('patch (§4.13)', () => {
    async function withKey(body: Record<string, unknown> = { max_versions: 3, cas_required: true, delete_version_after: '1h', custom_metadata: { a: '1', b: '2' } }) {
      const m = await s.mount();
      await s.store.writeMetadata(m, 'k', body);
      return m;
    }

    it('refuses a missing key with a 404 without a body', async () => {
      const m = await s.mount();
      await rejects(s.store.patchMetadata(m, 'missing', { max_versions: 1 }), NOT_FOUND);
      await rejects(s.store.readMetadata(m, 'missing'), NOT_FOUND);
    });

    it('merges custom_metadata: adds, replaces, removes with null; {} changes nothing', async () => {
      const m = await withKey();
      await s.store.patchMetadata(m, 'k', { custom_metadata: { a: 'one', b: null, c: '3' } });
      assert.deepEqual((await s.store.readMetadata(m, 'k')).custom_metadata, { a: 'one', c: '3' });
      await s.store.patchMetadata(m, 'k', { custom_metadata: {} });
      assert.deepEqual((await s.store.readMetadata(m, 'k')).custom_metadata, { a: 'one', c: '3' });
      await s.store.patchMetadata(m, 'k', { custom_metadata: { a: null, c: null } });
      assert.equal((await s.store.readMetadata(m, 'k')).custom_metadata, null);
    });

    it('custom_metadata null removes the whole map', async () => {
      const m = await withKey();
      await s.store.patchMetadata(m, 'k', { custom_metadata: null });
      assert.equal((await s.store.readMetadata(m, 'k')).custom_metadata, null);
    });

    it('changes only the provided settings', async () => {
      const m = await withKey();
      await s.store.patchMetadata(m, 'k', { max_versions: 5 });
      const meta = await s.store.readMetadata(m, 'k');
      assert.deepEqual([meta.max_versions, meta.cas_required, meta.delete_version_after, meta.custom_metadata], [5, true, '1h0m0s', { a: '1', b: '2' }]);
    });

    it('max_versions null → 0, cas_required null → false, delete_version_after null → unchanged', async () => {
      const m = await withKey();
      await s.store.patchMetadata(m, 'k', { max_versions: null, cas_required: null, delete_version_after: null });
      const meta = await s.store.readMetadata(m, 'k');
      assert.deepEqual([meta.max_versions, meta.cas_required, meta.delete_version_after], [0, false, '1h0m0s']);
    });

    it('delete_version_after "0s" resets the key value to 0 (Vault)', async () => {
      const m = await withKey();
      await s.store.patchMetadata(m, 'k', { delete_version_after: '0s' });
      assert.equal((await s.store.readMetadata(m, 'k')).delete_version_after, '0s');
    });

    it('ignores fields that are not patchable', async () => {
      const m = await withKey();
      const before = await s.store.readMetadata(m, 'k');
      const commits = commitCount(s.t);
      await s.store.patchMetadata(m, 'k', { current_version: 9, oldest_version: 4, created_time: '2000-01-01T00:00:00Z', versions: { '1': {} } });
      assert.deepEqual(await s.store.readMetadata(m, 'k'), before);
      assert.equal(commitCount(s.t), commits, 'no patchable field: no commit');
    });

    it('counts the 64-key limit on the patch payload only, so the merged map may exceed 64', async () => {
      const m = await s.mount();
      const half = (from: number) => Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`key${from + i}`, 'v']));
      await s.store.writeMetadata(m, 'k', { custom_metadata: half(0) });
      await s.store.patchMetadata(m, 'k', { custom_metadata: half(40) });
      assert.equal(Object.keys((await s.store.readMetadata(m, 'k')).custom_metadata!).length, 80);
      const big = { ...half(100), ...half(140) };
      await rejects(s.store.patchMetadata(m, 'k', { custom_metadata: big }), { code: 'ERR_INVALID_REQUEST', status: 400, message: one(`${PREFIX}: payload must contain at most 64 keys, provided 80`) });
    });

    it('does not count removals (null values) toward the 64-key limit', async () => {
      const m = await s.mount();
      const set = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`key${i}`, 'v']));
      const removals = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`gone${i}`, null]));
      await s.store.writeMetadata(m, 'k', { custom_metadata: { gone0: 'x' } });
      await s.store.patchMetadata(m, 'k', { custom_metadata: { ...set, ...removals } });
      assert.equal(Object.keys((await s.store.readMetadata(m, 'k')).custom_metadata!).length, 64);
    });

    it('validates custom_metadata like a write, skipping null values, before looking up the key', async () => {
      const m = await withKey();
      await rejects(s.store.patchMetadata(m, 'k', { custom_metadata: { a: null, b: '' } }), {
        code: 'ERR_INVALID_REQUEST', status: 400, message: one(`${PREFIX}: length of value for key "b" is 0 but must be 0 < len(value) <= 512`),
      });
      await rejects(s.store.patchMetadata(m, 'missing', { custom_metadata: { 'x\ty': 'v' } }), { code: 'ERR_INVALID_REQUEST', status: 400 });
    });

    it('warns when cas_required false meets a mount that requires cas', async () => {
      const m = await withKey();
      await s.store.writeConfig(m, { cas_required: true });
      assert.deepEqual((await s.store.patchMetadata(m, 'k', { cas_required: false })).warnings, [CAS_WARNING]);
      assert.equal((await s.store.readMetadata(m, 'k')).cas_required, false);
    });

    it('never creates a version and leaves updated_time unchanged (Vault)', async () => {
      const m = await s.mount();
      const t = s.clock.now;
      await s.store.writeData(m, 'k', { data: {} });
      s.clock.advance(MINUTE);
      await s.store.patchMetadata(m, 'k', { custom_metadata: { a: 'b' } });
      const meta = await s.store.readMetadata(m, 'k');
      assert.equal(meta.current_version, 1);
      assert.equal(meta.updated_time, rfc3339(t));
    });

    it('refuses a negative delete_version_after or max_versions', async () => {
      const m = await withKey();
      await rejects(s.store.patchMetadata(m, 'k', { delete_version_after: -1 }), { code: 'ERR_INVALID_REQUEST', status: 400, message: /cannot provide negative value '-1'$/ });
      await rejects(s.store.patchMetadata(m, 'k', { max_versions: -2 }), { code: 'ERR_INVALID_REQUEST', status: 400 });
    });
  });

  describe('delete (§4.14)', () => {
    it('removes every version and the metadata; reads, metadata and subkeys are 404 without a body', async () => {
      const m = await s.mount();
      await s.store.writeData(m, 'k', { data: { a: 1 } });
      await s.store.writeData(m, 'k', { data: { a: 2 } });
      await s.store.deleteMetadata(m, 'k');
      await rejects(s.store.readData(m, 'k'), NOT_FOUND);
      await rejects(s.store.readData(m, 'k', { version: 1 }), NOT_FOUND);
      await rejects(s.store.readMetadata(m, 'k'), NOT_FOUND);
      await rejects(s.store.readSubkeys(m, 'k'), NOT_FOUND);
    });

    it('a later write starts again at version 1 with default settings', async () => {
      const m = await s.mount();
      await s.store.writeMetadata(m, 'k', { max_versions: 2, cas_required: true, delete_version_after: '1h', custom_metadata: { a: 'b' } });
      await s.store.writeData(m, 'k', { data: {}, options: { cas: 0 } });
      await s.store.deleteMetadata(m, 'k');
      const t = s.clock.now;
      assert.equal((await s.store.writeData(m, 'k', { data: {} })).version, 1);
      assert.deepEqual(await s.store.readMetadata(m, 'k'), {
        cas_required: false, created_time: rfc3339(t), current_version: 1, custom_metadata: null, delete_version_after: '0s',
        max_versions: 0, oldest_version: 0, updated_time: rfc3339(t), versions: { '1': { created_time: rfc3339(t), deletion_time: '', destroyed: false } },
      });
    });

    it('drops the key from its listing, and folders that become empty disappear', async () => {
      const m = await s.mount();
      await s.store.writeData(m, 'dir/sub/k', { data: {} });
      await s.store.writeData(m, 'top', { data: {} });
      await s.store.deleteMetadata(m, 'dir/sub/k');
      assert.deepEqual(await s.store.list(m), ['top']);
      await rejects(s.store.list(m, 'dir/'), NOT_FOUND);
    });

    it('is a no-op without a commit for a missing key', async () => {
      const m = await s.mount();
      const before = commitCount(s.t);
      await s.store.deleteMetadata(m, 'missing');
      assert.equal(commitCount(s.t), before);
    });

    it('deletes a metadata-only key', async () => {
      const m = await s.mount();
      await s.store.writeMetadata(m, 'k', { max_versions: 1 });
      await s.store.deleteMetadata(m, 'k');
      await rejects(s.store.readMetadata(m, 'k'), NOT_FOUND);
    });
  });
});
