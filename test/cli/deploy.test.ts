/** exec, export, import and check: secrets for pre-deploy hooks. */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CliStore, cliStore, json, runProcess } from '../helpers/cli';

describe('cli: exec', function () {
  let s: CliStore;
  before(async () => {
    s = await cliStore();
    await s.kvgit(['put', 'secret/app/db', 'DB_USER=admin', 'DB_PASSWORD=-'], { input: 'pa ss\nword' });
    await s.kvgit(['put', 'secret/app/api', 'API_KEY=k1']);
    await s.kvgit(['put', 'secret/typed', '-'], { input: '{"port": 5432, "flags": {"a": true}}' });
    await s.kvgit(['put', 'secret/other/db', 'DB_USER=root']);
    await s.kvgit(['put', 'secret/bad', 'my-key=1', '2fa=x']);
  });
  after(() => s.cleanup());

  it('runs the command with each data key as a variable, values exact', async () => {
    const r = await s.kvgit(['exec', 'secret/app/db', '--', 'node', '-e', 'process.stdout.write(JSON.stringify([process.env.DB_USER, process.env.DB_PASSWORD]))']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), ['admin', 'pa ss\nword']);
  });

  it('takes folders, upper-cases and prefixes names, and JSON-encodes non-strings', async () => {
    const r = await s.kvgit(['exec', '-upcase', '-prefix=X_', 'secret/app/', 'secret/typed', '--', 'node', '-e', 'process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("X_")))))']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { X_API_KEY: 'k1', X_PORT: '5432', X_DB_USER: 'admin', X_DB_PASSWORD: 'pa ss\nword', X_FLAGS: '{"a":true}' });
  });

  it('reports clashes and invalid names, and runs nothing', async () => {
    const marker = join(s.root, 'ran');
    const clash = await s.kvgit(['exec', 'secret/app/db', 'secret/other/db', '--', 'touch', marker]);
    assert.equal(clash.code, 1);
    assert.match(clash.stderr, /secret\/other\/db#DB_USER: DB_USER is also set by secret\/app\/db#DB_USER/);
    const invalid = await s.kvgit(['exec', 'secret/bad', '--', 'touch', marker]);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /secret\/bad#my-key: "my-key" is not a valid environment variable name/);
    assert.match(invalid.stderr, /secret\/bad#2fa: "2fa" is not a valid environment variable name/);
    const sanitized = await s.kvgit(['exec', '-sanitize', 'secret/bad', '--', 'node', '-e', 'process.stdout.write(process.env.my_key + "," + process.env._2fa)']);
    assert.deepEqual([sanitized.code, sanitized.stdout], [0, '1,x'], sanitized.stderr);
    assert.equal(existsSync(marker), false);
  });

  it('passes the command\'s exit code through (and 127 for a missing command)', async () => {
    assert.equal((await s.kvgit(['exec', 'secret/app/db', '--', 'sh', '-c', 'exit 7'])).code, 7);
    const missing = await s.kvgit(['exec', 'secret/app/db', '--', 'no-such-command-kvgit']);
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /no-such-command-kvgit: command not found/);
    const signalled = await s.kvgit(['exec', 'secret/app/db', '--', 'sh', '-c', 'kill -TERM $$']);
    assert.equal(signalled.code, 128 + 15);
  });

  it('needs `--` and a command; a missing secret is exit 2', async () => {
    assert.equal((await s.kvgit(['exec', 'secret/app/db'])).code, 1);
    const missing = await s.kvgit(['exec', 'secret/nope', '--', 'true']);
    assert.deepEqual([missing.code, missing.stderr], [2, 'No value found at secret/data/nope\n']);
  });
});

describe('cli: export and import', function () {
  let s: CliStore;
  before(async () => {
    s = await cliStore();
    await s.kvgit(['put', 'secret/env', 'A=plain', 'B=-'], { input: 'it\'s "quoted" $HOME\nnext' });
  });
  after(() => s.cleanup());

  it('exports dotenv, shell and json', async () => {
    const dotenv = await s.kvgit(['export', 'secret/env']);
    // Single quotes where nothing needs escaping; double quotes with escapes otherwise.
    assert.equal(dotenv.stdout, 'A=\'plain\'\nB="it\'s \\"quoted\\" \\$HOME\\nnext"\n');
    const shell = await s.kvgit(['export', '-format=shell', 'secret/env']);
    assert.equal(shell.stdout, "export A='plain'\nexport B='it'\\''s \"quoted\" $HOME\nnext'\n");
    const js = await s.kvgit(['export', '-format=json', 'secret/env']);
    assert.deepEqual(JSON.parse(js.stdout), { A: 'plain', B: 'it\'s "quoted" $HOME\nnext' });
    // The shell form evaluates back to the exact values.
    const r = await runProcess('sh', ['-c', 'eval "$(cat)"; printf %s "$B"'], { cwd: s.repo, env: s.env, input: shell.stdout });
    assert.equal(r.stdout, 'it\'s "quoted" $HOME\nnext');
  });

  it('imports a .env file, round-tripping the export', async () => {
    const file = join(s.root, 'copy.env');
    writeFileSync(file, (await s.kvgit(['export', 'secret/env'])).stdout + '# a comment\nexport C=\'single $x\'\nD=unquoted value # trailing\n');
    const r = await s.kvgit(['import', file, 'secret/copy']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Success! Imported 1 secret\(s\)\.\n {2}secret\/data\/copy \(version 1\)\n$/);
    assert.deepEqual(json(await s.kvgit(['get', '-format=json', 'secret/copy'])).data.data, { A: 'plain', B: 'it\'s "quoted" $HOME\nnext', C: 'single $x', D: 'unquoted value' });
  });

  it('imports JSON: one secret with PATH, many from a path → data document', async () => {
    const one = await s.kvgit(['import', '-', 'secret/typed'], { input: '{"n": 1, "ok": true}' });
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(json(await s.kvgit(['get', '-format=json', 'secret/typed'])).data.data, { n: 1, ok: true });
    const many = await s.kvgit(['import', '-format=json', '-'], { input: JSON.stringify({ 'secret/m/a': { x: '1' }, 'secret/m/b': { y: 2 } }) });
    assert.equal(many.code, 0, many.stderr);
    assert.equal((await s.kvgit(['get', '-field=y', 'secret/m/b'])).stdout, '2');
    const bad = await s.kvgit(['import', '-', 'secret/x'], { input: 'password=oops' });
    assert.equal(bad.code, 1);
    assert.doesNotMatch(bad.stderr, /oops/);
  });
});

describe('cli: check', function () {
  let s: CliStore;
  before(async () => {
    s = await cliStore();
    await s.kvgit(['put', 'secret/ok', 'user=u', 'password=p']);
    await s.kvgit(['put', 'secret/empty', 'user=u', 'password=']);
    await s.kvgit(['put', 'secret/deleted', 'a=1']);
    await s.kvgit(['delete', 'secret/deleted']);
    await s.kvgit(['metadata', 'put', '-delete-version-after=1h', 'secret/soon']);
    await s.kvgit(['put', 'secret/soon', 'password=p']);
  });
  after(() => s.cleanup());

  it('passes when every secret is readable and complete', async () => {
    const r = await s.kvgit(['check', '-fields=user,password', 'secret/ok']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Path              Version    Status\n----              -------    ------\nsecret/data/ok    1          ok\n');
  });

  it('fails (exit 9) for missing, deleted, incomplete and soon-expiring secrets', async () => {
    const r = await s.kvgit(['check', '-format=json', '-fields=password', 'secret/ok', 'secret/empty', 'secret/deleted', 'secret/absent', 'secret/soon']);
    assert.equal(r.code, 9);
    const byPath = Object.fromEntries(json(r).map((f: { path: string; status: string }) => [f.path, f.status]));
    assert.equal(byPath['secret/data/ok'], 'ok');
    assert.equal(byPath['secret/data/empty'], 'missing field password');
    assert.equal(byPath['secret/data/deleted'], 'deleted');
    assert.equal(byPath['secret/data/absent'], 'missing');
    assert.match(byPath['secret/data/soon'], /^expires \d{4}-/);
    const later = await s.kvgit(['check', '-expiring-within=10m', 'secret/soon']);
    assert.equal(later.code, 0, 'an hour away is fine when the window is ten minutes');
  });
});
