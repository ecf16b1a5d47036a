/** Flags and data arguments as Vault reads them; output formats, -field, KVGIT_FORMAT, NO_COLOR, store lookup. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CliStore, cliStore, json, runKvgit } from '../helpers/cli';

describe('cli: flags and data arguments', function () {
  let s: CliStore;
  before(async () => {
    s = await cliStore();
    await s.kvgit(['put', 'secret/f', 'a=1']);
  });
  after(() => s.cleanup());

  it('accepts -flag=v, -flag v, --flag=v and --flag v', async () => {
    for (const [i, form] of [['-cas=1'], ['-cas', '2'], ['--cas=3'], ['--cas', '4']].entries()) {
      const r = await s.kvgit(['put', ...form, 'secret/f', `a=${i + 2}`]);
      assert.equal(r.code, 0, `${form.join(' ')}: ${r.stderr}`);
    }
    assert.equal((await s.kvgit(['get', '-field=a', 'secret/f'])).stdout, '5');
  });

  it('a known flag after the path is still a flag; an unknown one there is data, as Vault reads it', async () => {
    assert.equal((await s.kvgit(['get', 'secret/f', '-field=a'])).stdout, '5');
    const r = await s.kvgit(['put', 'secret/dash', '-x=1']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(json(await s.kvgit(['get', '-format=json', 'secret/dash'])).data.data, { '-x': '1' });
  });

  it('refuses unknown flags and bad values with exit 1', async () => {
    const u = await s.kvgit(['get', '-nope', 'secret/f']);
    assert.deepEqual([u.code, u.stderr], [1, 'flag provided but not defined: -nope\n']);
    const v = await s.kvgit(['put', '-cas=x', 'secret/f', 'a=1']);
    assert.deepEqual([v.code, v.stderr], [1, 'invalid value "x" for flag -cas: parse error\n']);
    const n = await s.kvgit(['get', 'secret/f', '-version']);
    assert.deepEqual([n.code, n.stderr], [1, 'flag needs an argument: -version\n']);
    const d = await s.kvgit(['metadata', 'put', '-delete-version-after=soon', 'secret/f']);
    assert.equal(d.code, 1);
    assert.match(d.stderr, /^invalid value "soon" for flag -delete-version-after/);
  });

  it('reads k=v, k=@file, k=\\@x, k=- and repeated keys', async () => {
    const file = join(s.root, 'value.txt');
    writeFileSync(file, 'from a file\n');
    const r = await s.kvgit(['put', 'secret/d', 'plain=v', `file=@${file}`, 'lit=\\@x', 'in=-', 'list=1', 'list=2', ''], { input: 'from stdin\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(json(await s.kvgit(['get', '-format=json', 'secret/d'])).data.data, {
      file: 'from a file\n',
      in: 'from stdin\n',
      list: ['1', '2'],
      lit: '@x',
      plain: 'v',
    });
  });

  it('reads a bare - and @file.json as typed JSON objects', async () => {
    const file = join(s.root, 'data.json');
    writeFileSync(file, '{"n": 5, "ok": true, "nested": {"k": [1, "two"]}}');
    assert.equal((await s.kvgit(['put', 'secret/j', `@${file}`, 'extra=x'])).code, 0);
    assert.deepEqual(json(await s.kvgit(['get', '-format=json', 'secret/j'])).data.data, { extra: 'x', n: 5, nested: { k: [1, 'two'] }, ok: true });
    assert.equal((await s.kvgit(['put', 'secret/j2', '-'], { input: '{"port": 5432}' })).code, 0);
    assert.equal(json(await s.kvgit(['get', '-format=json', 'secret/j2'])).data.data.port, 5432);
  });

  it('reports bad data arguments with exit 1 and without echoing values', async () => {
    const pair = await s.kvgit(['put', 'secret/x', 'hunter2']);
    assert.equal(pair.code, 1);
    assert.equal(pair.stderr, 'Failed to parse K=V data: invalid key/value pair (argument 1): format must be key=value\n');
    const twice = await s.kvgit(['put', 'secret/x', 'a=-', 'b=-'], { input: 'x' });
    assert.equal(twice.code, 1);
    assert.equal(twice.stderr, 'Failed to parse K=V data: invalid key/value pair "b=-": stdin already consumed\n');
    const missing = await s.kvgit(['put', 'secret/x', 'a=@/no/such/file']);
    assert.deepEqual([missing.code, missing.stderr], [1, 'Failed to parse K=V data: invalid key/value pair "a=@/no/such/file": error reading file: open /no/such/file: no such file or directory\n']);
    const badJson = await s.kvgit(['put', 'secret/x', '-'], { input: 'not json with a s3cret' });
    assert.equal(badJson.code, 1);
    assert.doesNotMatch(badJson.stderr, /s3cret/);
    const arr = await s.kvgit(['put', 'secret/x', '-'], { input: '[1]' });
    assert.match(arr.stderr, /cannot unmarshal array into Go value of type map\[string\]interface \{\}/);
    const none = await s.kvgit(['put', 'secret/x']);
    assert.deepEqual([none.code, none.stderr], [1, 'Must supply data\n']);
  });
});

describe('cli: output formats', function () {
  let s: CliStore;
  before(async () => {
    s = await cliStore();
    await s.kvgit(['put', 'secret/o', 'password=p@ss', 'user=me', 'n=-'], { input: 'line1\nline2\n' });
  });
  after(() => s.cleanup());

  it('-field prints the raw value with no trailing newline in a pipe, with one on a terminal', async () => {
    assert.equal((await s.kvgit(['get', '-field=password', 'secret/o'])).stdout, 'p@ss');
    const t = await s.kvgitOnTerminal(['get', '-field=password', 'secret/o']);
    assert.equal(t.code, 0);
    assert.equal(t.stdout, 'p@ss\n');
  });

  it('-field with -format=json encodes the value; a missing field is exit 1', async () => {
    assert.equal((await s.kvgit(['get', '-field=user', '-format=json', 'secret/o'])).stdout, '"me"');
    assert.equal((await s.kvgit(['get', '-field=data', '-format=json', 'secret/o'])).stdout, '{\n  "n": "line1\\nline2\\n",\n  "password": "p@ss",\n  "user": "me"\n}');
    assert.equal((await s.kvgit(['put', '-field=version', 'secret/o2', 'password=p2'])).stdout, '1');
    const r = await s.kvgit(['get', '-field=nope', 'secret/o']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', 'Field "nope" not present in secret\n']);
  });

  it('-format=yaml prints the envelope as YAML, keys sorted', async () => {
    const r = await s.kvgit(['get', '-format=yaml', 'secret/o']);
    assert.equal(r.code, 0, r.stderr);
    const t = /created_time: "([^"]+)"/.exec(r.stdout)![1];
    const id = /request_id: (\S+)/.exec(r.stdout)![1];
    assert.equal(
      r.stdout,
      [
        'data:',
        '  data:',
        '    "n": |',
        '      line1',
        '      line2',
        '    password: p@ss',
        '    user: me',
        '  metadata:',
        `    created_time: "${t}"`,
        '    custom_metadata: null',
        '    deletion_time: ""',
        '    destroyed: false',
        '    version: 1',
        'lease_duration: 0',
        'lease_id: ""',
        'mount_type: kv',
        'renewable: false',
        `request_id: ${id}`,
        'warnings: null',
        '',
      ].join('\n'),
    );
    const l = await s.kvgit(['list', '-format=yaml', 'secret/']);
    assert.equal(l.stdout, '- o\n- o2\n');
  });

  it('KVGIT_FORMAT sets the default format; -format wins; an unknown format is exit 1', async () => {
    const env = { ...s.env, KVGIT_FORMAT: 'json' };
    assert.equal(json(await s.kvgit(['get', 'secret/o'], { env })).data.data.user, 'me');
    assert.match((await s.kvgit(['get', '-format=table', 'secret/o'], { env })).stdout, /^== Secret Path ==/);
    const bad = await s.kvgit(['get', '-format=xml', 'secret/o']);
    assert.deepEqual([bad.code, bad.stderr], [1, 'Invalid output format: xml\n']);
  });

  it('colours errors on a terminal only, and never with NO_COLOR or -no-color', async () => {
    const coloured = await s.kvgitOnTerminal(['get', 'secret/missing']);
    assert.equal(coloured.code, 2);
    assert.match(coloured.stdout, /\x1b\[31mNo value found at secret\/data\/missing\x1b\[0m/);
    const plain = await s.kvgitOnTerminal(['get', 'secret/missing'], { env: { ...s.env, NO_COLOR: '1' } });
    assert.equal(plain.code, 2);
    assert.doesNotMatch(plain.stdout, /\x1b\[/);
    assert.match(plain.stdout, /No value found at secret\/data\/missing/);
    const flag = await s.kvgitOnTerminal(['get', '-no-color', 'secret/missing']);
    assert.doesNotMatch(flag.stdout, /\x1b\[/);
    const piped = await s.kvgit(['get', 'secret/missing']);
    assert.doesNotMatch(piped.stderr, /\x1b\[/);
  });
});

describe('cli: finding the store', function () {
  let s: CliStore;
  before(async () => {
    s = await cliStore();
    await s.kvgit(['put', 'secret/where', 'a=found']);
  });
  after(() => s.cleanup());

  it('uses the nearest store above the current folder', async () => {
    const sub = join(s.repo, 'src', 'deep');
    mkdirSync(sub, { recursive: true });
    assert.equal((await s.kvgit(['get', '-field=a', 'secret/where'], { cwd: sub })).stdout, 'found');
  });

  it('uses --store DIR, else KVGIT_STORE, from anywhere', async () => {
    const elsewhere = s.root;
    assert.equal((await runKvgit(['get', '--store', s.repo, '-field=a', 'secret/where'], { cwd: elsewhere, env: s.env })).stdout, 'found');
    assert.equal((await runKvgit(['--store', s.repo, 'get', '-field=a', 'secret/where'], { cwd: elsewhere, env: s.env })).stdout, 'found');
    assert.equal((await runKvgit(['get', '-field=a', 'secret/where'], { cwd: elsewhere, env: { ...s.env, KVGIT_STORE: s.repo } })).stdout, 'found');
    const none = await runKvgit(['get', 'secret/where'], { cwd: elsewhere, env: s.env });
    assert.equal(none.code, 8);
  });
});
