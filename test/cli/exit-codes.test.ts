/** Every exit code of the table in packages/cli/src/exitCodes.ts, caused for real. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ensureConfigIdentity } from '@kvgit/core';
import { EXIT } from '../../packages/cli/src/exitCodes';
import { reportError } from '../../packages/cli/src/reportError';
import { type CliStore, cliStore, emptyPlace, runKvgit } from '../helpers/cli';
import { tempDir, isolatedEnv } from '../helpers/temp';

function git(cwd: string, env: NodeJS.ProcessEnv, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env, encoding: 'utf8' });
}

describe('cli: exit codes', function () {
  let s: CliStore;
  beforeEach(async () => {
    s = await cliStore();
    assert.equal((await s.kvgit(['put', 'secret/app', 'password=p1'])).code, 0);
  });
  afterEach(() => s.cleanup());

  it('0: success', async () => {
    assert.equal((await s.kvgit(['get', 'secret/app'])).code, EXIT.OK);
  });

  it('1: usage errors', async () => {
    assert.equal((await s.kvgit(['get'])).code, EXIT.USAGE);
    assert.equal((await s.kvgit(['get', '-bogus', 'secret/app'])).code, EXIT.USAGE);
    assert.equal((await s.kvgit(['frobnicate'])).code, EXIT.USAGE);
  });

  it('2: not found and Vault\'s API errors', async () => {
    assert.equal((await s.kvgit(['get', 'secret/none'])).code, EXIT.API);
    assert.equal((await s.kvgit(['put', '-cas=7', 'secret/app', 'a=b'])).code, EXIT.API);
    const noMount = await s.kvgit(['get', 'nomount/app']);
    assert.equal(noMount.code, EXIT.API);
    assert.match(noMount.stderr, /no mount matches "nomount\/app"/);
  });

  it('3: no identity, or an identity that is not a member', async () => {
    const bare = isolatedEnv(tempDir('kvgit-noid-'));
    const none = await s.kvgit(['get', 'secret/app'], { env: bare });
    assert.equal(none.code, EXIT.NO_IDENTITY);
    assert.match(none.stderr, /^no identity found; tried KVGIT_IDENTITY/);
    const stranger = await ensureConfigIdentity(bare);
    const other = await s.kvgit(['get', 'secret/app'], { env: { ...bare, KVGIT_IDENTITY: stranger.identity } });
    assert.equal(other.code, EXIT.NO_IDENTITY);
    assert.match(other.stderr, /belongs to a member/);
    assert.doesNotMatch(other.stderr, /AGE-SECRET-KEY/);
  });

  it('4: a tampered file fails its integrity check', async () => {
    const file = join(s.repo, '.kvgit', 'mounts', 'secret', 'app.kv', 'metadata.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"current_version": 1', '"current_version": 2'));
    git(s.repo, s.env, 'commit', '-qam', 'tamper');
    const r = await s.kvgit(['get', 'secret/app']);
    assert.equal(r.code, EXIT.INTEGRITY, r.stderr);
    assert.doesNotMatch(r.stderr, /p1/);
  });

  it('5: the lock held by a live process past KVGIT_LOCK_TIMEOUT', async () => {
    const lock = join(s.repo, '.git', 'kvgit.lock');
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
    const r = await s.kvgit(['put', 'secret/app', 'password=p2'], { env: { ...s.env, KVGIT_LOCK_TIMEOUT: '0' } });
    assert.equal(r.code, EXIT.LOCK_TIMEOUT, r.stderr);
    assert.match(r.stderr, /locked by another process/);
  });

  it('6: uncommitted edits of store files, or git in a state kvgit must not write in', async () => {
    const file = join(s.repo, '.kvgit', 'mounts', 'secret', 'app.kv', 'metadata.json');
    writeFileSync(file, `${readFileSync(file, 'utf8')} `);
    const edited = await s.kvgit(['put', 'secret/app', 'password=p2']);
    assert.equal(edited.code, EXIT.STORE_STATE, edited.stderr);
    git(s.repo, s.env, 'checkout', '-q', '--', '.kvgit');
    git(s.repo, s.env, 'checkout', '-q', '--detach');
    const detached = await s.kvgit(['put', 'secret/app', 'password=p2']);
    assert.equal(detached.code, EXIT.STORE_STATE, detached.stderr);
    assert.match(detached.stderr, /detached/);
  });

  it('7: a confirmation that cannot be asked (no terminal, no -y)', async () => {
    await s.kvgit(['mounts', 'enable', '-path=team', '-version=2', 'kv']);
    const r = await s.kvgit(['mounts', 'disable', 'team/']);
    assert.equal(r.code, EXIT.CONFIRMATION_REFUSED);
    assert.match(r.stderr, /pass -y/);
    assert.equal((await s.kvgit(['mounts', 'disable', '-y', 'team/'])).code, EXIT.OK);
  });

  it('7: a confirmation answered no on a terminal; yes goes ahead', async () => {
    await s.kvgit(['mounts', 'enable', '-path=team', '-version=2', 'kv']);
    const no = await s.kvgitOnTerminal(['mounts', 'disable', 'team/'], { input: 'n\n' });
    assert.equal(no.code, EXIT.CONFIRMATION_REFUSED, no.stdout);
    assert.match(no.stdout, /Disable team\/ and delete every secret in it\? \[y\/N\]/);
    const yes = await s.kvgitOnTerminal(['mounts', 'disable', 'team/'], { input: 'y\n' });
    assert.equal(yes.code, EXIT.OK, yes.stdout);
    assert.match(yes.stdout, /Success! Disabled the secrets engine \(if it existed\) at: team\//);
  });

  it('8: not a store', async () => {
    const p = emptyPlace();
    try {
      const r = await runKvgit(['get', 'secret/app'], { cwd: p.dir, env: p.env });
      assert.equal(r.code, EXIT.NOT_A_STORE);
      assert.match(r.stderr, /^no kvgit store at or above/);
      const again = await s.kvgit(['init']);
      assert.equal(again.code, EXIT.NOT_A_STORE, 'init where a store exists');
    } finally {
      p.cleanup();
    }
  });

  it('9: check found a problem', async () => {
    assert.equal((await s.kvgit(['check', 'secret/app'])).code, EXIT.OK);
    assert.equal((await s.kvgit(['check', 'secret/absent'])).code, EXIT.CHECK_FAILED);
  });

  it('70: an unexpected error is reported without its message unless KVGIT_DEBUG is set', () => {
    const quiet = reportError(new TypeError('something quoting s3cret'), {});
    assert.deepEqual(quiet, { message: 'Internal error (TypeError) (set KVGIT_DEBUG=1 for details)', exitCode: EXIT.INTERNAL });
    const loud = reportError(new TypeError('detail'), { KVGIT_DEBUG: '1' });
    assert.match(loud.message, /TypeError: detail/);
  });
});
