import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Team, kvgitCommand, makeTeam } from './helpers';

describe('kvgit setup-git', function () {
  this.timeout(120_000);
  let t: Team;
  beforeEach(async () => {
    t = await makeTeam('directory', { setup: false });
  });
  afterEach(() => t.cleanup());

  it('registers the drivers and the hooks in this clone only, and is idempotent', async () => {
    const command = await kvgitCommand();
    writeFileSync(join(t.clones.alice!, '.git', 'info', 'attributes'), '*.png binary\n');
    for (let i = 0; i < 2; i++) {
      const r = t.kvgit('alice', ['setup-git', '--command', command]);
      assert.equal(r.status, 0, r.stderr);
    }
    const attributes = readFileSync(join(t.clones.alice!, '.git', 'info', 'attributes'), 'utf8');
    assert.ok(attributes.startsWith('*.png binary\n'), 'the user\'s own lines are kept');
    assert.equal(attributes.split('# kvgit: begin').length, 2, 'one block, however often it runs');
    assert.match(attributes, /^\/\.kvgit\/mounts\/\*\*\/\*\.age diff=kvgit merge=kvgit -text$/m);
    assert.equal(t.git('alice', 'check-attr', 'diff', 'merge', '--', '.kvgit/mounts/secret/app/db.kv/3.age').trim(), '.kvgit/mounts/secret/app/db.kv/3.age: diff: kvgit\n.kvgit/mounts/secret/app/db.kv/3.age: merge: kvgit');
    assert.equal(t.git('alice', 'check-attr', 'diff', '--', 'src/3.age').trim(), 'src/3.age: diff: unspecified', 'only the store\'s files');
    assert.equal(t.git('alice', 'config', 'diff.kvgit.textconv').trim(), `${command} textconv`);
    assert.equal(t.git('alice', 'config', 'diff.kvgit.cachetextconv').trim(), 'false');
    assert.equal(t.git('alice', 'config', 'merge.kvgit.driver').trim(), `${command} merge-driver %O %A %B %P`);
    for (const hook of ['pre-commit', 'pre-merge-commit']) {
      const path = join(t.clones.alice!, '.git', 'hooks', hook);
      assert.match(readFileSync(path, 'utf8'), /exec .* guard\n$/);
      assert.ok((statSync(path).mode & 0o111) !== 0, 'executable');
    }
    assert.equal(t.git('alice', 'status', '--porcelain'), '', 'no file of the project changed');
    assert.equal(t.tryGit('bob', 'config', 'diff.kvgit.textconv').status, 1, 'the other clone is untouched');
  });

  it('keeps a hook the user already has, and leaves hooks managed by core.hooksPath alone', async () => {
    const mine = '#!/bin/sh\necho mine\n';
    writeFileSync(join(t.clones.alice!, '.git', 'hooks', 'pre-commit'), mine, { mode: 0o755 });
    const r = t.kvgit('alice', ['setup-git', '--command', 'kvgit']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Hook pre-commit: yours is kept .*add `kvgit guard` to it/);
    assert.equal(readFileSync(join(t.clones.alice!, '.git', 'hooks', 'pre-commit'), 'utf8'), mine);
    t.git('bob', 'config', 'core.hooksPath', '.husky');
    const b = t.kvgit('bob', ['setup-git', '--command', 'kvgit']);
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout, /core\.hooksPath manages hooks here; add `kvgit guard` to .*\.husky\/pre-commit/);
    assert.equal(t.git('bob', 'status', '--porcelain'), '');
  });
});
