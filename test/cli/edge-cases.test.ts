/**
 * Inputs found to go wrong in an audit: key names that are also JavaScript's (`__proto__`,
 * `constructor`), a format given in capitals, a value given to a boolean flag, an import naming a
 * mount that does not exist, and a store damaged or bent with plain git (a broken loose object, a
 * key folder without its metadata, a symbolic link in the store).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CliStore, cliStore, json } from '../helpers/cli';
import { tempDir } from '../helpers/temp';

describe('cli: edge cases of keys, flags and damaged stores', function () {
  let s: CliStore;
  beforeEach(async () => {
    s = await cliStore();
    assert.equal((await s.kvgit(['put', 'secret/foo', 'bar=baz'])).code, 0);
  });
  afterEach(() => s.cleanup());
  const git = (...args: string[]) => execFileSync('git', args, { cwd: s.repo, env: s.env, encoding: 'utf8' }).trim();
  const readData = async (path: string) => json(await s.kvgit(['get', '-format=json', path])).data.data;

  it('keeps a key named __proto__ in data, patches, imports, custom metadata and subkeys', async () => {
    assert.equal((await s.kvgit(['put', 'secret/pp', '__proto__=v', 'a=1'])).code, 0);
    assert.equal(JSON.stringify(await readData('secret/pp')), '{"__proto__":"v","a":"1"}');
    assert.equal((await s.kvgit(['put', 'secret/pj', '-'], { input: '{"__proto__":{"x":1},"b":2}' })).code, 0);
    assert.equal(JSON.stringify(await readData('secret/pj')), '{"__proto__":{"x":1},"b":2}');
    assert.equal((await s.kvgit(['patch', 'secret/pj', '__proto__=w'])).code, 0);
    assert.equal(JSON.stringify(await readData('secret/pj')), '{"__proto__":"w","b":2}');
    assert.equal(JSON.stringify(json(await s.kvgit(['kv', 'subkeys', '-format=json', 'secret/pj'])).data.subkeys), '{"__proto__":null,"b":null}');
    assert.equal((await s.kvgit(['import', '-format=dotenv', '-', 'secret/pd'], { input: '__proto__=x\nB=1\n' })).code, 0);
    assert.equal(JSON.stringify(await readData('secret/pd')), '{"B":"1","__proto__":"x"}');
    assert.equal((await s.kvgit(['metadata', 'put', '-custom-metadata=__proto__=x', 'secret/pd'])).code, 0);
    assert.equal(JSON.stringify(json(await s.kvgit(['metadata', 'get', '-format=json', 'secret/pd'])).data.custom_metadata), '{"__proto__":"x"}');
  });

  it('a field or command named like a built-in property is not there', async () => {
    for (const name of ['constructor', 'toString', '__proto__']) {
      const r = await s.kvgit(['get', `-field=${name}`, 'secret/foo']);
      assert.deepEqual([r.code, r.stderr], [1, `Field "${name}" not present in secret\n`], name);
    }
    const c = await s.kvgit(['check', '-fields=constructor,toString', 'secret/foo']);
    assert.equal(c.code, 9, c.stdout + c.stderr);
    const u = await s.kvgit(['constructor']);
    assert.equal(u.code, 1, u.stderr);
    assert.match(u.stderr, /Unknown command/);
  });

  it('-format and KVGIT_FORMAT take any case, as Vault does', async () => {
    assert.equal(json(await s.kvgit(['get', '-format=JSON', 'secret/foo'])).data.data.bar, 'baz');
    assert.equal(json(await s.kvgit(['get', 'secret/foo'], { env: { ...s.env, KVGIT_FORMAT: 'Json' } })).data.data.bar, 'baz');
  });

  it('int flags read numbers as Vault\'s do (strconv.ParseInt base 0), and refuse what does not fit 64 bits', async () => {
    for (let i = 0; i < 8; i++) assert.equal((await s.kvgit(['put', 'secret/many', `v=${i + 1}`])).code, 0);
    assert.equal((await s.kvgit(['get', '-version=010', '-field=v', 'secret/many'])).stdout, '8');
    assert.equal((await s.kvgit(['get', '-version=0x2', '-field=v', 'secret/many'])).stdout, '2');
    assert.equal((await s.kvgit(['put', '-cas=0o10', 'secret/many', 'v=9'])).code, 0);
    const big = await s.kvgit(['get', '-version=99999999999999999999', 'secret/many']);
    assert.deepEqual([big.code, big.stderr], [1, 'invalid value "99999999999999999999" for flag -version: value out of range\n']);
    assert.equal((await s.kvgit(['get', '-version=0x', 'secret/many'])).code, 1);
  });

  it('request bodies are decoded as strictly as Vault decodes them', async () => {
    const refused = async (p: Promise<unknown>, message: RegExp) =>
      assert.rejects(p, (e: unknown) => (e as { code: string }).code === 'ERR_INVALID_REQUEST' && message.test((e as Error).message));
    await refused(s.store.writeData('secret', 'foo', { data: { a: 1 }, options: 'x' }), /error converting input for field "options": '' expected a map, got 'string'/);
    await refused(s.store.writeData('secret', 'foo', { data: { a: 1 }, options: { cas: 1.9 } }), /error parsing check-and-set parameter/);
    await refused(s.store.writeMetadata('secret', 'foo', { max_versions: 2.7 }), /field "max_versions"/);
    await refused(s.store.deleteVersions('secret', 'foo', { versions: { a: 1 } }), /field "versions": '\[0\]' expected type 'int'/);
    assert.equal((await s.store.readData('secret', 'foo')).metadata.version, 1, 'nothing written');
  });

  it('export in dotenv format is safe to source from a shell and reads back the same', async () => {
    const canary = join(s.root, 'PWNED');
    const values = { a: `x\`touch ${canary}\`y`, b: '$HOME and $(touch ' + canary + ')', c: "it's \"quoted\"\nnext `line`", d: 'plain' };
    assert.equal((await s.kvgit(['put', 'secret/dot', '-'], { input: JSON.stringify(values) })).code, 0);
    const out = await s.kvgit(['export', 'secret/dot']);
    assert.equal(out.code, 0, out.stderr);
    const file = join(s.root, 'dot.env');
    writeFileSync(file, out.stdout);
    const sourced = execFileSync('sh', ['-c', `set -a; . "${file}"; printf '%s\\0%s\\0%s' "$a" "$b" "$d"`], { encoding: 'utf8' }).split('\0');
    assert.deepEqual(sourced, [values.a, values.b, values.d]);
    assert.ok(!existsSync(canary), 'no command ran');
    assert.equal((await s.kvgit(['import', file, 'secret/dot-back'])).code, 0);
    assert.deepEqual(await readData('secret/dot-back'), values);
  });

  it('exec and export with -mount and no path take the whole mount', async () => {
    assert.equal((await s.kvgit(['mounts', 'enable', '-path=team', '-version=2', 'kv'])).code, 0);
    assert.equal((await s.kvgit(['put', 'team/api', 'token=T1'])).code, 0);
    const r = await s.kvgit(['export', '-mount=team', '-format=json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { token: 'T1' });
  });

  it('exec: an empty command is "not found" (127), an environment too large is 126 naming the value', async () => {
    const e = await s.kvgit(['exec', 'secret/foo', '--', '']);
    assert.equal(e.code, 127, e.stderr);
    assert.equal((await s.kvgit(['put', 'secret/big', '-'], { input: JSON.stringify({ v: 'A'.repeat(140_000) }) })).code, 0);
    const b = await s.kvgit(['exec', 'secret/big', '--', 'true']);
    assert.equal(b.code, 126, b.stderr);
    assert.match(b.stderr, /too large .*E2BIG.*secret\/big#v \(140000 bytes\)/);
  });

  it('status works on a detached HEAD; group help asked for exits 0', async () => {
    git('checkout', '-q', '--detach');
    const st = await s.kvgit(['status', '-format=json']);
    assert.equal(st.code, 0, st.stderr);
    assert.equal(JSON.parse(st.stdout).branch, '(detached HEAD)');
    for (const args of [['metadata', '--help'], ['members', '-h'], ['kv', '--help']]) assert.equal((await s.kvgit(args)).code, 0, args.join(' '));
  });

  it('config warns about a field it does not know (a typo), as Vault does', async () => {
    const r = await s.kvgit(['config', 'secret', 'max_version=5']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Endpoint ignored these unrecognized parameters: \[max_version\]/);
  });

  it('a value given to a boolean flag is not repeated in the error', async () => {
    const r = await s.kvgit(['members', 'add', '--passphrase=hunter2-secret', 'ci']);
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.stderr, /hunter2/);
    assert.match(r.stderr, /invalid boolean value for -passphrase/);
  });

  it('import checks every path before it writes any, and names what a failed write left written', async () => {
    const dir = tempDir('kvgit-import-');
    const file = join(dir, 'm.json');
    writeFileSync(file, JSON.stringify({ 'secret/imp-a': { a: 1 }, 'nomount/b': { a: 1 }, 'secret/imp-c': { a: 1 } }));
    const head = git('rev-parse', 'HEAD');
    const r = await s.kvgit(['import', file]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(git('rev-parse', 'HEAD'), head, 'nothing written');
    // A write refused half-way (check-and-set required on the second key) says what was written.
    assert.equal((await s.kvgit(['metadata', 'put', '-cas-required=true', 'secret/imp-c'])).code, 0);
    writeFileSync(file, JSON.stringify({ 'secret/imp-a': { a: 1 }, 'secret/imp-c': { a: 1 } }));
    const h = await s.kvgit(['import', file]);
    assert.notEqual(h.code, 0);
    assert.match(h.stderr, /Error writing data to secret\/data\/imp-c \(written before it: secret\/data\/imp-a\)/);
  });

  it('a damaged loose object is ERR_CORRUPT (exit 4) naming the object, for reads and writes', async () => {
    const oid = git('rev-parse', 'HEAD:.kvgit/mounts/secret/foo.kv/1.age');
    const file = join(s.repo, '.git', 'objects', oid.slice(0, 2), oid.slice(2));
    for (const bad of [Buffer.from('garbage'), readFileSync(file).subarray(0, 20)]) {
      chmodSync(file, 0o644);
      writeFileSync(file, bad);
      for (const args of [['get', 'secret/foo'], ['patch', 'secret/foo', 'a=b']]) {
        const r = await s.kvgit(args);
        assert.equal(r.code, 4, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, new RegExp(`git object ${oid} is damaged`));
      }
    }
  });

  it('rotate refuses a key folder without its metadata (exit 4), naming the file, and writes nothing', async () => {
    mkdirSync(join(s.repo, '.kvgit/mounts/secret/orphan.kv'));
    writeFileSync(join(s.repo, '.kvgit/mounts/secret/orphan.kv/1.age'), 'hi\n');
    git('add', '-A');
    git('commit', '-qm', 'stray', '--no-verify');
    const head = git('rev-parse', 'HEAD');
    const r = await s.kvgit(['rotate', '-y']);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /mounts\/secret\/orphan\.kv\/metadata\.json is missing/);
    assert.equal(git('rev-parse', 'HEAD'), head);
  });

  it('a symbolic link in the store is refused before anything is written (exit 4)', async () => {
    const outside = tempDir('kvgit-outside-');
    symlinkSync(outside, join(s.repo, '.kvgit/mounts/secret/linked.kv'));
    git('add', '-A');
    git('commit', '-qm', 'link', '--no-verify');
    const head = git('rev-parse', 'HEAD');
    const r = await s.kvgit(['put', 'secret/linked', 'password=x']);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /\.kvgit\/mounts\/secret\/linked\.kv is a symbolic link/);
    assert.equal(git('rev-parse', 'HEAD'), head);
    assert.equal(git('status', '--porcelain'), '');
    assert.deepEqual(execFileSync('ls', ['-A', outside], { encoding: 'utf8' }), '');
  });
});
