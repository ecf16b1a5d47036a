/** sys/ and auth/token/ over HTTP: health, mounts (enable, read, tune with the v1→v2 upgrade, disable), KV v1 mounts, tokens, policies. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Client, type TestServer, startTestServer, ROOT_TOKEN } from './helpers';

describe('server: sys/ and auth/token/', function () {
  let s: TestServer;
  let c: Client;

  before(async () => {
    s = await startTestServer();
    c = s.client;
  });
  after(async () => s.close());

  it('sys/health needs no token and is not an envelope; HEAD works too', async () => {
    const r = await c.get('/v1/sys/health', { token: null });
    assert.equal(r.status, 200);
    assert.equal(r.body.initialized, true);
    assert.equal(r.body.sealed, false);
    assert.equal(typeof r.body.server_time_utc, 'number');
    const h = await c.request('HEAD', '/v1/sys/health', { token: null });
    assert.equal(h.status, 200);
    assert.equal(h.text, '');
  });

  it('403 permission denied without a token, with an unknown one, and via Authorization: Bearer', async () => {
    for (const token of [null, 'not-a-token']) {
      const r = await c.get('/v1/secret/data/x', { token });
      assert.equal(r.status, 403);
      assert.deepEqual(r.body, { errors: ['permission denied'] });
    }
    const bearer = await c.get('/v1/secret/config', { token: null, headers: { Authorization: `Bearer ${ROOT_TOKEN}` } });
    assert.equal(bearer.status, 200);
  });

  it('auth/token/lookup-self describes the calling token', async () => {
    const r = await c.get('/v1/auth/token/lookup-self');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.data.policies, ['root']);
    assert.equal(r.body.data.id, ROOT_TOKEN);
    assert.equal(r.body.data.path, 'auth/token/root');
  });

  it('auth/token/create makes tokens with policies (stored as hashes only); children cannot escalate', async () => {
    await c.put('/v1/sys/policies/acl/reader', { policy: 'path "secret/data/*" { capabilities = ["read"] }\npath "auth/token/create" { capabilities = ["update"] }' });
    const r = await c.post('/v1/auth/token/create', { policies: ['reader'], display_name: 'ci', meta: { team: 'x' } });
    assert.equal(r.status, 200);
    assert.equal(r.body.data, null);
    const token: string = r.body.auth.client_token;
    assert.match(token, /^hvs\.[0-9A-Za-z]{24}$/);
    assert.deepEqual(r.body.auth.policies, ['default', 'reader']);
    const child = new Client(s.server.url, token);
    const me = await child.get('/v1/auth/token/lookup-self');
    assert.equal(me.status, 200);
    assert.deepEqual(me.body.data.policies, ['default', 'reader']);
    assert.equal(me.body.data.display_name, 'token-ci');
    assert.deepEqual(me.body.data.meta, { team: 'x' });
    const escalate = await child.post('/v1/auth/token/create', { policies: ['root'] });
    assert.equal(escalate.status, 400);
    assert.deepEqual(escalate.body, { errors: ['child policies must be subset of parent'] });
    assert.equal((await child.post('/v1/auth/token/create', { policies: ['reader'] })).status, 200);
    // The repository holds the token's hash, never the token.
    const files = execFileSync('git', ['ls-files', '-s'], { cwd: s.t.repo, encoding: 'utf8' });
    assert.match(files, /ext\/server\/tokens\/[0-9a-f]{64}\.json/);
    const all = execFileSync('git', ['log', '-p', '--all'], { cwd: s.t.repo, encoding: 'utf8' });
    assert.ok(!all.includes(token));
    assert.ok(!all.includes(ROOT_TOKEN));
    // Revoked tokens stop working.
    assert.equal((await child.post('/v1/auth/token/revoke-self')).status, 204);
    assert.equal((await child.get('/v1/auth/token/lookup-self')).status, 403);
  });

  it('tokens with a ttl expire', async () => {
    const r = await c.post('/v1/auth/token/create', { policies: ['reader'], ttl: '1h' });
    assert.equal(r.body.auth.lease_duration, 3600);
    const me = await new Client(s.server.url, r.body.auth.client_token).get('/v1/auth/token/lookup-self');
    assert.ok(me.body.data.ttl > 3590 && me.body.data.ttl <= 3600);
  });

  it('sys/policies/acl and sys/policy: write, read, list, delete; root/default protected; parse errors are 400', async () => {
    assert.equal((await c.put('/v1/sys/policies/acl/Team-A', { policy: 'path "secret/data/a/*" { capabilities = ["read"] }' })).status, 204);
    const r = await c.get('/v1/sys/policies/acl/team-a');
    assert.deepEqual(r.body.data, { name: 'team-a', policy: 'path "secret/data/a/*" { capabilities = ["read"] }' });
    const list = await c.list('/v1/sys/policies/acl');
    assert.ok(list.body.data.keys.includes('team-a') && list.body.data.keys.includes('default') && list.body.data.keys.includes('root'));
    const legacy = await c.get('/v1/sys/policy');
    assert.ok(legacy.body.policies.includes('team-a'));
    assert.equal((await c.put('/v1/sys/policy/team-b', { rules: 'path "x" { capabilities = ["read"] }' })).status, 204);
    assert.equal((await c.get('/v1/sys/policy/team-b')).body.rules, 'path "x" { capabilities = ["read"] }');
    const b64 = Buffer.from('path "y" { capabilities = ["list"] }').toString('base64');
    assert.equal((await c.put('/v1/sys/policies/acl/team-c', { policy: b64 })).status, 204);
    assert.equal((await c.get('/v1/sys/policies/acl/team-c')).body.data.policy, 'path "y" { capabilities = ["list"] }');
    const bad = await c.put('/v1/sys/policies/acl/bad', { policy: 'path "x" { capabilities = ["fly"] }' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, { errors: ['failed to parse policy: path "x": invalid capability "fly"'] });
    assert.deepEqual((await c.put('/v1/sys/policies/acl/root', { policy: 'path "x" { capabilities = ["read"] }' })).body, { errors: ['cannot update "root" policy'] });
    assert.deepEqual((await c.del('/v1/sys/policies/acl/default')).body, { errors: ['cannot delete "default" policy'] });
    assert.deepEqual((await c.put('/v1/sys/policies/acl/empty', { policy: '' })).body, { errors: ["'policy' parameter not supplied or empty"] });
    assert.equal((await c.del('/v1/sys/policies/acl/team-a')).status, 204);
    assert.deepEqual((await c.get('/v1/sys/policies/acl/team-a')).body, { errors: [] });
    assert.match((await c.get('/v1/sys/policies/acl/default')).body.data.policy, /auth\/token\/lookup-self/);
  });

  it('sys/capabilities-self reports the calling token\'s capabilities', async () => {
    await c.put('/v1/sys/policies/acl/caps', { policy: 'path "secret/data/app/*" { capabilities = ["read", "list"] }' });
    const t = await c.post('/v1/auth/token/create', { policies: ['caps'] });
    const child = new Client(s.server.url, t.body.auth.client_token);
    const r = await child.post('/v1/sys/capabilities-self', { paths: ['secret/data/app/x', 'secret/data/other'] });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.data['secret/data/app/x'], ['read', 'list']);
    assert.deepEqual(r.body.data['secret/data/other'], ['deny']);
    assert.deepEqual((await c.post('/v1/sys/capabilities-self', { path: 'anything' })).body.data.capabilities, ['root']);
  });

  it('sys/mounts: list, enable (kv-v2 and kv v1), read, conflicts, disable', async () => {
    const list = await c.get('/v1/sys/mounts');
    assert.equal(list.status, 200);
    assert.equal(list.body.data['secret/'].type, 'kv');
    assert.deepEqual(list.body.data['secret/'].options, { version: '2' });
    assert.deepEqual(list.body['secret/'], list.body.data['secret/']);
    assert.equal((await c.post('/v1/sys/mounts/team', { type: 'kv-v2', description: 'team secrets' })).status, 204);
    assert.equal((await c.post('/v1/sys/mounts/legacy', { type: 'kv' })).status, 204);
    assert.equal((await c.post('/v1/sys/mounts/legacy2', { type: 'kv', options: { version: '1' } })).status, 204);
    const team = await c.get('/v1/sys/mounts/team');
    assert.equal(team.body.data.description, 'team secrets');
    assert.deepEqual((await c.get('/v1/sys/mounts/legacy')).body.data.options, { version: '1' });
    const conflict = await c.post('/v1/sys/mounts/team', { type: 'kv-v2' });
    assert.equal(conflict.status, 400);
    assert.deepEqual(conflict.body, { errors: ['path is already in use at team/'] });
    assert.equal((await c.post('/v1/sys/mounts/pki', { type: 'pki' })).status, 400);
    assert.equal((await c.post('/v1/team/data/x', { data: { a: 1 } })).status, 200);
    assert.equal((await c.del('/v1/sys/mounts/legacy2')).status, 204);
    assert.equal((await c.get('/v1/sys/mounts/legacy2')).status, 400);
    const gone = await c.get('/v1/legacy2/x');
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.body, { errors: ['no handler for route "legacy2/x". route entry not found.'] });
  });

  it('a KV v1 mount is served v1-style: read, write (204), list, delete; no versions', async () => {
    assert.equal((await c.post('/v1/legacy/app/db', { password: 'p1' })).status, 204);
    const r = await c.get('/v1/legacy/app/db');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.data, { password: 'p1' });
    assert.equal(r.body.lease_duration, 2764800);
    assert.deepEqual((await c.list('/v1/legacy/app')).body.data.keys, ['db']);
    assert.equal((await c.post('/v1/legacy/app/empty', {})).status, 400);
    assert.deepEqual((await c.get('/v1/legacy/app/none')).body, { errors: [] });
    assert.equal((await c.patch('/v1/legacy/app/db', { a: 1 })).status, 405);
    assert.equal((await c.post('/v1/legacy/other', { k: 'v' })).status, 204);
    assert.equal((await c.del('/v1/legacy/other')).status, 204);
    assert.equal((await c.get('/v1/legacy/other')).status, 404);
  });

  it('sys/mounts/<path>/tune reads the settings and upgrades v1 → v2 (options.version "2")', async () => {
    const before = await c.get('/v1/sys/mounts/legacy/tune');
    assert.equal(before.status, 200);
    assert.deepEqual(before.body.data.options, { version: '1' });
    assert.equal((await c.post('/v1/sys/mounts/legacy/tune', { options: { version: '2' } })).status, 204);
    assert.deepEqual((await c.get('/v1/sys/mounts/legacy/tune')).body.data.options, { version: '2' });
    const r = await c.get('/v1/legacy/data/app/db');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.data.data, { password: 'p1' });
    assert.equal(r.body.data.metadata.version, 1);
    // The v1 paths are gone, as the seed warns.
    assert.equal((await c.get('/v1/legacy/app/db')).status, 404);
    assert.equal((await c.post('/v1/sys/mounts/legacy/tune', { options: { version: '1' } })).status, 400);
    assert.equal((await c.post('/v1/sys/mounts/nowhere/tune', { options: { version: '2' } })).status, 400);
  });

  it('sys/internal/ui/mounts/<path> describes the mount of a path (the Vault CLI\'s preflight)', async () => {
    const r = await c.get('/v1/sys/internal/ui/mounts/secret/foo');
    assert.equal(r.status, 200);
    assert.equal(r.body.data.path, 'secret/');
    assert.deepEqual(r.body.data.options, { version: '2' });
  });

  it('unknown sys and auth paths are 404', async () => {
    assert.equal((await c.get('/v1/sys/nope')).status, 404);
    assert.equal((await c.get('/v1/auth/token/nope')).status, 404);
    assert.equal((await c.get('/v1/auth/userpass/login')).status, 404);
  });

  it('non-root tokens need policies for sys/ too', async () => {
    const t = await c.post('/v1/auth/token/create', { policies: ['reader'] });
    const child = new Client(s.server.url, t.body.auth.client_token);
    assert.equal((await child.get('/v1/sys/mounts')).status, 403);
    assert.equal((await child.post('/v1/sys/mounts/x', { type: 'kv-v2' })).status, 403);
    assert.equal((await child.put('/v1/sys/policies/acl/x', { policy: 'path "x" { capabilities = ["read"] }' })).status, 403);
    // A path with no mount is a 403 for a token that may not know it exists, a 404 for root.
    assert.equal((await child.get('/v1/nomount/x')).status, 403);
    assert.equal((await c.get('/v1/nomount/x')).status, 404);
    // The preflight describes only mounts the token can use: another mount looks like no mount.
    assert.equal((await c.post('/v1/sys/mounts/other', { type: 'kv-v2' })).status, 204);
    assert.equal((await child.get('/v1/sys/internal/ui/mounts/secret/foo')).status, 200);
    const hidden = await child.get('/v1/sys/internal/ui/mounts/other/foo');
    const absent = await child.get('/v1/sys/internal/ui/mounts/nomount/foo');
    assert.deepEqual([hidden.status, absent.status], [403, 403]);
    assert.equal((await c.get('/v1/sys/internal/ui/mounts/other/foo')).status, 200);
  });
});
