/** Help, docs/CLI.md and completion scripts: all generated from the command definitions. */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from '../../packages/cli/src/registry';
import { type CliStore, KVGIT_BIN, ROOT, cliStore, emptyPlace, runKvgit } from '../helpers/cli';

const NAMES = Object.keys(COMMANDS);

describe('cli: help and docs', function () {
  let p: ReturnType<typeof emptyPlace>;
  before(() => {
    p = emptyPlace();
  });
  after(() => p.cleanup());

  it('every command has --help with its usage, an example and its options', async () => {
    for (const name of NAMES) {
      const r = await runKvgit([...name.split(' '), '--help'], { cwd: p.dir, env: p.env });
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      assert.ok(r.stdout.startsWith(`Usage: kvgit ${name}`), `${name}: ${r.stdout.slice(0, 80)}`);
      assert.match(r.stdout, /\n {6}\$ \S/, `${name} has an example`);
      assert.match(r.stdout, /\nGlobal Options:\n/);
    }
  });

  it('kvgit help lists every command; a group name shows its sub-commands; kv <verb> --help works', async () => {
    const all = await runKvgit(['help'], { cwd: p.dir, env: p.env });
    assert.equal(all.code, 0);
    for (const name of NAMES) assert.match(all.stdout, new RegExp(`\\n {4}${name} `), name);
    const group = await runKvgit(['metadata'], { cwd: p.dir, env: p.env });
    assert.equal(group.code, 1, 'a group alone is a usage error');
    assert.match(group.stdout, /Usage: kvgit metadata <command>/);
    const kv = await runKvgit(['kv', 'get', '-h'], { cwd: p.dir, env: p.env });
    assert.match(kv.stdout, /^Usage: kvgit get \[options\] KEY\n {7}kvgit kv get \[options\] KEY\n/);
    const none = await runKvgit([], { cwd: p.dir, env: p.env });
    assert.equal(none.code, 1);
    assert.match(none.stdout, /^Usage: kvgit <command>/);
    const unknownKv = await runKvgit(['kv', 'init'], { cwd: p.dir, env: p.env });
    assert.equal(unknownKv.code, 1, 'init is not a kv verb');
  });

  it('docs/CLI.md is what the command definitions generate (node packages/cli/scripts/gen-docs.mjs)', () => {
    const generated = execFileSync(process.execPath, [KVGIT_BIN, 'help', '-markdown'], { encoding: 'utf8' });
    assert.equal(readFileSync(join(ROOT, 'docs', 'CLI.md'), 'utf8'), generated);
    for (const name of NAMES) assert.ok(generated.includes(`### kvgit ${name}\n`), name);
  });

  it('version', async () => {
    const r = await runKvgit(['--version'], { cwd: p.dir, env: p.env });
    assert.match(r.stdout, /^kvgit v\d+\.\d+\.\d+ \(Node\.js /);
  });
});

describe('cli: completion', function () {
  let s: CliStore;
  before(async () => {
    s = await cliStore();
    await s.kvgit(['put', 'secret/app/db', 'a=1']);
  });
  after(() => s.cleanup());

  /** Asks bash for completions of a command line, with the generated script loaded. */
  function complete(line: string[]): string[] {
    const script = execFileSync(process.execPath, [KVGIT_BIN, 'completion', 'bash'], { encoding: 'utf8' });
    const words = line.map((w) => `'${w}'`).join(' ');
    const probe = `${script}\nkvgit() { "${process.execPath}" "${KVGIT_BIN}" "$@"; }\nCOMP_WORDS=(${words}); COMP_CWORD=${line.length - 1}; _kvgit; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = spawnSync('bash', ['-c', probe], { cwd: s.repo, env: s.env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split('\n').filter((x) => x !== '');
  }

  it('bash completes commands, sub-commands, flags, flag values and secret paths', () => {
    assert.deepEqual(complete(['kvgit', 'ge']), ['get']);
    assert.deepEqual(complete(['kvgit', 'metadata', 'p']), ['put', 'patch']);
    assert.deepEqual(complete(['kvgit', 'kv', 'enable-v']), ['enable-versioning']);
    assert.ok(complete(['kvgit', 'get', '-']).includes('-version='));
    assert.deepEqual(complete(['kvgit', 'get', '-format=j']), ['-format=json']);
    // As bash really splits a word at "=": the value alone is completed, and a flag's value is no argument.
    assert.deepEqual(complete(['kvgit', 'get', '-format', '=', 'j']), ['json']);
    assert.deepEqual(complete(['kvgit', 'export', '-format', '=', 's']), ['shell']);
    assert.deepEqual(complete(['kvgit', 'metadata', '-format', '=', 'json', 'p']), ['put', 'patch']);
    assert.deepEqual(complete(['kvgit', 'get', 'sec']), ['secret/']);
    assert.deepEqual(complete(['kvgit', 'get', 'secret/']), ['secret/app/']);
    assert.deepEqual(complete(['kvgit', 'get', 'secret/app/']), ['secret/app/db']);
  });

  it('zsh and fish scripts are generated from the same commands, and parse', () => {
    const zsh = execFileSync(process.execPath, [KVGIT_BIN, 'completion', 'zsh'], { encoding: 'utf8' });
    assert.match(zsh, /^#compdef kvgit\n/);
    assert.match(zsh, /bashcompinit/);
    const fish = execFileSync(process.execPath, [KVGIT_BIN, 'completion', 'fish'], { encoding: 'utf8' });
    for (const name of NAMES) {
      const [head, sub] = name.split(' ');
      assert.ok(fish.includes(`-a '${sub ?? head}'`), `fish completes ${name}`);
    }
    for (const [shell, text] of [['zsh', zsh], ['fish', fish]] as const) {
      const file = join(s.root, `completion.${shell}`);
      writeFileSync(file, text);
      const parse = spawnSync(shell, ['-n', file], { encoding: 'utf8' });
      if (parse.error && (parse.error as NodeJS.ErrnoException).code === 'ENOENT') continue; // that shell is not installed here
      assert.equal(parse.status, 0, `${shell} -n: ${parse.stderr}`);
      if (shell === 'fish') {
        // A flag with fixed values offers those values, not the files around.
        writeFileSync(join(s.root, 'f.txt'), '');
        const offered = spawnSync('fish', ['-c', `source ${file}; complete -C 'kvgit get -format='`], { cwd: s.root, encoding: 'utf8' }).stdout;
        assert.match(offered, /-format=json/);
        assert.doesNotMatch(offered, /f\.txt/);
      }
    }
    const bad = spawnSync(process.execPath, [KVGIT_BIN, 'completion', 'tcsh'], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
  });
});
