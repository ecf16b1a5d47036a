/**
 * `-format=json` prints what `vault kv … -format=json` prints (reference §2.2, §9.1): the response
 * envelope (api.Secret: request_id, lease_id, lease_duration, renewable, data, warnings, and Vault's
 * mount_type) with Go's encoding (two-space indent, map keys sorted), field for field.
 */
import assert from 'node:assert/strict';
import { type CliStore, cliStore, json } from '../helpers/cli';

const ENVELOPE_KEYS = ['request_id', 'lease_id', 'lease_duration', 'renewable', 'data', 'warnings', 'mount_type'];
const VERSION_KEYS = ['created_time', 'custom_metadata', 'deletion_time', 'destroyed', 'version'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

function assertEnvelope(e: any): void {
  assert.deepEqual(Object.keys(e), ENVELOPE_KEYS, 'the envelope\'s fields, in api.Secret\'s order');
  assert.match(e.request_id, UUID);
  assert.equal(e.lease_id, '');
  assert.equal(e.lease_duration, 0);
  assert.equal(e.renewable, false);
  assert.equal(e.warnings, null);
  assert.equal(e.mount_type, 'kv');
}

function assertVersionMetadata(m: any, version: number): void {
  assert.deepEqual(Object.keys(m), VERSION_KEYS);
  assert.match(m.created_time, TIME);
  assert.equal(m.custom_metadata, null);
  assert.equal(m.deletion_time, '');
  assert.equal(m.destroyed, false);
  assert.equal(m.version, version);
}

describe('cli: JSON output matches Vault\'s, field for field', function () {
  let s: CliStore;
  before(async () => {
    s = await cliStore();
  });
  after(() => s.cleanup());

  it('put', async () => {
    const r = await s.kvgit(['put', '-format=json', 'secret/app', 'user=admin', 'password=s3cr3t']);
    assert.equal(r.code, 0, r.stderr);
    const e = json(r);
    assertEnvelope(e);
    assertVersionMetadata(e.data, 1);
  });

  it('patch', async () => {
    const r = await s.kvgit(['patch', '-format=json', 'secret/app', 'password=n3w']);
    assert.equal(r.code, 0, r.stderr);
    const e = json(r);
    assertEnvelope(e);
    assertVersionMetadata(e.data, 2);
  });

  it('get', async () => {
    const r = await s.kvgit(['get', '-format=json', 'secret/app']);
    assert.equal(r.code, 0, r.stderr);
    const e = json(r);
    assertEnvelope(e);
    assert.deepEqual(Object.keys(e.data), ['data', 'metadata']);
    assert.deepEqual(e.data.data, { password: 'n3w', user: 'admin' });
    assertVersionMetadata(e.data.metadata, 2);
    // Go's MarshalIndent: two spaces, map keys sorted (data before metadata, password before user).
    assert.match(r.stdout, /^\{\n {2}"request_id": "[^"]+",\n {2}"lease_id": "",\n {2}"lease_duration": 0,\n {2}"renewable": false,\n {2}"data": \{\n {4}"data": \{\n {6}"password": "n3w",\n {6}"user": "admin"\n {4}\},\n {4}"metadata": \{\n {6}"created_time": /);
    assert.match(r.stdout, /\n {2}\},\n {2}"warnings": null,\n {2}"mount_type": "kv"\n\}\n$/);
  });

  it('get of a deleted version: the metadata with data null, exit 0', async () => {
    await s.kvgit(['put', 'secret/del', 'a=1']);
    await s.kvgit(['delete', 'secret/del']);
    const r = await s.kvgit(['get', '-format=json', 'secret/del']);
    assert.equal(r.code, 0, r.stderr);
    const e = json(r);
    assertEnvelope(e);
    assert.equal(e.data.data, null);
    assert.deepEqual(Object.keys(e.data.metadata), VERSION_KEYS);
    assert.match(e.data.metadata.deletion_time, TIME);
  });

  it('metadata get', async () => {
    await s.kvgit(['metadata', 'patch', '-custom-metadata=owner=ops', 'secret/app']);
    const r = await s.kvgit(['metadata', 'get', '-format=json', 'secret/app']);
    assert.equal(r.code, 0, r.stderr);
    const e = json(r);
    assertEnvelope(e);
    assert.deepEqual(Object.keys(e.data), ['cas_required', 'created_time', 'current_version', 'custom_metadata', 'delete_version_after', 'max_versions', 'oldest_version', 'updated_time', 'versions']);
    assert.deepEqual(
      { ...e.data, created_time: 'T', updated_time: 'T', versions: Object.keys(e.data.versions) },
      { cas_required: false, created_time: 'T', current_version: 2, custom_metadata: { owner: 'ops' }, delete_version_after: '0s', max_versions: 0, oldest_version: 0, updated_time: 'T', versions: ['1', '2'] },
    );
    for (const v of Object.values(e.data.versions) as any[]) {
      assert.deepEqual(Object.keys(v), ['created_time', 'deletion_time', 'destroyed']);
      assert.match(v.created_time, TIME);
    }
  });

  it('list: the keys array alone', async () => {
    await s.kvgit(['put', 'secret/dir/b', 'x=1']);
    const r = await s.kvgit(['list', '-format=json', 'secret/']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '[\n  "app",\n  "del",\n  "dir/"\n]\n');
  });

  it('versions sort as Go sorts map keys ("10" before "2"), and strings are HTML-escaped as Go does', async () => {
    for (let i = 0; i < 10; i++) await s.kvgit(['put', 'secret/many', `n=${i}`]);
    await s.kvgit(['put', 'secret/many', 'html=<a&b>']);
    const r = await s.kvgit(['metadata', 'get', '-format=json', 'secret/many']);
    const order = [...r.stdout.matchAll(/^ {6}"(\d+)": \{$/gm)].map((m) => m[1]);
    assert.deepEqual(order, ['10', '11', '2', '3', '4', '5', '6', '7', '8', '9']);
    const g = await s.kvgit(['get', '-format=json', 'secret/many']);
    assert.match(g.stdout, /"html": "\\u003ca\\u0026b\\u003e"/);
    assert.equal(json(g).data.data.html, '<a&b>');
  });

  it('warnings go into the envelope (metadata put with cas_required=false under a CAS-required mount)', async () => {
    await s.kvgit(['config', 'secret', 'cas_required=true']);
    const r = await s.kvgit(['metadata', 'put', '-format=json', '-cas-required=false', 'secret/app']);
    assert.equal(r.code, 0, r.stderr);
    const e = json(r);
    assert.deepEqual(Object.keys(e), ENVELOPE_KEYS);
    assert.equal(e.data, null);
    assert.deepEqual(e.warnings, ['"cas_required" set to false, but is mandated by backend config. This value will be ignored.']);
    const t = await s.kvgit(['metadata', 'put', '-cas-required=false', 'secret/app']);
    assert.equal(t.stdout, '');
    assert.equal(t.stderr, 'WARNING! The following warnings were returned from kvgit:\n\n  * "cas_required" set to false, but is mandated by backend config. This value will be ignored.\n\n');
    await s.kvgit(['config', 'secret', 'cas_required=false']);
  });

  it('writes Vault answers with 204 print nothing in JSON', async () => {
    for (const args of [['delete', 'secret/app'], ['undelete', '-versions=2', 'secret/app'], ['metadata', 'put', '-max-versions=4', 'secret/app']]) {
      const r = await s.kvgit([...args.slice(0, args[0] === 'metadata' ? 2 : 1), '-format=json', ...args.slice(args[0] === 'metadata' ? 2 : 1)]);
      assert.deepEqual([r.code, r.stdout], [0, ''], `${args.join(' ')}: ${r.stderr}`);
    }
  });
});
