/**
 * The only importer of age-encryption and @noble/*. Version blobs and keyring entries are age
 * files (C2SP age v1), so the stock `age` tool can always open them (docs/FORMAT.md §Recovery).
 */
import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
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

export async function sealWithPassphrase(passphrase: string, plaintext: Uint8Array, logN: number): Promise<Uint8Array> {
  const e = new Encrypter();
  e.setPassphrase(passphrase);
  e.setScryptWorkFactor(logN);
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
  d.addPassphrase(passphrase);
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
