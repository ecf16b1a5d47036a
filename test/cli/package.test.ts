/** The CLI installs on its own: a packed tarball, installed offline into an empty project, works. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
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
});
