/**
 * The only importer of age-encryption and @noble/*. Version blobs and keyring entries are age
 * files (C2SP age v1), so the stock `age` tool can always open them (docs/FORMAT.md §Recovery).
 */
import { randomBytes, scrypt as nodeScrypt } from 'node:crypto';
import { Decrypter, Encrypter, type Identity, type Recipient, Stanza, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

const IDENTITY_RE = /^AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}$/;
const RECIPIENT_RE = /^age1[02-9ac-hj-np-z]{58}$/;

export function isX25519Identity(s: string): boolean {
  return IDENTITY_RE.test(s);
}

export function isX25519Recipient(s: string): boolean {
  return RECIPIENT_RE.test(s);
}

export function newX25519Identity(): Promise<string> {
  return generateX25519Identity();
}

export function recipientOf(identity: string): Promise<string> {
  return identityToRecipient(identity);
}

export async function sealToRecipients(recipients: string[], plaintext: Uint8Array): Promise<Uint8Array> {
  const e = new Encrypter();
  for (const r of recipients) e.addRecipient(r);
  return e.encrypt(plaintext);
}

/*
 * age's scrypt recipient (C2SP age §scrypt), with Node's native scrypt: the JavaScript one takes
 * about ten times longer at the work factor age uses, and a passphrase unlock is on the user's path.
 */
const SCRYPT_LABEL = 'age-encryption.org/v1/scrypt';
const MAX_LOG_N = 20;

function scryptKey(passphrase: string, salt: Uint8Array, logN: number): Promise<Uint8Array> {
  const labelAndSalt = Buffer.concat([Buffer.from(SCRYPT_LABEL), salt]);
  return new Promise((resolve, reject) =>
    nodeScrypt(passphrase.normalize('NFC'), labelAndSalt, 32, { N: 2 ** logN, r: 8, p: 1, maxmem: 256 * 2 ** logN * 8 + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(new Uint8Array(key))),
  );
}

class ScryptRecipient implements Recipient {
  constructor(private readonly passphrase: string, private readonly logN: number) {}
  async wrapFileKey(fileKey: Uint8Array): Promise<Stanza[]> {
    const salt = randomBytes(16);
    const key = await scryptKey(this.passphrase, salt, this.logN);
    const body = chacha20poly1305(key, new Uint8Array(12)).encrypt(fileKey);
    return [new Stanza(['scrypt', Buffer.from(salt).toString('base64').replace(/=+$/, ''), String(this.logN)], body)];
  }
}

class ScryptIdentity implements Identity {
  constructor(private readonly passphrase: string) {}
  async unwrapFileKey(stanzas: Stanza[]): Promise<Uint8Array | null> {
    const s = stanzas.find((x) => x.args[0] === 'scrypt');
    if (!s || stanzas.length !== 1 || s.args.length !== 3 || !/^[1-9][0-9]*$/.test(s.args[2]!)) return null;
    const logN = Number(s.args[2]);
    const salt = Buffer.from(s.args[1]!, 'base64');
    if (logN > MAX_LOG_N || salt.length !== 16 || s.body.length !== 32) return null;
    try {
      return chacha20poly1305(await scryptKey(this.passphrase, salt, logN), new Uint8Array(12)).decrypt(s.body);
    } catch {
      return null;
    }
  }
}

export async function sealWithPassphrase(passphrase: string, plaintext: Uint8Array, logN: number): Promise<Uint8Array> {
  const e = new Encrypter();
  e.addRecipient(new ScryptRecipient(passphrase, logN));
  return e.encrypt(plaintext);
}

/** Returns undefined when the identity cannot open the file or the file fails authentication. */
export async function openWithIdentity(identity: string, file: Uint8Array): Promise<Uint8Array | undefined> {
  const d = new Decrypter();
  d.addIdentity(identity);
  try {
    return await d.decrypt(file);
  } catch {
    return undefined;
  }
}

export async function openWithPassphrase(passphrase: string, file: Uint8Array): Promise<Uint8Array | undefined> {
  const d = new Decrypter();
  d.addIdentity(new ScryptIdentity(passphrase));
  try {
    return await d.decrypt(file);
  } catch {
    return undefined;
  }
}

/** A subkey of the store key for one purpose (HKDF-SHA-256, docs/FORMAT.md §Keys). */
export function deriveKey(storeIdentity: string, purpose: string): Uint8Array {
  return hkdf(sha256, new TextEncoder().encode(storeIdentity), new Uint8Array(0), new TextEncoder().encode(`kvgit/1 ${purpose}`), 32);
}

export function mac(key: Uint8Array, message: Uint8Array): Uint8Array {
  return hmac(sha256, key, message);
}
