import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { type Layout, Store } from '@kvgit/core';
import { tempStore, type TempStore } from '../helpers/temp';

const fixture = join(import.meta.dirname, 'fixtures', 'op.ts');

function runOp(t: TempStore, crashAt: string | undefined, ...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...t.env, KVGIT_IDENTITY_FILE: join(t.env.XDG_CONFIG_HOME!, 'kvgit', 'identity.txt') };
  if (crashAt) env.KVGIT_TEST_CRASH_AT = crashAt;
  return spawnSync(process.execPath, ['--import', 'tsx', fixture, t.repo, ...args], { env, encoding: 'utf8' });
}

const PUT_STEPS = ['write:before-commit', 'commit:blob-written', 'commit:trees-written', 'commit:commit-written', 'ref:locked', 'ref:written', 'commit:ref-moved', 'worktree:file'];
const DESTROY_STEPS = ['write:before-commit', 'write:committed', 'purge:loaded', 'purge:rewritten', 'purge:ref-moved', 'purge:refs-moved', 'purge:reflogs', 'purge:pack-survivors-written', 'purge:objects-removed'];

async function assertHealthy(t: TempStore, acknowledged: Record<string, string>) {
  const store = await Store.open({ path: t.repo, env: t.env });
  const report = await store.verify();
  assert.deepEqual(report.problems, [], 'verify passes');
  for (const [key, value] of Object.entries(acknowledged)) {
    assert.deepEqual((await store.readData('secret', key)).data, { value }, `acknowledged ${key} present`);
  }
  execFileSync('git', ['fsck', '--full'], { cwd: t.repo, stdio: 'pipe' });
  // The store takes writes again.
  await store.writeData('secret', 'after-crash', { data: { value: 'ok' } });
  assert.deepEqual((await store.verify()).problems, []);
}

for (const layout of ['directory', 'branch'] as Layout[]) {
  describe(`crash safety (${layout} layout)`, function () {
    this.timeout(120_000);
    let t: TempStore;
    beforeEach(async () => {
      t = await tempStore({ layout });
      await t.store.writeData('secret', 'acked', { data: { value: 'one' } });
      await t.store.writeData('secret', 'acked', { data: { value: 'two' } });
    });
    afterEach(() => t.cleanup());

    for (const step of PUT_STEPS) {
      if (step === 'worktree:file' && layout === 'branch') continue;
      it(`a put killed at ${step} leaves the store consistent`, async () => {
        const r = runOp(t, step, 'put', 'victim', 'new');
        assert.equal(r.signal, 'SIGKILL', `killed at ${step} (stdout ${r.stdout} stderr ${r.stderr})`);
        await assertHealthy(t, { acked: 'two' });
      });
    }

    for (const step of DESTROY_STEPS) {
      it(`a destroy killed at ${step} leaves the store consistent and finishes the purge`, async () => {
        execFileSync('git', ['gc', '-q'], { cwd: t.repo }); // so the purge has a pack to rewrite
        await t.store.writeData('secret', 'loose', { data: { value: 'x' } });
        const r = runOp(t, step, 'destroy', 'acked', '1');
        assert.equal(r.signal, 'SIGKILL', `killed at ${step} (stdout ${r.stdout} stderr ${r.stderr})`);
        await assertHealthy(t, { acked: 'two', loose: 'x' });
      });
    }
  });
}

describe('after a killed writer', function () {
  this.timeout(60_000);
  it("the next write removes its half-written files (objects, packs, work tree) and its index lock, and no other", async () => {
    const t = await tempStore();
    try {
      await t.store.writeData('secret', 'k', { data: { a: '1' } });
      const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
      const pid = Number(dead.stdout.trim());
      const gitdir = join(t.repo, '.git');
      const leftovers = [
        join(gitdir, 'objects', 'ab', `cdef.kvgit-tmp-${pid}-x1y2`),
        join(gitdir, 'objects', 'pack', `pack-1.pack.kvgit-tmp-${pid}-z9`),
        join(t.repo, '.kvgit', 'mounts', 'secret', 'k.kv', `2.age.kvgit-tmp-${pid}`),
      ];
      const others = [join(gitdir, 'objects', 'ab', `cdef.kvgit-tmp-${pid}1-x1y2`), join(t.repo, 'notes.kvgit-tmp-1')];
      for (const f of [...leftovers, ...others]) {
        mkdirSync(dirname(f), { recursive: true });
        writeFileSync(f, 'half');
      }
      const lock = openSync(join(gitdir, 'index.lock'), 'wx');
      const { dev, ino } = fstatSync(lock);
      closeSync(lock);
      writeFileSync(join(gitdir, 'kvgit.lock'), JSON.stringify({ pid, host: hostname(), since: new Date().toISOString(), indexLock: { dev, ino } }));
      await t.store.writeData('secret', 'k', { data: { a: '2' } });
      for (const f of leftovers) assert.ok(!existsSync(f), `${f} removed`);
      for (const f of others) assert.ok(existsSync(f), `${f} kept`);
      assert.ok(!existsSync(join(gitdir, 'index.lock')));
      assert.deepEqual(execFileSync('git', ['status', '--porcelain', '--', '.kvgit'], { cwd: t.repo, encoding: 'utf8' }), '');
    } finally {
      t.cleanup();
    }
  });
});

describe('concurrency', function () {
  this.timeout(600_000);
  for (const layout of ['directory', 'branch'] as Layout[]) {
    it(`8 processes × 25 CAS-retrying patches of one key lose no update (${layout})`, async () => {
      const t = await tempStore({ layout });
      try {
        await t.store.writeData('secret', 'counter', { data: {} });
        await t.store.writeMetadata('secret', 'counter', { max_versions: 1000 });
        const procs = Array.from({ length: 8 }, (_, i) => spawnAsync(t, 'cas-patch-loop', 'counter', '25', `p${i}`));
        const results = await Promise.all(procs);
        for (const r of results) assert.equal(r.code, 0, r.stderr);
        const meta = await t.store.readMetadata('secret', 'counter');
        assert.equal(meta.current_version, 1 + 8 * 25);
        const data = (await t.store.readData('secret', 'counter')).data;
        for (let i = 0; i < 8; i++) assert.equal(data[`p${i}`], '25');
        const commits = execFileSync('git', ['rev-list', '--count', layout === 'branch' ? 'kvgit' : 'HEAD'], { cwd: t.repo, encoding: 'utf8' });
        assert.equal(Number(commits), 1 + 2 + 200, 'init, write, metadata, 200 patches');
        execFileSync('git', ['fsck', '--full'], { cwd: t.repo, stdio: 'pipe' });
        assert.deepEqual((await t.store.verify()).problems, []);
      } finally {
        t.cleanup();
      }
    });

    it(`8 processes × 25 writes to distinct keys all land (${layout})`, async () => {
      const t = await tempStore({ layout });
      try {
        const results = await Promise.all(Array.from({ length: 8 }, (_, i) => spawnAsync(t, 'put-many', `w${i}`, '25')));
        for (const r of results) assert.equal(r.code, 0, r.stderr);
        const keys = await t.store.scan('secret');
        assert.equal(keys.length, 200);
        for (let i = 0; i < 8; i++) for (let j = 0; j < 25; j++) {
          assert.deepEqual((await t.store.readData('secret', `w${i}/${j}`)).data, { i: String(j) });
        }
        execFileSync('git', ['fsck', '--full'], { cwd: t.repo, stdio: 'pipe' });
        if (layout === 'directory') assert.equal(execFileSync('git', ['status', '--porcelain'], { cwd: t.repo, encoding: 'utf8' }), '');
      } finally {
        t.cleanup();
      }
    });
  }
});

function spawnAsync(t: TempStore, ...args: string[]): Promise<{ code: number | null; stderr: string }> {
  const env = { ...t.env, KVGIT_IDENTITY_FILE: join(t.env.XDG_CONFIG_HOME!, 'kvgit', 'identity.txt') };
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', fixture, t.repo, ...args], { env });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stderr }));
  });
}
