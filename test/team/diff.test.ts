import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Layout, type Store } from '@kvgit/core';
import { type Team, buildCli, makeTeam } from './helpers';

const SECRET_ONE = 'pw-one-5a1f9c';
const SECRET_TWO = 'pw-two-77d0e3';

for (const layout of ['directory', 'branch'] as Layout[]) {
  describe(`git diff and git log -p of the store (${layout} layout)`, function () {
    this.timeout(120_000);
    let t: Team;
    let store: Store;
    const ref = layout === 'branch' ? 'kvgit' : 'HEAD';

    before(async () => {
      t = await makeTeam(layout);
      store = await t.open('alice');
      await store.writeData('secret', 'app/db', { data: { password: SECRET_ONE, user: 'app' } });
      await store.writeData('secret', 'app/db', { data: { password: SECRET_TWO, user: 'app', host: 'db.internal' } });
    });
    after(() => t.cleanup());

    /** The real git, stdin closed, killed after 30 s: a textconv that prompted or waited would fail here. */
    function gitOut(env: NodeJS.ProcessEnv, ...args: string[]): string {
      const started = Date.now();
      const r = spawnSync('git', args, { cwd: t.clones.alice, env: { ...env, GIT_PAGER: 'cat', PAGER: 'cat' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
      assert.equal(r.error, undefined, `git ${args.join(' ')} did not finish: ${r.error}`);
      assert.equal(r.status, 0, r.stderr);
      assert.ok(Date.now() - started < 30_000);
      return r.stdout;
    }

    it('shows a member the fields the new version changed, not their values', () => {
      const out = gitOut(t.env, 'diff', `${ref}~1`, ref);
      assert.match(out, /^\+kvgit: secret\/app\/db version 2$/m);
      assert.match(out, /^\+ {2}password: changed since version 1 \[[0-9a-f]{8}\]$/m);
      assert.match(out, /^\+ {2}user: unchanged since version 1 \[[0-9a-f]{8}\]$/m);
      assert.match(out, /^\+ {2}host: new since version 1 \[[0-9a-f]{8}\]$/m);
      assert.ok(!out.includes(SECRET_ONE) && !out.includes(SECRET_TWO), 'no value without the opt-in');
      // The metadata diff is plain JSON (names and times are not secret).
      assert.match(out, /^-  "current_version": 1,$/m);
      assert.match(out, /^\+  "current_version": 2,$/m);
    });

    it('shows the values only when KVGIT_DIFF_VALUES=1 asks for them', () => {
      const out = gitOut({ ...t.env, KVGIT_DIFF_VALUES: '1' }, 'diff', `${ref}~1`, ref);
      assert.match(out, new RegExp(`^\\+ {2}password = "${SECRET_TWO}" {2}\\(changed since version 1\\)$`, 'm'));
      assert.ok(!out.includes(SECRET_ONE), 'version 1 was not part of this diff');
    });

    it('git log -p shows every version to a member', () => {
      const out = gitOut(t.env, 'log', '-p', ref, '--', `${layout === 'branch' ? '' : '.kvgit/'}mounts/secret/app/db.kv`);
      assert.match(out, /^\+kvgit: secret\/app\/db version 1$/m);
      assert.match(out, /^\+ {2}password: new \[[0-9a-f]{8}\]$/m);
      assert.match(out, /^\+kvgit: secret\/app\/db version 2$/m);
    });

    it('shows someone without a member identity only that ciphertext changed', () => {
      const out = gitOut(t.strangerEnv, 'diff', `${ref}~1`, ref);
      assert.match(out, /^\+kvgit: age-encrypted file, ciphertext [0-9a-f]{12} \(\d+ bytes\)$/m);
      assert.match(out, /^\+kvgit: fields not shown: no identity of a member of this store$/m);
      for (const word of ['password', 'host', SECRET_ONE, SECRET_TWO]) assert.ok(!out.includes(word), `"${word}" is not shown`);
    });

    it('never opens a member\'s wrapped store key (keyring entries show as ciphertext)', async () => {
      const { execFileSync } = await import('node:child_process');
      const other = execFileSync('age-keygen', ['-y'], { input: execFileSync('age-keygen', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }), encoding: 'utf8' }).trim();
      await store.addMember('carol', other);
      const out = gitOut({ ...t.env, KVGIT_DIFF_VALUES: '1' }, 'show', ref);
      assert.match(out, /keyring\/carol\.age/);
      assert.match(out, /^\+kvgit: fields not shown: not a version of this store readable with its current key$/m);
      assert.ok(!out.includes('AGE-SECRET-KEY'), 'no store key in the output');
    });
  });
}

describe('textconv passes anything that is not an age file through unchanged', function () {
  this.timeout(120_000);
  it('byte for byte, with and without a store', async () => {
    const t = await makeTeam('directory');
    try {
      const dir = join(t.root, 'files');
      mkdirSync(dir);
      const binary = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 10, 13, 0x41]);
      writeFileSync(join(dir, 'blob.bin'), binary);
      const cli = await buildCli();
      for (const cwd of [t.clones.alice!, dir]) {
        const r = spawnSync(process.execPath, [cli, 'textconv', join(dir, 'blob.bin')], { cwd, env: t.env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
        assert.equal(r.status, 0, String(r.stderr));
        assert.deepEqual(r.stdout, binary);
      }
      // Through git: a plaintext file at a blob's place (committed past the guard) shows as itself.
      const leak = join(t.clones.alice!, '.kvgit', 'mounts', 'secret', 'notes.kv');
      mkdirSync(leak, { recursive: true });
      writeFileSync(join(leak, '1.age'), 'just text\n');
      t.git('alice', 'add', '.kvgit/mounts/secret/notes.kv/1.age');
      t.git('alice', 'commit', '-q', '--no-verify', '-m', 'a plaintext file');
      assert.match(t.git('alice', 'show', 'HEAD'), /^\+just text$/m);
      assert.equal(readFileSync(join(leak, '1.age'), 'utf8'), 'just text\n');
    } finally {
      t.cleanup();
    }
  });
});
