/** The `kv` verbs through the built CLI: Vault's messages, table layouts and exit codes. */
import assert from 'node:assert/strict';
import { type CliStore, cliStore, json } from '../helpers/cli';

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

describe('cli: kv verbs', function () {
  let s: CliStore;
  before(async () => {
    s = await cliStore();
  });
  after(() => s.cleanup());

  it('put prints the secret path and the version metadata in Vault\'s layout', async () => {
    const r = await s.kvgit(['put', 'secret/creds', 'passcode=my-long-passcode']);
    assert.equal(r.code, 0, r.stderr);
    const created = /created_time\s+(\S+)/.exec(r.stdout)![1]!;
    assert.match(created, TIME);
    assert.equal(
      r.stdout,
      [
        '== Secret Path ==',
        'secret/data/creds',
        '',
        '======= Metadata =======',
        'Key                Value',
        '---                -----',
        `created_time       ${created}`,
        'custom_metadata    <nil>',
        'deletion_time      n/a',
        'destroyed          false',
        'version            1',
        '',
      ].join('\n'),
    );
    assert.equal(r.stderr, '');
  });

  it('get prints the path, the metadata and the data tables', async () => {
    const r = await s.kvgit(['get', 'secret/creds']);
    assert.equal(r.code, 0, r.stderr);
    const created = /created_time\s+(\S+)/.exec(r.stdout)![1]!;
    assert.equal(
      r.stdout,
      [
        '== Secret Path ==',
        'secret/data/creds',
        '',
        '======= Metadata =======',
        'Key                Value',
        '---                -----',
        `created_time       ${created}`,
        'custom_metadata    <nil>',
        'deletion_time      n/a',
        'destroyed          false',
        'version            1',
        '',
        '====== Data ======',
        'Key         Value',
        '---         -----',
        'passcode    my-long-passcode',
        '',
      ].join('\n'),
    );
  });

  it('kv <verb> and -mount=<mount> <key> are the same command', async () => {
    const a = await s.kvgit(['kv', 'get', '-mount=secret', '-field=passcode', 'creds']);
    const b = await s.kvgit(['get', '--mount', 'secret', '--field', 'passcode', '/creds']);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout, 'my-long-passcode');
    assert.equal(b.stdout, 'my-long-passcode');
  });

  it('a missing key is "No value found" with exit 2', async () => {
    const r = await s.kvgit(['get', 'secret/nope']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'No value found at secret/data/nope\n');
  });

  it('-version reads an older version; patch merges; -remove-data removes', async () => {
    await s.kvgit(['put', 'secret/app', 'user=u1', 'password=p1']);
    assert.equal((await s.kvgit(['patch', 'secret/app', 'password=p2'])).code, 0);
    const v1 = json(await s.kvgit(['get', '-version=1', '-format=json', 'secret/app']));
    const v2 = json(await s.kvgit(['get', '-format=json', 'secret/app']));
    assert.deepEqual(v1.data.data, { password: 'p1', user: 'u1' });
    assert.deepEqual(v2.data.data, { password: 'p2', user: 'u1' });
    const r = await s.kvgit(['patch', '-remove-data=user', 'secret/app']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(json(await s.kvgit(['get', '-format=json', 'secret/app'])).data.data, { password: 'p2' });
  });

  it('patch -method=rw reads, shallow-merges and writes with check-and-set', async () => {
    await s.kvgit(['put', 'secret/rw', 'a=1', 'b=2']);
    const r = await s.kvgit(['patch', '-method=rw', '-format=json', 'secret/rw', 'b=3']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(json(r).data.version, 2);
    assert.deepEqual(json(await s.kvgit(['get', '-format=json', 'secret/rw'])).data.data, { a: '1', b: '3' });
    const bad = await s.kvgit(['patch', '-method=other', 'secret/rw', 'b=4']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, 'Unsupported method provided to -method flag: other\n');
  });

  it('patch needs data, and an existing key', async () => {
    const none = await s.kvgit(['patch', 'secret/app']);
    assert.equal(none.code, 1);
    assert.equal(none.stderr, 'Must supply data\n');
    const missing = await s.kvgit(['patch', 'secret/never', 'a=b']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^Error writing data to secret\/data\/never: Code: 404\. Errors:/);
  });

  it('a CAS mismatch is Vault\'s API error with exit 2', async () => {
    const r = await s.kvgit(['put', '-cas=0', 'secret/creds', 'x=y']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'Error writing data to secret/data/creds: Code: 400. Errors:\n\n* check-and-set parameter did not match the current version\n');
    assert.equal((await s.kvgit(['put', '-cas=1', 'secret/creds', 'passcode=second'])).code, 0);
    assert.equal((await s.kvgit(['put', '-cas=0', 'secret/brand-new', 'x=y'])).code, 0);
  });

  it('delete, undelete and destroy answer with Vault\'s messages', async () => {
    await s.kvgit(['put', 'secret/gone', 'a=1']);
    await s.kvgit(['put', 'secret/gone', 'a=2']);
    const del = await s.kvgit(['delete', 'secret/gone']);
    assert.deepEqual([del.code, del.stdout], [0, 'Success! Data deleted (if it existed) at: secret/data/gone\n']);

    // A deleted version: metadata table, no data section, exit 0; with -field, exit 2.
    const got = await s.kvgit(['get', 'secret/gone']);
    assert.equal(got.code, 0);
    assert.match(got.stdout, /deletion_time\s+\d{4}-/);
    assert.doesNotMatch(got.stdout, /Data/);
    const field = await s.kvgit(['get', '-field=a', 'secret/gone']);
    assert.deepEqual([field.code, field.stderr], [2, 'No data found at secret/data/gone\n']);
    const fieldV = await s.kvgit(['get', '-version=2', '-field=a', 'secret/gone']);
    assert.deepEqual([fieldV.code, fieldV.stderr], [2, 'No data found at secret/data/gone (version 2)\n']);
    const noVersion = await s.kvgit(['get', '-version=9', 'secret/gone']);
    assert.deepEqual([noVersion.code, noVersion.stderr], [2, 'No value found at secret/data/gone (version 9)\n']);

    const und = await s.kvgit(['undelete', '-versions=2', 'secret/gone']);
    assert.deepEqual([und.code, und.stdout], [0, 'Success! Data written to: secret/undelete/gone\n']);
    assert.equal((await s.kvgit(['get', '-field=a', 'secret/gone'])).stdout, '2');

    const delv = await s.kvgit(['delete', '-versions=1,2', 'secret/gone']);
    assert.equal(delv.code, 0);
    const meta = json(await s.kvgit(['metadata', 'get', '-format=json', 'secret/gone'])).data;
    assert.notEqual(meta.versions['1'].deletion_time, '');
    assert.notEqual(meta.versions['2'].deletion_time, '');

    const des = await s.kvgit(['destroy', '-versions', '1', '-versions', '2', 'secret/gone']);
    assert.equal(des.code, 7, 'the directory layout asks before rewriting history; no terminal and no -y refuses');
    const desy = await s.kvgit(['destroy', '-y', '-versions=1,2', 'secret/gone']);
    assert.deepEqual([desy.code, desy.stdout], [0, 'Success! Data written to: secret/destroy/gone\n'], desy.stderr);
    assert.match(desy.stderr, /^History rewritten: \d+ commit\(s\)/m);
    const meta2 = json(await s.kvgit(['metadata', 'get', '-format=json', 'secret/gone'])).data;
    assert.equal(meta2.versions['1'].destroyed, true);
    assert.equal(meta2.versions['2'].destroyed, true);
  });

  it('undelete and destroy need -versions (exit 1)', async () => {
    const u = await s.kvgit(['undelete', 'secret/gone']);
    assert.deepEqual([u.code, u.stderr], [1, 'No versions provided, use the "-versions" flag to specify the version to undelete.\n']);
    const d = await s.kvgit(['destroy', 'secret/gone']);
    assert.deepEqual([d.code, d.stderr], [1, 'No versions provided, use the "-versions" flag to specify the version to destroy.\n']);
  });

  it('rollback writes an old version\'s data as a new version', async () => {
    await s.kvgit(['put', 'secret/rb', 'v=one']);
    await s.kvgit(['put', 'secret/rb', 'v=two']);
    const r = await s.kvgit(['rollback', '-version=1', 'secret/rb']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Key {16}Value\n/);
    assert.match(r.stdout, /version {12}3\n/);
    assert.equal((await s.kvgit(['get', '-field=v', 'secret/rb'])).stdout, 'one');
    const noVersion = await s.kvgit(['rollback', 'secret/rb']);
    assert.deepEqual([noVersion.code, noVersion.stderr], [1, 'Version flag must be specified\n']);
  });

  it('list and scan print Keys tables; nothing there is exit 2', async () => {
    await s.kvgit(['put', 'secret/dir/a', 'x=1']);
    await s.kvgit(['put', 'secret/dir/sub/b', 'x=1']);
    const l = await s.kvgit(['list', 'secret/dir']);
    assert.deepEqual([l.code, l.stdout], [0, 'Keys\n----\na\nsub/\n']);
    const m = await s.kvgit(['kv', 'list', '-mount=secret']);
    assert.match(m.stdout, /^Keys\n----\n(.*\n)*dir\/\n/);
    const sc = await s.kvgit(['scan', 'secret/dir/']);
    assert.deepEqual([sc.code, sc.stdout], [0, 'Keys\n----\na\nsub/b\n']);
    const none = await s.kvgit(['list', 'secret/nothing']);
    assert.deepEqual([none.code, none.stdout, none.stderr], [2, '', 'No value found at secret/metadata/nothing\n']);
    const noneJson = await s.kvgit(['list', '-format=json', 'secret/nothing']);
    assert.deepEqual([noneJson.code, noneJson.stdout], [2, '{}\n']);
    const args = await s.kvgit(['list']);
    assert.deepEqual([args.code, args.stderr], [1, 'Not enough arguments (expected 1, got 0)\n']);
  });

  it('subkeys shows the shape without values', async () => {
    await s.kvgit(['put', 'secret/shape', '-'], { input: '{"a":{"b":{"c":1}},"d":"x"}' });
    const r = json(await s.kvgit(['subkeys', '-format=json', 'secret/shape']));
    assert.deepEqual(r.data.subkeys, { a: { b: { c: null } }, d: null });
    const d1 = json(await s.kvgit(['subkeys', '-depth=1', '-format=json', 'secret/shape']));
    assert.deepEqual(d1.data.subkeys, { a: null, d: null });
    const t = await s.kvgit(['subkeys', 'secret/shape']);
    assert.match(t.stdout, /^==== Secret Path ====\nsecret\/subkeys\/shape\n/);
    assert.match(t.stdout, /\n= Subkeys =\nKey    Value\n---    -----\na      map\[b:map\[c:<nil>\]\]\nd      <nil>\n$/);
  });

  it('metadata get prints Vault\'s metadata layout with one table per version', async () => {
    const r = await s.kvgit(['metadata', 'get', 'secret/rb']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.deepEqual(lines.slice(0, 6), ['== Metadata Path ==', 'secret/metadata/rb', '', '========== Metadata ==========', 'Key                     Value', '---                     -----']);
    assert.deepEqual(
      lines.filter((l) => /^\S+\s/.test(l) && !l.startsWith('=') && !l.startsWith('Key') && !l.startsWith('---') && !l.startsWith('secret/')).map((l) => l.split(/\s+/)[0]).slice(0, 8),
      ['cas_required', 'created_time', 'current_version', 'custom_metadata', 'delete_version_after', 'max_versions', 'oldest_version', 'updated_time'],
    );
    assert.equal(lines.filter((l) => /^====== Version \d ======$/.test(l)).length, 3);
    assert.match(r.stdout, /\n\n====== Version 1 ======\nKey              Value\n---              -----\ncreated_time     \S+\ndeletion_time    n\/a\ndestroyed        false\n/);
  });

  it('metadata put and patch change key settings; metadata delete removes the key', async () => {
    const put = await s.kvgit(['metadata', 'put', '-max-versions=5', '-cas-required', '-delete-version-after=1h', '-custom-metadata=owner=ops', '-custom-metadata=team=a', 'secret/settings']);
    assert.deepEqual([put.code, put.stdout], [0, 'Success! Data written to: secret/metadata/settings\n'], put.stderr);
    let meta = json(await s.kvgit(['metadata', 'get', '-format=json', 'secret/settings'])).data;
    assert.deepEqual([meta.max_versions, meta.cas_required, meta.delete_version_after, meta.custom_metadata], [5, true, '1h0m0s', { owner: 'ops', team: 'a' }]);
    const patch = await s.kvgit(['metadata', 'patch', '-remove-custom-metadata=team', '-cas-required=false', 'secret/settings']);
    assert.equal(patch.code, 0, patch.stderr);
    meta = json(await s.kvgit(['metadata', 'get', '-format=json', 'secret/settings'])).data;
    assert.deepEqual([meta.max_versions, meta.cas_required, meta.custom_metadata], [5, false, { owner: 'ops' }]);
    const missing = await s.kvgit(['metadata', 'patch', '-max-versions=1', 'secret/absent']);
    assert.equal(missing.code, 2);
    const del = await s.kvgit(['metadata', 'delete', '-y', 'secret/settings']);
    assert.deepEqual([del.code, del.stdout], [0, 'Success! Data deleted (if it existed) at: secret/metadata/settings\n'], del.stderr);
    assert.equal((await s.kvgit(['metadata', 'get', 'secret/settings'])).code, 2);
  });

  it('metadata get takes no -field (exit 1, as in Vault)', async () => {
    const r = await s.kvgit(['metadata', 'get', '-field=x', 'secret/rb']);
    assert.deepEqual([r.code, r.stderr], [1, 'flag provided but not defined: -field\n']);
  });

  it('config reads and writes the mount configuration', async () => {
    const t = await s.kvgit(['config', 'secret']);
    assert.equal(t.stdout, 'Key                     Value\n---                     -----\ncas_required            false\ndelete_version_after    0s\nmax_versions            0\n');
    const w = await s.kvgit(['kv', 'config', 'secret', 'max_versions=7']);
    assert.deepEqual([w.code, w.stdout], [0, 'Success! Data written to: secret/config\n']);
    assert.equal((await s.kvgit(['config', '-mount=secret', '-field=max_versions'])).stdout, '7');
    assert.equal((await s.kvgit(['config', 'secret', 'max_versions=0'])).code, 0);
  });
});

describe('cli: KV version 1 mounts and enable-versioning', function () {
  let s: CliStore;
  before(async () => {
    s = await cliStore();
  });
  after(() => s.cleanup());

  it('uses the v1 API on a v1 mount, refuses v2-only verbs, then upgrades', async () => {
    const en = await s.kvgit(['mounts', 'enable', '-path=old', 'kv']);
    assert.deepEqual([en.code, en.stdout], [0, 'Success! Enabled the kv secrets engine at: old/\n'], en.stderr);
    const put = await s.kvgit(['put', 'old/app', 'token=t1']);
    assert.deepEqual([put.code, put.stdout], [0, 'Success! Data written to: old/app\n']);
    const get = await s.kvgit(['get', 'old/app']);
    assert.equal(get.stdout, '==== Data ====\nKey      Value\n---      -----\ntoken    t1\n');
    assert.equal(json(await s.kvgit(['get', '-format=json', 'old/app'])).data.token, 't1');
    assert.deepEqual((await s.kvgit(['list', 'old/'])).stdout, 'Keys\n----\napp\n');

    const meta = await s.kvgit(['metadata', 'get', 'old/app']);
    assert.deepEqual([meta.code, meta.stderr], [1, 'Metadata not supported on KV Version 1\n']);
    const patch = await s.kvgit(['patch', 'old/app', 'a=b']);
    assert.deepEqual([patch.code, patch.stderr], [2, 'K/V engine mount must be version 2 for patch support\n']);

    const up = await s.kvgit(['kv', 'enable-versioning', 'old/']);
    assert.deepEqual([up.code, up.stdout], [0, 'Success! Tuned the secrets engine at: old/\n'], up.stderr);
    const after = json(await s.kvgit(['get', '-format=json', 'old/app']));
    assert.deepEqual([after.data.data, after.data.metadata.version], [{ token: 't1' }, 1]);
    const del = await s.kvgit(['delete', 'old/app']);
    assert.equal(del.stdout, 'Success! Data deleted (if it existed) at: old/data/app\n');
  });
});
