/** A real Vault client that no one here wrote (node-vault from npm) against the server. */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { type TestServer, ROOT_TOKEN, startTestServer } from './helpers';

const require = createRequire(import.meta.url);
// node-vault is a dev dependency of the server package.
const nodeVault = require(require.resolve('node-vault', { paths: [new URL('../../packages/server/', import.meta.url).pathname] }));

describe('server: node-vault (npm) as the client', function () {
  let s: TestServer;
  let vault: any;

  before(async () => {
    s = await startTestServer();
    vault = nodeVault({ apiVersion: 'v1', endpoint: s.server.url, token: ROOT_TOKEN });
  });
  after(async () => s.close());

  it('checks health and looks up its token', async () => {
    const h = await vault.health();
    assert.equal(h.sealed, false);
    const me = await vault.tokenLookupSelf();
    assert.deepEqual(me.data.policies, ['root']);
  });

  it('writes, reads (with version), patches, deletes, undeletes, destroys, reads and writes metadata, lists', async () => {
    const w1 = await vault.write('secret/data/app/db', { data: { user: 'admin', password: 's3cr3t' } });
    assert.equal(w1.data.version, 1);
    const w2 = await vault.write('secret/data/app/db', { data: { user: 'admin', password: 'new-s3cr3t' }, options: { cas: 1 } });
    assert.equal(w2.data.version, 2);

    assert.equal((await vault.read('secret/data/app/db')).data.data.password, 'new-s3cr3t');
    assert.equal((await vault.read('secret/data/app/db?version=1')).data.data.password, 's3cr3t');

    const p = await vault.update('secret/data/app/db', { data: { port: 5432 } });
    assert.equal(p.data.version, 3);
    assert.deepEqual((await vault.read('secret/data/app/db')).data.data, { user: 'admin', password: 'new-s3cr3t', port: 5432 });

    await vault.delete('secret/data/app/db');
    await assert.rejects(vault.read('secret/data/app/db'), (e: any) => e.response.statusCode === 404);
    await vault.write('secret/undelete/app/db', { versions: [3] });
    assert.equal((await vault.read('secret/data/app/db')).data.metadata.version, 3);

    await vault.write('secret/delete/app/db', { versions: [1] });
    await assert.rejects(vault.read('secret/data/app/db?version=1'), (e: any) => e.response.statusCode === 404);
    await vault.destroySecretVersions({ path: 'app/db', versions: [2] });
    const meta = await vault.read('secret/metadata/app/db');
    assert.equal(meta.data.current_version, 3);
    assert.notEqual(meta.data.versions['1'].deletion_time, '');
    assert.equal(meta.data.versions['2'].destroyed, true);

    await vault.write('secret/metadata/app/db', { max_versions: 5, custom_metadata: { owner: 'jdoe' } });
    const meta2 = await vault.read('secret/metadata/app/db');
    assert.equal(meta2.data.max_versions, 5);
    assert.deepEqual(meta2.data.custom_metadata, { owner: 'jdoe' });

    await vault.write('secret/data/app/cache', { data: { url: 'redis://x' } });
    assert.deepEqual((await vault.list('secret/metadata/app')).data.keys, ['cache', 'db']);
    assert.deepEqual((await vault.list('secret/metadata')).data.keys, ['app/']);

    await vault.delete('secret/metadata/app/cache');
    assert.deepEqual((await vault.list('secret/metadata/app')).data.keys, ['db']);
  });

  it('lists with GET ?list=1 when custom verbs are off', async () => {
    const plain = nodeVault({ apiVersion: 'v1', endpoint: s.server.url, token: ROOT_TOKEN, noCustomHTTPVerbs: true });
    assert.deepEqual((await plain.list('secret/metadata/app')).data.keys, ['db']);
  });

  it('manages mounts, policies and tokens', async () => {
    await vault.mount({ mount_point: 'kv-team', type: 'kv', options: { version: '2' } });
    assert.ok((await vault.mounts()).data['kv-team/']);
    await vault.addPolicy({ name: 'team', rules: 'path "kv-team/data/*" { capabilities = ["read", "create", "update"] }' });
    assert.match((await vault.getPolicy({ name: 'team' })).rules, /kv-team/);
    const created = await vault.tokenCreate({ policies: ['team'] });
    // node-vault switches the client to the token it just created; switch back.
    assert.equal(vault.token, created.auth.client_token);
    vault.token = ROOT_TOKEN;
    const team = nodeVault({ apiVersion: 'v1', endpoint: s.server.url, token: created.auth.client_token });
    await team.write('kv-team/data/x', { data: { a: '1' } });
    assert.equal((await team.read('kv-team/data/x')).data.data.a, '1');
    await assert.rejects(team.read('secret/data/app/db'), (e: any) => e.response.statusCode === 403);
    await vault.unmount({ mount_point: 'kv-team' });
    assert.equal((await vault.mounts()).data['kv-team/'], undefined);
  });
});
