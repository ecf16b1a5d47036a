import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store, isKvgitError, type Layout } from '@kvgit/core';
import { isolatedEnv, tempDir, tempStore, type TempStore } from '../helpers/temp';

const git = (t: TempStore, ...args: string[]) => execFileSync('git', args, { cwd: t.repo, env: t.env, encoding: 'utf8', maxBuffer: 64 << 20 });

describe('the directory layout lives beside the code', function () {
  this.timeout(60_000);
  let t: TempStore;
  beforeEach(async () => {
    t = await tempStore({ layout: 'directory' });
    writeFileSync(join(t.repo, 'app.js'), 'one\n');
    git(t, 'add', 'app.js');
    git(t, 'commit', '-qm', 'code');
  });
  afterEach(() => t.cleanup());

  it('never sweeps the user\'s staged changes into its commit, nor disturbs their index entries', async () => {
    writeFileSync(join(t.repo, 'app.js'), 'two\n');
    writeFileSync(join(t.repo, 'new.js'), 'new\n');
    git(t, 'add', 'app.js', 'new.js');
    writeFileSync(join(t.repo, 'app.js'), 'three\n'); // staged "two", work tree "three"
    await t.store.writeData('secret', 'db', { data: { password: 'p' } });
    assert.deepEqual(git(t, 'show', '--name-only', '--format=', 'HEAD').trim().split('\n').sort(), ['.kvgit/mounts/secret/db.kv/1.age', '.kvgit/mounts/secret/db.kv/metadata.json']);
    assert.equal(git(t, 'status', '--porcelain'), 'MM app.js\nA  new.js\n');
    assert.equal(git(t, 'show', ':app.js'), 'two\n');
  });

  const stage = (t: TempStore, file: string, ...flags: string[]) => {
    writeFileSync(join(t.repo, file), `${file}\n`);
    git(t, 'add', ...flags, file);
  };
  for (const [name, setup, status] of [
    ['an index with cache-tree and untracked-cache extensions', (t: TempStore) => git(t, 'update-index', '--untracked-cache'), 'A  staged.js\n'],
    ['an index of version 4', (t: TempStore) => git(t, 'update-index', '--index-version', '4'), 'A  staged.js\n'],
    ['an index of version 3 (an intent-to-add entry)', (t: TempStore) => stage(t, 'later.js', '-N'), ' A later.js\nA  staged.js\n'],
    // Names that sort just before, inside and after the store's block of entries.
    ['staged entries beside the store\'s', (t: TempStore) => ['.a.js', '.kvgit-notes', '.kvgitz', '.kvgit.js'].forEach((f) => stage(t, f)), 'A  .a.js\nA  .kvgit-notes\nA  .kvgit.js\nA  .kvgitz\nA  staged.js\n'],
  ] as const) {
    it(`keeps ${name} consistent for git`, async () => {
      setup(t);
      git(t, 'status', '--porcelain'); // lets git write its caches into the index
      stage(t, 'staged.js');
      await t.store.writeData('secret', 'db', { data: { password: 'p' } });
      await t.store.writeData('secret', 'db', { data: { password: 'q' } });
      await t.store.writeData('secret', 'a/b', { data: { password: 'r' } });
      await t.store.destroyVersions('secret', 'db', { versions: [1] });
      await t.store.deleteMetadata('secret', 'a/b');
      assert.equal(git(t, 'status', '--porcelain'), status);
      assert.deepEqual(git(t, 'ls-files', '.kvgit/mounts').trim().split('\n'), ['.kvgit/mounts/secret/db.kv/2.age', '.kvgit/mounts/secret/db.kv/metadata.json']);
      // Every store entry is exactly the committed blob, as git itself would have staged it.
      const staged = git(t, 'ls-files', '-s', '.kvgit').trim().split('\n').map((l) => l.replace(/ 0\t/, ' '));
      const committed = git(t, 'ls-tree', '-r', 'HEAD', '.kvgit').trim().split('\n').map((l) => l.replace(/ blob /, ' ').replace('\t', ' '));
      assert.deepEqual(staged, committed);
      execFileSync('git', ['fsck', '--full'], { cwd: t.repo, stdio: 'pipe' });
    });
  }

  it('keeps an index of several megabytes consistent for git (read and copied a chunk at a time)', async () => {
    // 30,000 entries (about 4 MB) sorting before and after the store's block, staged without
    // work-tree files (git update-index), and one name longer than the 12 bits of an entry's flags.
    const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: t.repo, env: t.env, input: 'x\n', encoding: 'utf8' }).trim();
    const long = `.a/${Array.from({ length: 20 }, (_, i) => `${'d'.repeat(220)}${i}`).join('/')}`;
    const paths = [long, ...Array.from({ length: 15_000 }, (_, i) => [`.a/${'p'.repeat(60)}/${i}`, `z/${'q'.repeat(60)}/${i}`]).flat()];
    execFileSync('git', ['update-index', '--index-info'], { cwd: t.repo, env: t.env, input: paths.map((p) => `100644 ${blob}\t${p}\n`).join('') });
    assert.ok(long.length > 0xfff);
    const userEntries = () => git(t, 'ls-files', '-s').split('\n').filter((l) => !l.includes('\t.kvgit/'));
    const before = userEntries();
    await t.store.writeData('secret', 'db', { data: { password: 'p' } });
    await t.store.writeData('secret', 'db', { data: { password: 'q' } });
    await t.store.writeData('secret', 'a/b', { data: { password: 'r' } });
    await t.store.destroyVersions('secret', 'db', { versions: [1] });
    await t.store.deleteMetadata('secret', 'a/b');
    assert.deepEqual(userEntries(), before);
    assert.equal(git(t, 'status', '--porcelain', '--', '.kvgit'), '');
    const staged = git(t, 'ls-files', '-s', '.kvgit').trim().split('\n').map((l) => l.replace(/ 0\t/, ' '));
    const committed = git(t, 'ls-tree', '-r', 'HEAD', '.kvgit').trim().split('\n').map((l) => l.replace(/ blob /, ' ').replace('\t', ' '));
    assert.deepEqual(staged, committed);
    execFileSync('git', ['fsck', '--full'], { cwd: t.repo, stdio: 'pipe' });
  });

  it('refuses a damaged index before writing anything: cut between entries, or inside a long name', async () => {
    const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: t.repo, env: t.env, input: 'x\n', encoding: 'utf8' }).trim();
    const long = `.a/${'n'.repeat(0x1100)}`;
    const paths = [long, ...Array.from({ length: 2000 }, (_, i) => `.b/${i}`)];
    execFileSync('git', ['update-index', '--index-info'], { cwd: t.repo, env: t.env, input: paths.map((p) => `100644 ${blob}\t${p}\n`).join('') });
    const indexFile = join(t.repo, '.git', 'index');
    const whole = readFileSync(indexFile);
    const nameAt = whole.indexOf(long);
    assert.ok(nameAt > 0);
    const head = git(t, 'rev-parse', 'HEAD');
    // Cut inside the long name (its end is not in the file, whatever the read buffer held before),
    // then among the short entries (fewer entries than the header counts).
    for (const cut of [nameAt + 0x800, Math.floor(whole.length * 0.6)]) {
      writeFileSync(indexFile, whole.subarray(0, cut));
      await assert.rejects(t.store.writeData('secret', 'db', { data: { password: 'p' } }), (e: unknown) => {
        assert.ok(isKvgitError(e, 'ERR_CORRUPT'), String(e));
        assert.match(String(e.details.file), /\.git\/index$/);
        return true;
      });
      assert.equal(git(t, 'rev-parse', 'HEAD'), head);
      assert.deepEqual(readFileSync(indexFile), whole.subarray(0, cut), 'the index is left as it was');
    }
  });

  it('refuses to write over a store file with uncommitted edits, naming it', async () => {
    await t.store.writeData('secret', 'db', { data: { password: 'p' } });
    const meta = join(t.repo, '.kvgit/mounts/secret/db.kv/metadata.json');
    writeFileSync(meta, '{}\n');
    const head = git(t, 'rev-parse', 'HEAD');
    await assert.rejects(t.store.writeData('secret', 'db', { data: { password: 'q' } }), (e: unknown) => {
      assert.ok(isKvgitError(e, 'ERR_STORE_MODIFIED'));
      assert.match(e.message, /\.kvgit\/mounts\/secret\/db\.kv\/metadata\.json/);
      return true;
    });
    assert.equal(git(t, 'rev-parse', 'HEAD'), head);
    // Other keys are not blocked by it.
    await t.store.writeData('secret', 'other', { data: { x: '1' } });
  });

  it('refuses a split index before writing anything', async () => {
    git(t, 'update-index', '--split-index');
    const head = git(t, 'rev-parse', 'HEAD');
    await assert.rejects(t.store.writeData('secret', 'db', { data: { a: '1' } }), (e: unknown) => {
      assert.ok(isKvgitError(e, 'ERR_GIT_STATE'));
      assert.match(e.message, /split or sparse index/);
      return true;
    });
    assert.equal(git(t, 'rev-parse', 'HEAD'), head);
  });

  it('fails before committing anything while another git process holds the index lock', async () => {
    await t.store.writeData('secret', 'db', { data: { a: '1' } });
    const head = git(t, 'rev-parse', 'HEAD');
    const lock = join(t.repo, '.git', 'index.lock');
    writeFileSync(lock, '');
    for (const write of [
      () => t.store.writeData('secret', 'db', { data: { a: '2' } }),
      () => t.store.writeData('secret', 'db', { data: { a: '2' }, options: { cas: 1 } }),
    ]) {
      await assert.rejects(write(), (e: unknown) => {
        assert.ok(isKvgitError(e, 'ERR_STORE_MODIFIED'), String(e));
        assert.match(e.message, /index is locked.*nothing was written/);
        return true;
      });
      assert.equal(git(t, 'rev-parse', 'HEAD'), head, 'no commit');
      assert.ok(existsSync(lock), "the other process's lock is left alone");
    }
    rmSync(lock);
    assert.equal(git(t, 'status', '--porcelain'), '', 'index and work tree still match HEAD');
    // The retry is version 2, not a third version on top of a phantom second.
    assert.equal((await t.store.writeData('secret', 'db', { data: { a: '2' }, options: { cas: 1 } })).version, 2);
    assert.equal(git(t, 'status', '--porcelain'), '');
  });

  it('reads a detached HEAD (as CI checks out a pull request or a tag) and refuses to write there', async () => {
    await t.store.writeData('secret', 'db', { data: { a: '1' } });
    await t.store.writeData('secret', 'db', { data: { a: '2' } });
    git(t, 'checkout', '-q', '--detach', 'HEAD~1');
    const store = await Store.open({ path: t.repo, env: t.env });
    assert.deepEqual((await store.readData('secret', 'db')).data, { a: '1' }, 'the commit HEAD names');
    assert.deepEqual(await store.list('secret'), ['db']);
    await assert.rejects(store.writeData('secret', 'db', { data: { a: '3' } }), (e: unknown) => isKvgitError(e, 'ERR_GIT_STATE') && /detached/.test(e.message));
  });

  it('refuses during a merge in progress', async () => {
    git(t, 'checkout', '-qb', 'side');
    writeFileSync(join(t.repo, 'app.js'), 'side\n');
    git(t, 'commit', '-qam', 'side');
    git(t, 'checkout', '-q', 'main');
    writeFileSync(join(t.repo, 'app.js'), 'main\n');
    git(t, 'commit', '-qam', 'main');
    assert.throws(() => git(t, 'merge', 'side'));
    assert.ok(existsSync(join(t.repo, '.git', 'MERGE_HEAD')));
    await assert.rejects(t.store.writeData('secret', 'db', { data: { a: '1' } }), (e: unknown) => {
      assert.ok(isKvgitError(e, 'ERR_GIT_STATE'));
      assert.match(e.message, /merge/);
      return true;
    });
  });

  it('is found from any folder below the work tree, and follows a branch switch', async () => {
    await t.store.writeData('secret', 'db', { data: { v: 'main' } });
    mkdirSync(join(t.repo, 'src', 'deep'), { recursive: true });
    const s = await Store.open({ path: join(t.repo, 'src', 'deep'), env: t.env });
    assert.deepEqual((await s.readData('secret', 'db')).data, { v: 'main' });
    git(t, 'checkout', '-qb', 'feature');
    await s.writeData('secret', 'db', { data: { v: 'feature' } });
    git(t, 'checkout', '-q', 'main');
    assert.deepEqual((await s.readData('secret', 'db')).data, { v: 'main' });
  });
});

describe('the branch layout has no work-tree files', function () {
  this.timeout(60_000);
  it('keeps the store on the kvgit branch only, and is found after a fresh clone', async () => {
    const t = await tempStore({ layout: 'branch' });
    try {
      writeFileSync(join(t.repo, 'README'), 'code\n');
      git(t, 'add', 'README');
      git(t, 'commit', '-qm', 'code on main');
      await t.store.writeData('secret', 'db', { data: { v: '1' } });
      assert.equal(existsSync(join(t.repo, '.kvgit')), false);
      assert.equal(git(t, 'status', '--porcelain'), '');
      assert.deepEqual(git(t, 'ls-tree', '--name-only', 'kvgit').trim().split('\n').sort(), ['keyring', 'keyring.json', 'kvgit.json', 'mounts', 'mounts.json']);
      assert.deepEqual(git(t, 'ls-tree', '--name-only', 'main').trim().split('\n'), ['README']);
      const clone = join(tempDir(), 'clone');
      execFileSync('git', ['clone', '-q', t.repo, clone]);
      const s = await Store.open({ path: clone, env: t.env });
      assert.deepEqual((await s.readData('secret', 'db')).data, { v: '1' });
      assert.equal(s.location.layout, 'branch');
    } finally {
      t.cleanup();
    }
  });
});

describe('commits and the audit log', function () {
  this.timeout(60_000);
  for (const layout of ['directory', 'branch'] as Layout[]) {
    it(`author and committer come from git's configuration (${layout})`, async () => {
      const root = tempDir();
      const env = isolatedEnv(root);
      for (const k of ['GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL']) delete env[k];
      mkdirSync(join(root, 'home'), { recursive: true });
      writeFileSync(join(root, 'home', '.gitconfig'), '[user]\n\tname = Global Person\n\temail = global@example.test\n');
      const { store } = await Store.init({ path: join(root, 'repo'), env, layout });
      const show = (fmt: string) => execFileSync('git', ['log', '-1', `--format=${fmt}`, layout === 'branch' ? 'kvgit' : 'HEAD'], { cwd: join(root, 'repo'), encoding: 'utf8' }).trim();
      assert.equal(show('%an <%ae>|%cn <%ce>'), 'Global Person <global@example.test>|Global Person <global@example.test>');
      execFileSync('git', ['config', 'user.name', 'Repo Person'], { cwd: join(root, 'repo') });
      await store.writeData('secret', 'a', { data: { x: '1' } });
      assert.equal(show('%an'), 'Repo Person');
      const withEnv = await Store.open({ path: join(root, 'repo'), env: { ...env, GIT_AUTHOR_NAME: 'Env Author', GIT_COMMITTER_EMAIL: 'ci@example.test' } });
      await withEnv.writeData('secret', 'a', { data: { x: '2' } });
      assert.equal(show('%an|%ce'), 'Env Author|ci@example.test');
      assert.match(show('%B'), /^kvgit: put secret\/a v2\n\nKvgit-Operation: put\nKvgit-Mount: secret\/\nKvgit-Path: a\nKvgit-Versions: 2$/);
      const trailers = execFileSync('git', ['log', '-1', '--format=%(trailers:key=Kvgit-Path,valueonly)', layout === 'branch' ? 'kvgit' : 'HEAD'], { cwd: join(root, 'repo'), encoding: 'utf8' });
      assert.equal(trailers.trim(), 'a');
    });

    it(`log shows who did what to a key or prefix, and stays right after a history rewrite (${layout})`, async () => {
      const t = await tempStore({ layout });
      try {
        await t.store.writeData('secret', 'team/a', { data: { v: '1' } });
        await t.store.writeData('secret', 'team/b', { data: { v: '1' } });
        await t.store.patchData('secret', 'team/a', { data: { w: '2' } });
        await t.store.deleteVersions('secret', 'team/a', { versions: [1] });
        await t.store.writeData('secret', 'other', { data: { v: '1' } });
        const ops = (entries: Array<{ operation: string; path?: string; versions: number[] }>) => entries.map((e) => `${e.operation} ${e.path} ${e.versions.join(',')}`);
        assert.deepEqual(ops(await t.store.log({ mount: 'secret', path: 'team/a' })), ['delete-versions team/a 1', 'patch team/a 2', 'put team/a 1']);
        assert.deepEqual(ops(await t.store.log({ mount: 'secret', path: 'team/', prefix: true })), ['delete-versions team/a 1', 'patch team/a 2', 'put team/b 1', 'put team/a 1']);
        await t.store.destroyVersions('secret', 'team/a', { versions: [1] });
        const after = await t.store.log({ mount: 'secret', path: 'team/a' });
        assert.deepEqual(ops(after), ['destroy team/a 1', 'delete-versions team/a 1', 'patch team/a 2', 'put team/a 1']);
        for (const e of after) assert.equal(git(t, 'cat-file', '-t', e.commit).trim(), 'commit');
        assert.equal(after[0]!.author.name, 'Test Author');
      } finally {
        t.cleanup();
      }
    });
  }
});
