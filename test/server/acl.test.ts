/**
 * ACL policies: Vault's HCL syntax and matching rules, and every example of the seed's "ACL Rules"
 * section enforced over HTTP with tokens created through auth/token/create.
 */
import assert from 'node:assert/strict';
import { Acl, parsePolicy } from '../../packages/server/src/acl/policy';
import { Client, type TestServer, startTestServer } from './helpers';

const PERMISSION_DENIED = { errors: ['1 error occurred:\n\t* permission denied\n\n'] };

describe('server: policy parsing and matching', () => {
  it('parses HCL with comments, heredoc-free lists, the old "policy" form, and JSON', () => {
    const p = parsePolicy('p', `
      # comment
      path "secret/data/*" { capabilities = ["read", "list",] } // trailing comma
      /* block */ path "secret/old" { policy = "write" }
    `);
    assert.equal(p.rules.length, 2);
    const acl = new Acl([p]);
    assert.equal(acl.allow('secret/data/x', 'read', {}).allowed, true);
    assert.equal(acl.allow('secret/data/x', 'update', {}).allowed, false);
    assert.equal(acl.allow('secret/old', 'delete', {}).allowed, true);
    const j = parsePolicy('j', '{"path": {"secret/+/x": {"capabilities": ["read"]}}}');
    assert.equal(new Acl([j]).allow('secret/a/x', 'read', {}).allowed, true);
  });

  it('rejects invalid capabilities, keys and syntax with "failed to parse policy"', () => {
    assert.throws(() => parsePolicy('p', 'path "a" { capabilities = ["fly"] }'), /^Error: failed to parse policy: path "a": invalid capability "fly"$/);
    assert.throws(() => parsePolicy('p', 'path "a" { capability = ["read"] }'), /failed to parse policy: .*invalid key "capability"/);
    assert.throws(() => parsePolicy('p', 'path "a" { capabilities = ["read"]'), /failed to parse policy: /);
    assert.throws(() => parsePolicy('p', 'path "a/+*" { capabilities = ["read"] }'), /invalid use of wildcards/);
  });

  it('exact beats glob; among globs the most specific wins (Vault\'s priority order)', () => {
    const acl = new Acl([parsePolicy('p', `
      path "secret/*"            { capabilities = ["read"] }
      path "secret/data/*"       { capabilities = ["update"] }
      path "secret/data/exact"   { capabilities = ["delete"] }
      path "secret/+/team/*"     { capabilities = ["list"] }
      path "secret/+/team/a"     { capabilities = ["create"] }
      path "secret/data/deny/*"  { capabilities = ["deny"] }
    `)]);
    const caps = (p: string) => acl.capabilities(p);
    assert.deepEqual(caps('secret/other'), ['read']);
    assert.deepEqual(caps('secret/data/x'), ['update']);
    assert.deepEqual(caps('secret/data/exact'), ['delete']);
    // "secret/data/*" has its first glob later than "secret/+/team/*".
    assert.deepEqual(caps('secret/data/team/x'), ['update']);
    // Same first-wildcard position, both prefixes: fewer "+" segments win, so "secret/*" does.
    assert.deepEqual(caps('secret/meta/team/x'), ['read']);
    assert.deepEqual(new Acl([parsePolicy('q', 'path "secret/+/team/*" { capabilities = ["list"] }')]).capabilities('secret/meta/team/x'), ['list']);
    // A non-prefix wildcard path beats a prefix one at the same first-wildcard position.
    assert.deepEqual(caps('secret/meta/team/a'), ['create']);
    assert.deepEqual(caps('secret/data/deny/x'), ['deny']);
    assert.deepEqual(caps('other/x'), ['deny']);
  });

  it('merges rules for one path across policies; deny wins', () => {
    const a = parsePolicy('a', 'path "s/x" { capabilities = ["read"] }');
    const b = parsePolicy('b', 'path "s/x" { capabilities = ["update"] }');
    const d = parsePolicy('d', 'path "s/x" { capabilities = ["deny"] }');
    assert.deepEqual(new Acl([a, b]).capabilities('s/x'), ['read', 'update']);
    assert.deepEqual(new Acl([a, d, b]).capabilities('s/x'), ['deny']);
  });

  it('list matches an exact rule written without the trailing slash', () => {
    const acl = new Acl([parsePolicy('p', 'path "secret/metadata/dir" { capabilities = ["list"] }')]);
    assert.equal(acl.allow('secret/metadata/dir/', 'list', {}).allowed, true);
  });

  it('allowed, denied and required parameters', () => {
    const acl = new Acl([parsePolicy('p', `
      path "sys/a" {
        capabilities = ["update"]
        allowed_parameters = { "type" = ["kv", "kv-*"], "description" = [] }
        required_parameters = ["type"]
      }
      path "sys/b" { capabilities = ["update"] denied_parameters = { "force" = [] } }
    `)]);
    assert.equal(acl.allow('sys/a', 'update', { type: 'kv-v2', description: 'x' }).allowed, true);
    assert.equal(acl.allow('sys/a', 'update', { type: 'pki' }).allowed, false);
    assert.equal(acl.allow('sys/a', 'update', { description: 'x' }).allowed, false);
    assert.equal(acl.allow('sys/a', 'update', { type: 'kv', other: 1 }).allowed, false);
    assert.equal(acl.allow('sys/b', 'update', { force: true }).allowed, false);
    assert.equal(acl.allow('sys/b', 'update', { other: true }).allowed, true);
  });
});

describe('server: the seed\'s ACL examples over HTTP', function () {
  let s: TestServer;
  let root: Client;

  before(async () => {
    s = await startTestServer();
    root = s.client;
    // Keys that exist before the policies are tried.
    await root.post('/v1/secret/data/dev/team-1/existing', { data: { v: 1 } });
    await root.post('/v1/secret/data/dev/team-1/existing', { data: { v: 2 } });
    await root.post('/v1/secret/data/dev/team-2/other', { data: { v: 1 } });
  });
  after(async () => s.close());

  /** Writes the policy through sys/policies/acl and returns a client with a token holding only it. */
  async function withPolicy(name: string, hcl: string): Promise<Client> {
    const w = await root.put(`/v1/sys/policies/acl/${name}`, { policy: hcl });
    assert.equal(w.status, 204, w.text);
    const t = await root.post('/v1/auth/token/create', { policies: [name] });
    assert.equal(t.status, 200, t.text);
    assert.deepEqual(t.body.auth.policies, ['default', name].sort());
    return new Client(s.server.url, t.body.auth.client_token);
  }

  it('v1-style "secret/dev/team-1/*" no longer grants anything on a v2 mount', async () => {
    const c = await withPolicy('v1-style', 'path "secret/dev/team-1/*" {\n  capabilities = ["create", "update", "read"]\n}');
    assert.equal((await c.get('/v1/secret/data/dev/team-1/existing')).status, 403);
    const w = await c.post('/v1/secret/data/dev/team-1/new', { data: { a: 1 } });
    assert.equal(w.status, 403);
    assert.deepEqual(w.body, PERMISSION_DENIED);
  });

  it('"secret/data/dev/team-1/*" with create, update, read: read and write inside, nothing outside', async () => {
    const c = await withPolicy('rw', 'path "secret/data/dev/team-1/*" {\n  capabilities = ["create", "update", "read"]\n}');
    assert.equal((await c.get('/v1/secret/data/dev/team-1/existing')).status, 200);
    assert.equal((await c.get('/v1/secret/data/dev/team-1/existing?version=1')).status, 200);
    assert.equal((await c.post('/v1/secret/data/dev/team-1/existing', { data: { v: 3 } })).status, 200);
    assert.equal((await c.post('/v1/secret/data/dev/team-1/created-by-rw', { data: { a: 1 } })).status, 200);
    assert.equal((await c.get('/v1/secret/data/dev/team-2/other')).status, 403);
    assert.equal((await c.del('/v1/secret/data/dev/team-1/existing')).status, 403);
    assert.equal((await c.get('/v1/secret/metadata/dev/team-1/existing')).status, 403);
    assert.equal((await c.list('/v1/secret/metadata/dev/team-1')).status, 403);
    // patch is its own capability.
    assert.equal((await c.patch('/v1/secret/data/dev/team-1/existing', { data: { v: 4 } })).status, 403);
  });

  it('create without update: new keys only', async () => {
    const c = await withPolicy('create-only', 'path "secret/data/dev/team-1/*" { capabilities = ["create"] }');
    assert.equal((await c.post('/v1/secret/data/dev/team-1/brand-new', { data: { a: 1 } })).status, 200);
    const again = await c.post('/v1/secret/data/dev/team-1/brand-new', { data: { a: 2 } });
    assert.equal(again.status, 403);
    assert.equal((await c.post('/v1/secret/data/dev/team-1/existing', { data: { v: 9 } })).status, 403);
    assert.equal((await c.get('/v1/secret/data/dev/team-1/brand-new')).status, 403);
  });

  it('update without create: existing keys only (a metadata-only key exists too)', async () => {
    const c = await withPolicy('update-only', 'path "secret/data/dev/team-1/*" { capabilities = ["update"] }');
    assert.equal((await c.post('/v1/secret/data/dev/team-1/existing', { data: { v: 10 } })).status, 200);
    assert.equal((await c.post('/v1/secret/data/dev/team-1/not-yet', { data: { a: 1 } })).status, 403);
    await root.post('/v1/secret/metadata/dev/team-1/meta-only', { max_versions: 2 });
    assert.equal((await c.post('/v1/secret/data/dev/team-1/meta-only', { data: { a: 1 } })).status, 200);
    assert.equal((await root.get('/v1/secret/data/dev/team-1/not-yet')).status, 404);
  });

  it('"delete" on secret/data/…: deletes the latest version only', async () => {
    const c = await withPolicy('delete-latest', 'path "secret/data/dev/team-1/*" {\n  capabilities = ["delete"]\n}');
    await root.post('/v1/secret/data/dev/team-1/del', { data: { v: 1 } });
    await root.post('/v1/secret/data/dev/team-1/del', { data: { v: 2 } });
    assert.equal((await c.del('/v1/secret/data/dev/team-1/del')).status, 204);
    assert.equal((await root.get('/v1/secret/data/dev/team-1/del')).status, 404);
    assert.equal((await c.post('/v1/secret/delete/dev/team-1/del', { versions: [1] })).status, 403);
    assert.equal((await c.del('/v1/secret/metadata/dev/team-1/del')).status, 403);
  });

  it('"update" on secret/delete/…: deletes any version', async () => {
    const c = await withPolicy('delete-any', 'path "secret/delete/dev/team-1/*" {\n  capabilities = ["update"]\n}');
    assert.equal((await c.post('/v1/secret/delete/dev/team-1/del', { versions: [1] })).status, 204);
    assert.equal((await root.get('/v1/secret/data/dev/team-1/del?version=1')).status, 404);
    assert.equal((await c.del('/v1/secret/data/dev/team-1/existing')).status, 403);
    assert.equal((await c.post('/v1/secret/delete/dev/team-2/other', { versions: [1] })).status, 403);
  });

  it('"update" on secret/undelete/…: undeletes', async () => {
    const c = await withPolicy('undelete', 'path "secret/undelete/dev/team-1/*" {\n  capabilities = ["update"]\n}');
    assert.equal((await c.post('/v1/secret/undelete/dev/team-1/del', { versions: [1, 2] })).status, 204);
    assert.equal((await root.get('/v1/secret/data/dev/team-1/del?version=1')).status, 200);
    assert.equal((await c.post('/v1/secret/destroy/dev/team-1/del', { versions: [1] })).status, 403);
  });

  it('"update" on secret/destroy/…: destroys', async () => {
    const c = await withPolicy('destroy', 'path "secret/destroy/dev/team-1/*" {\n  capabilities = ["update"]\n}');
    assert.equal((await c.post('/v1/secret/destroy/dev/team-1/del', { versions: [1] })).status, 204);
    const r = await root.get('/v1/secret/data/dev/team-1/del?version=1');
    assert.equal(r.body.data.metadata.destroyed, true);
    assert.equal((await c.post('/v1/secret/undelete/dev/team-1/del', { versions: [2] })).status, 403);
  });

  it('"list" on secret/metadata/…: lists, nothing else', async () => {
    const c = await withPolicy('lister', 'path "secret/metadata/dev/team-1/*" {\n  capabilities = ["list"]\n}');
    const l = await c.list('/v1/secret/metadata/dev/team-1');
    assert.equal(l.status, 200);
    assert.ok(l.body.data.keys.includes('existing'));
    assert.equal((await c.get('/v1/secret/metadata/dev/team-1/?list=true')).status, 200);
    assert.equal((await c.list('/v1/secret/metadata/dev')).status, 403);
    assert.equal((await c.get('/v1/secret/metadata/dev/team-1/existing')).status, 403);
    assert.equal((await c.get('/v1/secret/data/dev/team-1/existing')).status, 403);
  });

  it('"read" on secret/metadata/…: metadata of each version, not the data', async () => {
    const c = await withPolicy('meta-reader', 'path "secret/metadata/dev/team-1/*" {\n  capabilities = ["read"]\n}');
    const r = await c.get('/v1/secret/metadata/dev/team-1/existing');
    assert.equal(r.status, 200);
    assert.ok(r.body.data.versions['1']);
    assert.equal((await c.get('/v1/secret/data/dev/team-1/existing')).status, 403);
    assert.equal((await c.list('/v1/secret/metadata/dev/team-1')).status, 403);
    assert.equal((await c.post('/v1/secret/metadata/dev/team-1/existing', { max_versions: 1 })).status, 403);
  });

  it('"delete" on secret/metadata/…: removes all versions and metadata', async () => {
    const c = await withPolicy('meta-deleter', 'path "secret/metadata/dev/team-1/*" {\n  capabilities = ["delete"]\n}');
    await root.post('/v1/secret/data/dev/team-1/doomed', { data: { a: 1 } });
    assert.equal((await c.del('/v1/secret/metadata/dev/team-1/doomed')).status, 204);
    assert.equal((await root.get('/v1/secret/metadata/dev/team-1/doomed')).status, 404);
    assert.equal((await c.del('/v1/secret/data/dev/team-1/existing')).status, 403);
  });

  it('a policy change takes effect on the next request (policies are read from the store)', async () => {
    const c = await withPolicy('changing', 'path "secret/data/dev/team-2/*" { capabilities = ["read"] }');
    assert.equal((await c.get('/v1/secret/data/dev/team-2/other')).status, 200);
    assert.equal((await root.put('/v1/sys/policies/acl/changing', { policy: 'path "secret/data/dev/team-2/*" { capabilities = ["deny"] }' })).status, 204);
    assert.equal((await c.get('/v1/secret/data/dev/team-2/other')).status, 403);
  });
});
