import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Store } from '@kvgit/core';
import { manualClock } from '../helpers/temp';
import { type Team, makeTeam } from './helpers';

describe('the commit guard (pre-commit hook)', function () {
  this.timeout(180_000);
  let t: Team;
  let alice: Store;
  beforeEach(async () => {
    t = await makeTeam('directory');
    alice = await t.open('alice');
    await alice.writeData('secret', 'app/db', { data: { password: 'hunter2' } });
  });
  afterEach(() => t.cleanup());

  const put = (rel: string, content: string | Uint8Array) => {
    const full = join(t.clones.alice!, rel);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  };
  /** `git commit` as a user runs it, with the hook; returns what happened and whether HEAD moved. */
  const commit = (env: NodeJS.ProcessEnv, ...args: string[]) => {
    const before = t.git('alice', 'rev-parse', 'HEAD').trim();
    const r = spawnSync('git', ['commit', '-q', '-m', 'a commit', ...args], { cwd: t.clones.alice, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    return { status: r.status, stderr: r.stderr, moved: t.git('alice', 'rev-parse', 'HEAD').trim() !== before };
  };

  it('blocks a plaintext version blob and names it', () => {
    put('.kvgit/mounts/secret/leak.kv/1.age', 'password=hunter2\n');
    t.git('alice', 'add', '.kvgit/mounts/secret/leak.kv/1.age');
    const r = commit(t.env);
    assert.notEqual(r.status, 0);
    assert.equal(r.moved, false);
    assert.match(r.stderr, /\.kvgit\/mounts\/secret\/leak\.kv\/1\.age is plaintext, not an age file/);
    assert.ok(!r.stderr.includes('hunter2'), 'the refusal never quotes the content');
  });

  it('blocks it for someone without an identity too (the format check needs no key)', () => {
    put('.kvgit/mounts/secret/leak.kv/1.age', '{"password":"hunter2"}');
    t.git('alice', 'add', '.kvgit');
    const r = commit(t.strangerEnv);
    assert.notEqual(r.status, 0);
    assert.equal(r.moved, false);
    assert.match(r.stderr, /leak\.kv\/1\.age is plaintext/);
  });

  it('blocks a metadata file that fails its integrity check, also with `git commit -a`', () => {
    const file = join(t.clones.alice!, '.kvgit/mounts/secret/app/db.kv/metadata.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"max_versions": 0', '"max_versions": 3'));
    const r = commit(t.env, '-a');
    assert.notEqual(r.status, 0);
    assert.equal(r.moved, false);
    assert.match(r.stderr, /metadata\.json failed its integrity check/);
    t.git('alice', 'checkout', '--', '.kvgit');
  });

  it('blocks records that do not parse, a blob moved to another key, and stray files', () => {
    put('.kvgit/mounts.json', '{"mounts": {}}');
    put('.kvgit/secrets.env', 'TOKEN=abc\n');
    const src = join(t.clones.alice!, '.kvgit/mounts/secret/app/db.kv');
    put('.kvgit/mounts/secret/copy.kv/1.age', readFileSync(join(src, '1.age')));
    t.git('alice', 'add', '.kvgit');
    const r = commit(t.env);
    assert.equal(r.moved, false);
    assert.match(r.stderr, /\.kvgit\/mounts\.json is not a kvgit mounts record/);
    assert.match(r.stderr, /\.kvgit\/secrets\.env is not a kvgit store file/);
    assert.match(r.stderr, /copy\.kv\/1\.age holds a version of another key or number/);
  });

  it('blocks a version blob sealed by a non-member (no valid MAC)', () => {
    const d = join(t.clones.alice!, '.kvgit');
    const recipient = JSON.parse(readFileSync(join(d, 'keyring.json'), 'utf8')).store_recipient as string;
    const uuid = JSON.parse(readFileSync(join(d, 'mounts.json'), 'utf8')).mounts['secret/'].uuid as string;
    const forged = spawnSync('age', ['-r', recipient], { input: JSON.stringify({ kvgit: 'version/2', mount: uuid, key: 'app/db', version: 1, data: { password: 'forged' }, mac: 'hmac-sha256:AAAA' }) }).stdout;
    put('.kvgit/mounts/secret/app/db.kv/1.age', forged);
    t.git('alice', 'add', '.kvgit');
    const r = commit(t.env);
    assert.equal(r.moved, false);
    assert.match(r.stderr, /db\.kv\/1\.age does not hold a kvgit version\/2 payload sealed by a member/);
  });

  it('blocks a commit that deletes a live version\'s blob or the store\'s records', () => {
    t.git('alice', 'rm', '-q', '.kvgit/mounts/secret/app/db.kv/1.age', '.kvgit/mounts.json');
    const r = commit(t.env);
    assert.equal(r.moved, false);
    assert.match(r.stderr, /\.kvgit\/mounts\/secret\/app\/db\.kv metadata\.json says version 1 is live, but its blob is missing/);
    assert.match(r.stderr, /\.kvgit\/mounts\.json is deleted/);
  });

  it('lets normal commits through: code, and a merge that brings store changes', async () => {
    put('src/app.js', 'console.log(1)\n');
    t.git('alice', 'add', 'src/app.js');
    assert.equal(commit(t.env).status, 0, 'a code commit');

    // Bob and Alice write the same key concurrently; Bob settles the merge with --no-commit and
    // concludes it with `git commit`, through the hook: renumbered blobs and re-MACed metadata pass.
    t.git('alice', 'push', '-q', 'origin', 'main');
    t.git('bob', 'pull', '-q', '--no-rebase', 'origin', 'main');
    const clock = manualClock(Date.now() + 60_000);
    const bob = await t.open('bob', clock);
    await bob.writeData('secret', 'app/db', { data: { password: 'bobs' } });
    await alice.writeData('secret', 'app/db', { data: { password: 'alices' } });
    t.git('alice', 'push', '-q', 'origin', 'main');
    t.tryGit('bob', 'pull', '-q', '--no-rebase', 'origin', 'main');
    const m = t.kvgit('bob', ['merge', '--no-commit']);
    assert.equal(m.status, 0, m.stdout + m.stderr);
    const g = t.kvgit('bob', ['guard', '-format=json']);
    assert.equal(g.status, 0, g.stderr);
    const report = JSON.parse(g.stdout) as { checked: string[]; integrityChecked: boolean };
    assert.ok(report.integrityChecked);
    assert.deepEqual(report.checked.sort(), ['.kvgit/mounts/secret/app/db.kv/3.age', '.kvgit/mounts/secret/app/db.kv/metadata.json']);
    const c = t.tryGit('bob', 'commit', '-q', '--no-edit');
    assert.equal(c.status, 0, c.stderr);
    assert.equal(t.git('bob', 'status', '--porcelain'), '');
    assert.deepEqual((await bob.verify()).problems, []);
  });
});

describe('the commit guard and a rotation on one side of a merge', function () {
  this.timeout(180_000);
  it('refuses the merge commit of `git pull` that would keep the other side\'s new key sealed to the old store key', async () => {
    const t = await makeTeam('directory');
    try {
      const alice = await t.open('alice');
      await alice.writeData('secret', 'app/db', { data: { password: 'hunter2' } });
      t.git('alice', 'push', '-q', 'origin', 'main');
      t.git('bob', 'pull', '-q', '--no-rebase', 'origin', 'main');
      await alice.rotate();
      t.git('alice', 'push', '-q', 'origin', 'main');
      // Bob writes a new key before he has the rotation: no file changed on both sides.
      const bob = await t.open('bob');
      await bob.writeData('secret', 'new', { data: { x: 'CANARY-after-rotation' } });
      const before = t.git('bob', 'rev-parse', 'HEAD').trim();
      const pull = t.tryGit('bob', 'pull', '-q', '--no-rebase', '--no-edit', 'origin', 'main');
      assert.notEqual(pull.status, 0, 'the merge commit is refused');
      assert.match(pull.stderr, /\.kvgit\/mounts\/secret\/new\.kv\/(1\.age|metadata\.json)/);
      assert.equal(t.git('bob', 'rev-parse', 'HEAD').trim(), before);
      // kvgit's own merge names the conflict docs/TEAMS.md §4 describes (redo the change after the rotation).
      const m = t.kvgit('bob', ['merge']);
      assert.equal(m.status, 6, m.stdout + m.stderr);
      assert.match(m.stdout + m.stderr, /keyring\.json\s+store_recipient/);
    } finally {
      t.cleanup();
    }
  });
});

describe('the commit guard and a mount disabled on one side of a merge', function () {
  this.timeout(180_000);
  it('refuses the merge that would leave the other side\'s write in no mount, and verify names such files', async () => {
    const t = await makeTeam('directory');
    try {
      const alice = await t.open('alice');
      await alice.enableMount('team', { version: 2 });
      await alice.writeData('team', 'a', { data: { x: '1' } });
      t.git('alice', 'push', '-q', 'origin', 'main');
      t.git('bob', 'pull', '-q', '--no-rebase', 'origin', 'main');
      await alice.disableMount('team');
      t.git('alice', 'push', '-q', 'origin', 'main');
      const bob = await t.open('bob');
      await bob.writeData('team', 'b', { data: { y: 'CANARY-bob-team' } });
      const before = t.git('bob', 'rev-parse', 'HEAD').trim();
      const pull = t.tryGit('bob', 'pull', '-q', '--no-rebase', '--no-edit', 'origin', 'main');
      assert.notEqual(pull.status, 0, 'the merge commit is refused');
      assert.match(pull.stderr, /\.kvgit\/mounts\/team\/b\.kv\/1\.age belongs to no mount in mounts\.json/);
      assert.equal(t.git('bob', 'rev-parse', 'HEAD').trim(), before);
      // Committed past the guard, verify says so.
      t.git('bob', 'commit', '-q', '--no-verify', '--no-edit');
      const { problems } = await (await t.open('bob')).verify();
      assert.ok(problems.some((p) => p.file === 'mounts/team' && /belongs to no mount/.test(p.message)), JSON.stringify(problems));
    } finally {
      t.cleanup();
    }
  });
});

describe('the commit guard on the branch layout', function () {
  this.timeout(120_000);
  it('a project file that shares a store file\'s name (mounts.json on main) is merged by git as text', async () => {
    const t = await makeTeam('branch');
    try {
      const lines = ['{', '  "a": 1,', '  "b": 2,', '  "c": 3,', '  "d": 4,', '  "e": 5', '}', ''];
      writeFileSync(join(t.clones.alice!, 'mounts.json'), lines.join('\n'));
      t.git('alice', 'add', 'mounts.json');
      t.git('alice', 'commit', '-q', '-m', 'project config');
      t.git('alice', 'push', '-q', 'origin', 'main');
      t.git('bob', 'pull', '-q', '--no-rebase', 'origin', 'main');
      writeFileSync(join(t.clones.alice!, 'mounts.json'), lines.join('\n').replace('"a": 1', '"a": 10'));
      t.git('alice', 'commit', '-q', '-am', 'alice');
      t.git('alice', 'push', '-q', 'origin', 'main');
      writeFileSync(join(t.clones.bob!, 'mounts.json'), lines.join('\n').replace('"e": 5', '"e": 50'));
      t.git('bob', 'commit', '-q', '-am', 'bob');
      const pull = t.tryGit('bob', 'pull', '-q', '--no-rebase', '--no-edit', 'origin', 'main');
      assert.equal(pull.status, 0, pull.stderr);
      assert.deepEqual(JSON.parse(readFileSync(join(t.clones.bob!, 'mounts.json'), 'utf8')), { a: 10, b: 2, c: 3, d: 4, e: 50 });
    } finally {
      t.cleanup();
    }
  });

  it('guards the store branch when it is checked out, and nothing else', async () => {
    const t = await makeTeam('branch');
    try {
      writeFileSync(join(t.clones.alice!, 'notes.txt'), 'code\n');
      t.git('alice', 'add', 'notes.txt');
      t.git('alice', 'commit', '-q', '-m', 'code on main'); // the hook runs and has nothing to check
      t.git('alice', 'checkout', '-q', 'kvgit');
      mkdirSync(join(t.clones.alice!, 'mounts/secret/x.kv'), { recursive: true });
      writeFileSync(join(t.clones.alice!, 'mounts/secret/x.kv/1.age'), 'plain\n');
      t.git('alice', 'add', 'mounts');
      const r = t.tryGit('alice', 'commit', '-q', '-m', 'x');
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /mounts\/secret\/x\.kv\/1\.age is plaintext/);
      // kvgit never moves the store's branch while git has it checked out.
      const m = t.kvgit('alice', ['merge', 'origin/kvgit']);
      assert.equal(m.status, 6);
      assert.match(m.stderr, /the store's branch kvgit is checked out/);
    } finally {
      t.cleanup();
    }
  });
});
