/** `kvgit purge` and the history-rewrite receipt and progress of `destroy`, through the built CLI. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cliStore, type CliStore } from '../helpers/cli';

describe('cli: purge and rewrite receipts', function () {
  this.timeout(120_000);
  let s: CliStore;
  beforeEach(async () => {
    s = await cliStore({ layout: 'branch' });
  });
  afterEach(() => s.cleanup());

  it('purge removes trimmed ciphertext from the history and says what it rewrote; a second run has nothing to do', async () => {
    assert.equal((await s.kvgit(['kv', 'metadata', 'put', '-max-versions=1', 'secret/t'])).code, 0);
    for (const v of ['1', '2']) assert.equal((await s.kvgit(['kv', 'put', 'secret/t', `v=${v}`])).code, 0);
    const old = execFileSync('git', ['rev-list', '--objects', '--all'], { cwd: s.repo, encoding: 'utf8' });
    const verify = await s.kvgit(['verify']);
    assert.equal(verify.code, 4, 'verify reports the trimmed ciphertext');
    const r = await s.kvgit(['purge']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Success! Old ciphertext purged from the history\.$/m);
    assert.match(r.stderr, /^History rewritten: \d+ commit\(s\), 1 ref\(s\) moved/m);
    assert.notEqual(execFileSync('git', ['rev-list', '--objects', '--all'], { cwd: s.repo, encoding: 'utf8' }), old);
    assert.equal((await s.kvgit(['verify'])).code, 0);
    const again = await s.kvgit(['purge']);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /^Nothing to purge\.$/m);
  });

  it('destroy shows rewrite progress on a terminal only', async () => {
    for (const v of ['1', '2']) assert.equal((await s.kvgit(['kv', 'put', 'secret/d', `v=${v}`])).code, 0);
    const piped = await s.kvgit(['kv', 'destroy', '-versions=1', 'secret/d']);
    assert.equal(piped.code, 0, piped.stderr);
    assert.doesNotMatch(piped.stderr, /Rewriting history/);
    const tty = await s.kvgitOnTerminal(['kv', 'destroy', '-versions=2', 'secret/d']);
    assert.equal(tty.code, 0, tty.stdout);
    assert.match(tty.stdout, /Rewriting history/);
  });
});
