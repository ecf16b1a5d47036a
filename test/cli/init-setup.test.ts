/** `kvgit init` registers the team drivers and the commit guard in the clone it runs in. */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyPlace, runKvgit } from '../helpers/cli';

describe('cli: init sets up git for a team', function () {
  this.timeout(60_000);
  let p: ReturnType<typeof emptyPlace>;
  beforeEach(() => {
    p = emptyPlace();
  });
  afterEach(() => p.cleanup());

  it('registers the diff and merge drivers and the guard hook; the guard then blocks a plaintext blob', async () => {
    const r = await runKvgit(['init'], { cwd: p.dir, env: p.env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Registered the kvgit diff and merge drivers and the commit guard/);
    const cfg = (k: string) => execFileSync('git', ['config', k], { cwd: p.dir, encoding: 'utf8' }).trim();
    assert.match(cfg('diff.kvgit.textconv'), /textconv/);
    assert.match(cfg('merge.kvgit.driver'), /merge-driver/);
    assert.ok(existsSync(join(p.dir, '.git', 'hooks', 'pre-commit')));
    writeFileSync(join(p.dir, '.kvgit', 'mounts.json.bak.age'), 'password=plaintext\n');
    execFileSync('git', ['add', '.kvgit'], { cwd: p.dir });
    const commit = spawnSync('git', ['commit', '-qm', 'oops'], { cwd: p.dir, env: p.env, encoding: 'utf8' });
    assert.notEqual(commit.status, 0, 'the guard refused the commit');
    assert.doesNotMatch(commit.stderr + commit.stdout, /password=plaintext/);
  });

  it('--no-git-setup leaves git alone', async () => {
    const r = await runKvgit(['init', '--no-git-setup'], { cwd: p.dir, env: p.env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(spawnSync('git', ['config', 'diff.kvgit.textconv'], { cwd: p.dir }).status, 1);
    assert.ok(!existsSync(join(p.dir, '.git', 'hooks', 'pre-commit')));
  });
});
