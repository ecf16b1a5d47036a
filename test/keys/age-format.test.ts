// kvgit's age implementation against the stock `age` tool, both ways, across chunk boundaries.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { openWithIdentity, openWithPassphrase, recipientOf, sealToRecipients, sealWithPassphrase, newX25519Identity } from '../../packages/core/src/crypto/age';
import { tempDir } from '../helpers/temp';

const SIZES = [0, 1, 300, 64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 3 * 64 * 1024 + 17];

function ageKeygen() {
  const out = execFileSync('age-keygen', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return { identity: out.split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'))!, recipient: /public key: (age1\w+)/.exec(out)![1]! };
}

describe('age format interoperability with the stock age tool', function () {
  this.timeout(120_000);

  it('derives the same recipient as age-keygen', async () => {
    for (let i = 0; i < 5; i++) {
      const k = ageKeygen();
      assert.equal(await recipientOf(k.identity), k.recipient);
    }
  });

  for (const size of SIZES) {
    it(`stock age opens what kvgit seals, and kvgit opens what age seals (${size} bytes)`, async () => {
      const k = ageKeygen();
      const plain = randomBytes(size);
      const ours = await sealToRecipients([k.recipient], plain);
      const byAge = execFileSync('bash', ['-c', 'age -d -i <(printf "%s" "$ID")'], { input: ours, env: { ...process.env, ID: k.identity }, maxBuffer: 1 << 24 });
      assert.ok(Buffer.compare(byAge, plain) === 0);
      const theirs = execFileSync('age', ['-r', k.recipient], { input: plain, maxBuffer: 1 << 24 });
      assert.ok(Buffer.compare(Buffer.from((await openWithIdentity(k.identity, theirs))!), plain) === 0);
    });
  }

  it('a file for several recipients opens with each; a stranger gets nothing', async () => {
    const [a, b] = [ageKeygen(), ageKeygen()];
    const file = execFileSync('age', ['-r', a.recipient, '-r', b.recipient], { input: 'x' });
    assert.equal(Buffer.from((await openWithIdentity(b.identity, file))!).toString(), 'x');
    assert.equal(await openWithIdentity(await newX25519Identity(), file), undefined);
  });

  it('any flipped bit makes the file fail to open', async () => {
    const k = ageKeygen();
    const file = await sealToRecipients([k.recipient], Buffer.from('secret value'));
    for (let i = 0; i < file.length; i += 7) {
      const bad = Buffer.from(file);
      bad[i] ^= 0x10;
      assert.equal(await openWithIdentity(k.identity, bad), undefined, `byte ${i}`);
    }
  });

  it('a truncated or extended payload fails to open', async () => {
    const k = ageKeygen();
    const file = Buffer.from(await sealToRecipients([k.recipient], randomBytes(70_000)));
    assert.equal(await openWithIdentity(k.identity, file.subarray(0, file.length - 1)), undefined);
    assert.equal(await openWithIdentity(k.identity, file.subarray(0, file.length - 100)), undefined);
    assert.equal(await openWithIdentity(k.identity, Buffer.concat([file, Buffer.alloc(1)])), undefined);
  });

  it('passphrase files: kvgit opens what age -p seals (on a terminal), age opens what kvgit seals', async () => {
    const pass = 'a long test passphrase';
    const ours = await sealWithPassphrase(pass, Buffer.from('pp'), 10);
    const out = execFileSync('script', ['-qec', `age -d -o /dev/stdout ${writeTemp(ours)}`, '/dev/null'], { input: `${pass}\n`, encoding: 'utf8' });
    assert.match(out, /pp$/);
    const path = `${writeTemp(Buffer.from('from age'))}`;
    execFileSync('script', ['-qec', `age -p -o ${path}.age ${path}`, '/dev/null'], { input: `${pass}\n${pass}\n` });
    const theirs = readFileSync(`${path}.age`);
    assert.equal(Buffer.from((await openWithPassphrase(pass, theirs))!).toString(), 'from age');
    assert.equal(await openWithPassphrase('wrong passphrase!', theirs), undefined);
  });
});

/** Ciphertext and test plaintext only: nothing here is a real secret. */
function writeTemp(content: Uint8Array): string {
  const path = `${tempDir('kvgit-age-')}/f`;
  writeFileSync(path, content);
  return path;
}
