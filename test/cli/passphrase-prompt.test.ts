/** The last identity source: a passphrase asked on the terminal, with no echo (docs/KEYS.md). */
import assert from 'node:assert/strict';
import { Store } from '@kvgit/core';
import { spawn } from 'node:child_process';
import { KVGIT_BIN, runKvgit } from '../helpers/cli';

/** kvgit on a pseudo-terminal, typing `answer` only once the prompt is shown, as a person would. */
function answerPrompt(args: string[], cwd: string, env: NodeJS.ProcessEnv, answer: string): Promise<{ code: number | null; out: string }> {
  const words = [process.execPath, KVGIT_BIN, ...args].map((w) => `'${w}'`).join(' ');
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', words, '/dev/null'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let answered = false;
    child.stdout.on('data', (d) => {
      out += d;
      if (!answered && out.includes('Passphrase to unlock the kvgit store: ')) {
        answered = true;
        child.stdin.write(`${answer}\r`);
      }
    });
    child.on('close', (code) => resolve({ code, out: out.replace(/\r\n/g, '\n') }));
  });
}
import { isolatedEnv, tempDir } from '../helpers/temp';
import { join } from 'node:path';

describe('cli: unlocking with a passphrase prompt', function () {
  this.timeout(120_000);
  it('asks on a terminal when no other source unlocks, never echoes, and fails cleanly on a pipe', async () => {
    const root = tempDir();
    const repo = join(root, 'repo');
    const passphrase = 'prompted passphrase 42';
    const { store } = await Store.init({ path: repo, env: isolatedEnv(root, { KVGIT_PASSPHRASE: passphrase }), passphrase, memberName: 'ops' });
    await store.writeData('secret', 'app', { data: { token: 'tok-sentinel' } });
    const env = isolatedEnv(root);
    const r = await answerPrompt(['kv', 'get', '-field=token', 'secret/app'], repo, env, passphrase);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /tok-sentinel/);
    assert.ok(!r.out.includes(passphrase), 'the passphrase is not echoed');
    const wrong = await answerPrompt(['kv', 'get', '-field=token', 'secret/app'], repo, env, 'not it at all');
    assert.equal(wrong.code, 3, wrong.out);
    const piped = await runKvgit(['kv', 'get', '-field=token', 'secret/app'], { cwd: repo, env });
    assert.equal(piped.code, 3);
    assert.match(piped.stderr, /no identity found/);
  });
});
