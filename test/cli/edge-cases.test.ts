/**
 * Inputs found to go wrong in an audit: key names that are also JavaScript's (`__proto__`,
 * `constructor`), a format given in capitals, a value given to a boolean flag, an import naming a
 * mount that does not exist, and a store damaged or bent with plain git (a broken loose object, a
 * key folder without its metadata, a symbolic link in the store).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
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
