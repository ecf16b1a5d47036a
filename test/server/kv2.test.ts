/** KV v2 over HTTP: every endpoint, status code and body shape of reference §2–4. */
import assert from 'node:assert/strict';
import { type Client, type TestServer, startTestServer } from './helpers';

const ENVELOPE_KEYS = ['auth', 'data', 'lease_duration', 'lease_id', 'mount_type', 'renewable', 'request_id', 'warnings', 'wrap_info'];

describe('server: KV v2 endpoints', function () {
  let s: TestServer;
  let c: Client;

  before(async () => {
    s = await startTestServer();
    c = s.client;
  });
  after(async () => s.close());

  describe('config', () => {
    it('reads the defaults and writes only the given fields (204)', async () => {
      const r = await c.get('/v1/secret/config');
      assert.equal(r.status, 200);
      assert.deepEqual(Object.keys(r.body).sort(), ENVELOPE_KEYS);
      assert.deepEqual(r.body.data, { cas_required: false, delete_version_after: '0s', max_versions: 0 });
      assert.equal(r.body.warnings, null);
      const w = await c.post('/v1/secret/config', { max_versions: 5 });
      assert.equal(w.status, 204);
      assert.equal(w.text, '');
      assert.deepEqual((await c.get('/v1/secret/config')).body.data, { cas_required: false, delete_version_after: '0s', max_versions: 5 });
      assert.equal((await c.post('/v1/secret/config', { delete_version_after: '-1h' })).status, 204);
      assert.equal((await c.get('/v1/secret/config')).body.data.delete_version_after, '-1s');
      await c.post('/v1/secret/config', { max_versions: 0, delete_version_after: 0 });
    });

    it('400 with a field validation error, 405 for DELETE', async () => {
      const r = await c.post('/v1/secret/config', { max_versions: 'many' });
      assert.equal(r.status, 400);
      assert.match(r.body.errors[0], /^Field validation failed: error converting input for field "max_versions"/);
      const d = await c.del('/v1/secret/config');
      assert.equal(d.status, 405);
      assert.deepEqual(d.body, { errors: ['unsupported operation'] });
    });

    it('warns about unknown parameters on a 200', async () => {
      const r = await c.get('/v1/secret/config?zeta=1&alpha=2');
      assert.deepEqual(r.body.warnings, ['Endpoint ignored these unrecognized parameters: [alpha zeta]']);
    });
  });

  describe('data', () => {
    it('writes (200 with version metadata), reads the latest and a given version', async () => {
      const w1 = await c.post('/v1/secret/data/app/db', { data: { password: 'p1', n: 1 } });
      assert.equal(w1.status, 200);
      assert.deepEqual(Object.keys(w1.body.data).sort(), ['created_time', 'custom_metadata', 'deletion_time', 'destroyed', 'version']);
      assert.equal(w1.body.data.version, 1);
      assert.equal(w1.body.data.deletion_time, '');
      assert.match(w1.body.data.created_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      const w2 = await c.put('/v1/secret/data/app/db', { data: { password: 'p2' }, options: { cas: 1 } });
      assert.equal(w2.body.data.version, 2);
      const latest = await c.get('/v1/secret/data/app/db');
      assert.equal(latest.status, 200);
      assert.deepEqual(latest.body.data.data, { password: 'p2' });
      assert.equal(latest.body.data.metadata.version, 2);
      assert.equal(latest.body.data.metadata.custom_metadata, null);
      const v1 = await c.get('/v1/secret/data/app/db?version=1');
      assert.deepEqual(v1.body.data.data, { password: 'p1', n: 1 });
      assert.equal((await c.get('/v1/secret/data/app/db?version=0')).body.data.metadata.version, 2);
    });

    it('404 {"errors":[]} for a missing key or version; 400 for a bad version', async () => {
      for (const path of ['/v1/secret/data/nope', '/v1/secret/data/app/db?version=9']) {
        const r = await c.get(path);
        assert.equal(r.status, 404);
        assert.deepEqual(r.body, { errors: [] });
      }
      const bad = await c.get('/v1/secret/data/app/db?version=x');
      assert.equal(bad.status, 400);
      assert.match(bad.body.errors[0], /Field validation failed: error converting input for field "version"/);
    });

    it('write errors: no data, CAS mismatch, CAS required', async () => {
      let r = await c.post('/v1/secret/data/cas', { options: {} });
      assert.equal(r.status, 400);
      assert.deepEqual(r.body, { errors: ['no data provided'] });
      assert.equal((await c.post('/v1/secret/data/cas', { data: { a: 1 }, options: { cas: 0 } })).status, 200);
      r = await c.post('/v1/secret/data/cas', { data: { a: 2 }, options: { cas: 0 } });
      assert.equal(r.status, 400);
      assert.deepEqual(r.body, { errors: ['check-and-set parameter did not match the current version'] });
      await c.post('/v1/secret/metadata/cas', { cas_required: true });
      r = await c.post('/v1/secret/data/cas', { data: { a: 2 } });
      assert.deepEqual(r.body, { errors: ['check-and-set parameter required for this call'] });
    });

    it('warns about unknown body parameters', async () => {
      const r = await c.post('/v1/secret/data/warned', { data: { a: 1 }, extra: true });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.warnings, ['Endpoint ignored these unrecognized parameters: [extra]']);
    });

    it('PATCH merges (RFC 7396) into a new version; 415 without the merge-patch content type', async () => {
      await c.post('/v1/secret/data/patched', { data: { a: 1, nested: { x: 1, y: 2 }, gone: true } });
      const p = await c.patch('/v1/secret/data/patched', { data: { b: 2, nested: { y: null }, gone: null } });
      assert.equal(p.status, 200);
      assert.equal(p.body.data.version, 2);
      assert.deepEqual((await c.get('/v1/secret/data/patched')).body.data.data, { a: 1, b: 2, nested: { x: 1 } });
      const wrongType = await c.request('PATCH', '/v1/secret/data/patched', { raw: '{"data":{}}', headers: { 'Content-Type': 'application/json' } });
      assert.equal(wrongType.status, 415);
      assert.deepEqual(wrongType.body, { errors: ['PATCH requires Content-Type of application/merge-patch+json, provided application/json'] });
      const noType = await c.request('PATCH', '/v1/secret/data/patched', { raw: '{"data":{}}' });
      assert.equal(noType.status, 400);
    });

    it('PATCH of a missing key is a 404 with an empty body; of a deleted version a raw 404 with the version metadata', async () => {
      const missing = await c.patch('/v1/secret/data/never', { data: { a: 1 } });
      assert.equal(missing.status, 404);
      assert.equal(missing.text, '');
      await c.post('/v1/secret/data/del-patch', { data: { a: 1 } });
      assert.equal((await c.del('/v1/secret/data/del-patch')).status, 204);
      const r = await c.patch('/v1/secret/data/del-patch', { data: { a: 2 } });
      assert.equal(r.status, 404);
      assert.deepEqual(Object.keys(r.body.data).sort(), ['created_time', 'custom_metadata', 'deletion_time', 'destroyed', 'version']);
      assert.notEqual(r.body.data.deletion_time, '');
      assert.equal(typeof r.body.request_id, 'string');
    });

    it('DELETE soft-deletes the latest version (204); the read is a raw 404 with metadata; undelete restores', async () => {
      await c.post('/v1/secret/data/soft', { data: { v: 1 } });
      await c.post('/v1/secret/data/soft', { data: { v: 2 } });
      const d = await c.del('/v1/secret/data/soft');
      assert.equal(d.status, 204);
      assert.equal(d.text, '');
      const r = await c.get('/v1/secret/data/soft');
      assert.equal(r.status, 404);
      assert.deepEqual(Object.keys(r.body).sort(), ENVELOPE_KEYS);
      assert.equal(r.body.data.data, null);
      assert.equal(r.body.data.metadata.version, 2);
      assert.notEqual(r.body.data.metadata.deletion_time, '');
      assert.equal(r.body.data.metadata.destroyed, false);
      assert.equal((await c.get('/v1/secret/data/soft?version=1')).status, 200);
      assert.equal((await c.del('/v1/secret/data/missing-key')).status, 204);
      const u = await c.post('/v1/secret/undelete/soft', { versions: [2] });
      assert.equal(u.status, 204);
      assert.deepEqual((await c.get('/v1/secret/data/soft')).body.data.data, { v: 2 });
    });

    it('a trailing slash or the bare endpoint falls through to pathInvalid (raw 404 with a warning)', async () => {
      const slash = await c.get('/v1/secret/data/app/');
      assert.equal(slash.status, 404);
      assert.equal(slash.body.data, null);
      assert.match(slash.body.warnings[0], /^Invalid path for a versioned K\/V secrets engine\. .* use 'vault kv get' for this operation\.$/);
      const root = await c.get('/v1/secret/data');
      assert.deepEqual(root.body.warnings, ['Non-listing operations on the root of a K/V v2 mount are not supported.']);
      const v1style = await c.post('/v1/secret/foo', { a: 1 });
      assert.equal(v1style.status, 404);
      assert.match(v1style.body.warnings[0], /use 'vault kv put' for this operation/);
      const list = await c.list('/v1/secret/data/app');
      assert.match(list.body.warnings[0], /use 'vault kv list' for this operation/);
    });

    it('relative path segments are a 400', async () => {
      const r = await c.get('/v1/secret/data/app/%2E%2E/db');
      assert.equal(r.status, 400);
      assert.deepEqual(r.body, { errors: ['relative paths not supported'] });
    });
  });

  describe('delete/, undelete/, destroy/', () => {
    it('delete/ soft-deletes listed versions; errors name missing versions; GET is 405', async () => {
      await c.post('/v1/secret/data/versions', { data: { v: 1 } });
      await c.post('/v1/secret/data/versions', { data: { v: 2 } });
      assert.equal((await c.post('/v1/secret/delete/versions', { versions: [1] })).status, 204);
      assert.equal((await c.get('/v1/secret/data/versions?version=1')).status, 404);
      assert.equal((await c.get('/v1/secret/data/versions?version=2')).status, 200);
      assert.deepEqual((await c.post('/v1/secret/delete/versions', {})).body, { errors: ['No version number provided'] });
      assert.deepEqual((await c.post('/v1/secret/undelete/versions', { versions: [] })).body, { errors: ['No version number provided'] });
      assert.deepEqual((await c.post('/v1/secret/destroy/versions', {})).body, { errors: ['no version number provided'] });
      assert.equal((await c.get('/v1/secret/destroy/versions')).status, 405);
      assert.equal((await c.del('/v1/secret/delete/versions')).status, 405);
    });

    it('destroy/ destroys: a raw 404 with destroyed=true, and undelete cannot revive it', async () => {
      assert.equal((await c.put('/v1/secret/destroy/versions', { versions: '2' })).status, 204);
      const r = await c.get('/v1/secret/data/versions?version=2');
      assert.equal(r.status, 404);
      assert.equal(r.body.data.metadata.destroyed, true);
      await c.post('/v1/secret/undelete/versions', { versions: [2] });
      assert.equal((await c.get('/v1/secret/data/versions?version=2')).status, 404);
      const meta = await c.get('/v1/secret/metadata/versions');
      assert.equal(meta.body.data.versions['2'].destroyed, true);
    });
  });

  describe('subkeys/', () => {
    it('returns the shape with null values, honours depth; 404 shapes as for data', async () => {
      await c.post('/v1/secret/data/shape', { data: { foo: { bar: { baz: 1 } }, top: 'x', empty: {} } });
      const r = await c.get('/v1/secret/subkeys/shape');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.data.subkeys, { foo: { bar: { baz: null } }, top: null, empty: null });
      assert.equal(r.body.data.metadata.version, 1);
      assert.deepEqual((await c.get('/v1/secret/subkeys/shape?depth=2')).body.data.subkeys, { foo: { bar: null }, top: null, empty: null });
      assert.deepEqual((await c.get('/v1/secret/subkeys/nope')).body, { errors: [] });
      await c.del('/v1/secret/data/shape');
      const deleted = await c.get('/v1/secret/subkeys/shape');
      assert.equal(deleted.status, 404);
      assert.equal(deleted.body.data.subkeys, null);
      assert.equal(deleted.body.data.metadata.version, 1);
      assert.equal((await c.post('/v1/secret/subkeys/shape', {})).status, 405);
    });
  });

  describe('metadata/', () => {
    it('writes settings and custom metadata (204), reads them back; never creates a version', async () => {
      const w = await c.post('/v1/secret/metadata/meta/a', { max_versions: 3, custom_metadata: { owner: 'jdoe' }, delete_version_after: '3h25m19s' });
      assert.equal(w.status, 204);
      const r = await c.get('/v1/secret/metadata/meta/a');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.data, {
        cas_required: false,
        created_time: r.body.data.created_time,
        current_version: 0,
        custom_metadata: { owner: 'jdoe' },
        delete_version_after: '3h25m19s',
        max_versions: 3,
        oldest_version: 0,
        updated_time: r.body.data.updated_time,
        versions: {},
      });
      assert.equal((await c.get('/v1/secret/data/meta/a')).status, 404);
    });

    it('an empty metadata write is a no-op 204 that creates nothing; metadata of a missing key is 404', async () => {
      assert.equal((await c.post('/v1/secret/metadata/meta/blank', {})).status, 204);
      assert.deepEqual((await c.get('/v1/secret/metadata/meta/blank')).body, { errors: [] });
    });

    it('200 with data null and a warning when cas_required=false is mandated by the mount', async () => {
      await c.post('/v1/secret/config', { cas_required: true });
      try {
        const r = await c.post('/v1/secret/metadata/meta/a', { cas_required: false });
        assert.equal(r.status, 200);
        assert.equal(r.body.data, null);
        assert.deepEqual(r.body.warnings, ['"cas_required" set to false, but is mandated by backend config. This value will be ignored.']);
      } finally {
        await c.post('/v1/secret/config', { cas_required: false });
      }
    });

    it('custom_metadata validation errors are 400 with Vault\'s multierror text', async () => {
      const r = await c.post('/v1/secret/metadata/meta/a', { custom_metadata: { '': 'x' } });
      assert.equal(r.status, 400);
      assert.match(r.body.errors[0], /^1 error occurred:\n\t\* custom_metadata validation failed: length of key "" is 0/);
    });

    it('PATCH merges settings and custom metadata (204); a missing key is an empty 404; 415 without the content type', async () => {
      assert.equal((await c.patch('/v1/secret/metadata/meta/a', { custom_metadata: { team: 'x', owner: null }, max_versions: 4 })).status, 204);
      const r = await c.get('/v1/secret/metadata/meta/a');
      assert.deepEqual(r.body.data.custom_metadata, { team: 'x' });
      assert.equal(r.body.data.max_versions, 4);
      const missing = await c.patch('/v1/secret/metadata/meta/none', { max_versions: 1 });
      assert.equal(missing.status, 404);
      assert.equal(missing.text, '');
      assert.equal((await c.request('PATCH', '/v1/secret/metadata/meta/a', { raw: '{}', headers: { 'Content-Type': 'text/plain' } })).status, 415);
    });

    it('custom metadata shows in data reads and writes', async () => {
      await c.post('/v1/secret/data/meta/a', { data: { x: 1 } });
      assert.deepEqual((await c.get('/v1/secret/data/meta/a')).body.data.metadata.custom_metadata, { team: 'x' });
    });

    it('DELETE removes the key and all versions (204); a later write starts at version 1', async () => {
      await c.post('/v1/secret/data/meta/gone', { data: { x: 1 } });
      await c.post('/v1/secret/data/meta/gone', { data: { x: 2 } });
      assert.equal((await c.del('/v1/secret/metadata/meta/gone')).status, 204);
      assert.deepEqual((await c.get('/v1/secret/metadata/meta/gone')).body, { errors: [] });
      assert.equal((await c.post('/v1/secret/data/meta/gone', { data: { x: 3 } })).body.data.version, 1);
      assert.equal((await c.del('/v1/secret/metadata/meta/never-was')).status, 204);
    });

    it('metadata/ without a key: writes are 400 missing path, the bare endpoint is pathInvalid', async () => {
      assert.deepEqual((await c.post('/v1/secret/metadata/', { max_versions: 1 })).body, { errors: ['missing path'] });
      const bare = await c.get('/v1/secret/metadata');
      assert.equal(bare.status, 404);
      assert.deepEqual(bare.body.warnings, ['Non-listing operations on the root of a K/V v2 mount are not supported.']);
    });
  });

  describe('LIST and SCAN', () => {
    before(async () => {
      for (const k of ['l/a', 'l/b', 'l/b/c', 'l/d/e/f']) await c.post(`/v1/secret/data/${k}`, { data: { k } });
    });

    it('LIST, GET ?list=true and the mount root', async () => {
      const r = await c.list('/v1/secret/metadata/l');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.data, { keys: ['a', 'b', 'b/', 'd/'] });
      assert.deepEqual((await c.get('/v1/secret/metadata/l/?list=true')).body.data.keys, ['a', 'b', 'b/', 'd/']);
      assert.ok((await c.list('/v1/secret/metadata/')).body.data.keys.includes('l/'));
      assert.ok((await c.get('/v1/secret/metadata?list=true')).body.data.keys.includes('l/'));
    });

    it('after and limit page through the sorted keys', async () => {
      assert.deepEqual((await c.list('/v1/secret/metadata/l?after=b&limit=1')).body.data.keys, ['b/']);
      assert.deepEqual((await c.get('/v1/secret/metadata/l/?list=true&limit=2')).body.data.keys, ['a', 'b']);
    });

    it('404 {"errors":[]} for nothing to list (a leaf or a missing folder)', async () => {
      assert.deepEqual((await c.list('/v1/secret/metadata/l/a')).body, { errors: [] });
      assert.equal((await c.list('/v1/secret/metadata/nothing-here')).status, 404);
    });

    it('400 for a non-boolean list parameter', async () => {
      const r = await c.get('/v1/secret/metadata/l?list=maybe');
      assert.equal(r.status, 400);
      assert.deepEqual(r.body, { errors: [] });
    });

    it('SCAN and ?scan=true list leaf keys recursively; an empty scan is 200 with no keys', async () => {
      const r = await c.request('SCAN', '/v1/secret/metadata/l');
      assert.equal(r.status, 200);
      assert.deepEqual([...r.body.data.keys].sort(), ['a', 'b', 'b/c', 'd/e/f']);
      assert.deepEqual([...(await c.get('/v1/secret/metadata/l/?scan=true')).body.data.keys].sort(), ['a', 'b', 'b/c', 'd/e/f']);
      const empty = await c.request('SCAN', '/v1/secret/metadata/void');
      assert.equal(empty.status, 200);
      assert.deepEqual(empty.body.data, {});
      assert.equal((await c.get('/v1/secret/metadata/l?list=true&scan=true')).status, 400);
    });

    it('detailed-metadata/ lists keys with key_info (metadata for leaves, {} for folders); read is 405', async () => {
      const r = await c.list('/v1/secret/detailed-metadata/l');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.data.keys, ['a', 'b', 'b/', 'd/']);
      assert.deepEqual(r.body.data.key_info['b/'], {});
      assert.deepEqual(r.body.data.key_info.a, (await c.get('/v1/secret/metadata/l/a')).body.data);
      const scan = await c.request('SCAN', '/v1/secret/detailed-metadata/l');
      assert.ok(scan.body.data.key_info['d/e/f']);
      assert.equal((await c.get('/v1/secret/detailed-metadata/l/a')).status, 405);
    });
  });

  describe('reads see changes made outside the server', () => {
    it('a write through the core (another writer on the same repository) is visible on the next read', async () => {
      await c.post('/v1/secret/data/outside', { data: { v: 'server' } });
      assert.deepEqual((await c.get('/v1/secret/data/outside')).body.data.data, { v: 'server' });
      await s.t.store.writeData('secret', 'outside', { data: { v: 'core' } });
      const r = await c.get('/v1/secret/data/outside');
      assert.deepEqual(r.body.data.data, { v: 'core' });
      assert.equal(r.body.data.metadata.version, 2);
    });
  });
});
