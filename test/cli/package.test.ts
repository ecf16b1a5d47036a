/**
 * The CLI installs on its own: a packed tarball, installed offline into an empty project, works.
 * And it starts with the code cache the build made, or without one (another Node, none, damaged).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, emptyPlace, runProcess } from '../helpers/cli';

describe('cli: installable on its own', function () {
  it('npm pack + npm install --offline gives a working kvgit with no dependencies', async () => {
    const p = emptyPlace();
    try {
      // --ignore-scripts: the prepack rebuild would empty dist/ under other running tests.
      execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', p.root], { cwd: join(ROOT, 'packages', 'cli'), stdio: 'pipe' });
      const tarball = readdirSync(p.root).find((f) => f.endsWith('.tgz'))!;
      writeFileSync(join(p.dir, 'package.json'), '{"name":"app","private":true}');
      execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', join(p.root, tarball)], { cwd: p.dir, stdio: 'pipe', env: p.env });
      const bin = join(p.dir, 'node_modules', '.bin', 'kvgit');
      assert.equal((await runProcess(bin, ['init'], { cwd: p.dir, env: p.env })).code, 0);
      assert.equal((await runProcess(bin, ['put', 'secret/x', 'a=-'], { cwd: p.dir, env: p.env, input: 'standalone' })).code, 0);
      const r = await runProcess(bin, ['get', '-field=a', 'secret/x'], { cwd: p.dir, env: p.env });
      assert.deepEqual([r.code, r.stdout], [0, 'standalone'], r.stderr);
    } finally {
      p.cleanup();
    }
  });

  const cli = join(ROOT, 'packages', 'cli');

  /** bin/ and dist/ copied to `root`/kvgit, to be changed by a test. */
  const copyCli = (root: string) => {
    const copy = join(root, 'kvgit');
    for (const d of ['bin', 'dist']) cpSync(join(cli, d), join(copy, d), { recursive: true });
    return copy;
  };

  /** Loads `install`'s bundle as its bin does and prints V8's cachedDataRejected (undefined: no cache given). */
  const cacheVerdict = (install: string, cwd: string, env: NodeJS.ProcessEnv) => runProcess(process.execPath, ['-e', `
    const { load } = require(${JSON.stringify(join(install, 'bin', 'kvgit.cjs'))});
    const { script } = load(${JSON.stringify(join(install, 'dist', 'kvgit.cjs'))}, ${JSON.stringify(join(install, 'dist', 'kvgit.cache'))});
    process.stdout.write(String(script.cachedDataRejected));`], { cwd, env });

  it("the build's code cache is accepted by the Node that built it", async () => {
    const p = emptyPlace();
    try {
      const r = await cacheVerdict(cli, p.dir, p.env);
      assert.deepEqual([r.code, r.stdout], [0, 'false'], r.stderr);
    } finally {
      p.cleanup();
    }
  });

  it('works the same with a damaged code cache and with none', async () => {
    const p = emptyPlace();
    try {
      const copy = copyCli(p.root);
      const kvgit = (args: string[], input?: string) => runProcess(process.execPath, [join(copy, 'bin', 'kvgit.cjs'), ...args], { cwd: p.dir, env: p.env, input });
      // What a cache made by another Node version looks like to V8: bytes that fail its checks.
      writeFileSync(join(copy, 'dist', 'kvgit.cache'), Buffer.alloc(4096, 7));
      assert.equal((await kvgit(['init'])).code, 0);
      assert.equal((await kvgit(['put', 'secret/x', 'a=-'], 'no cache needed')).code, 0);
      let r = await kvgit(['get', '-field=a', 'secret/x']);
      assert.deepEqual([r.code, r.stdout], [0, 'no cache needed'], r.stderr);
      rmSync(join(copy, 'dist', 'kvgit.cache'));
      r = await kvgit(['get', '-field=a', 'secret/x']);
      assert.deepEqual([r.code, r.stdout], [0, 'no cache needed'], r.stderr);
    } finally {
      p.cleanup();
    }
  });

  it('uses a code cache only with the build it was made for (V8 compares lengths only)', async () => {
    const p = emptyPlace();
    try {
      const copy = copyCli(p.root);
      // Another build of the same length: the same text with another build id.
      const bundle = join(copy, 'dist', 'kvgit.cjs');
      const text = readFileSync(bundle, 'latin1');
      writeFileSync(bundle, text.replace(/kvgit-build ([0-9a-f])/, (_, c: string) => `kvgit-build ${c === '0' ? '1' : '0'}`), 'latin1');
      assert.equal(readFileSync(bundle, 'latin1').length, text.length);
      const r = await cacheVerdict(copy, p.dir, p.env);
      assert.deepEqual([r.code, r.stdout], [0, 'undefined'], r.stderr);
      const v = await runProcess(process.execPath, [join(copy, 'bin', 'kvgit.cjs'), '--version'], { cwd: p.dir, env: p.env });
      assert.equal(v.code, 0, v.stderr);
    } finally {
      p.cleanup();
    }
  });
});
