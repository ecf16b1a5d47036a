/**
 * The keyring (docs/FORMAT.md §Keyring): the store key is an age X25519 identity; each member
 * holds it wrapped in keyring/<name>.age, sealed to the member's recipient or passphrase. Adding a
 * member rewrites one small file; blobs are sealed to the store key only.
 */
import { KvgitError } from '../errors';
import { utf8 } from '../bytes/json';
import {
  deriveKey, isX25519Identity, isX25519Recipient, openWithIdentity, openWithPassphrase, recipientOf, sealToRecipients, sealWithPassphrase,
} from '../crypto/age';
import { decodeRecord, encodeRecord, field, isObject, isString } from '../format/records';
import { KEYRING_FILE, keyringEntryFile } from '../format/paths';
import type { Credential } from './identity';

export const KEYRING_KIND = 'keyring/1';
/** scrypt work factor for passphrase members: 2^18, as the age tool uses by default. */
export const PASSPHRASE_LOG_N = 18;

export type Member = { name: string; type: 'x25519'; recipient: string } | { name: string; type: 'passphrase' };

export interface Keyring {
  storeRecipient: string;
  members: Member[];
}

/** The unlocked store key and the keys derived from it. Never logged, never in an error. */
export class StoreKey {
  readonly macKey: Uint8Array;
  private constructor(readonly identity: string, readonly recipient: string) {
    this.macKey = deriveKey(identity, 'record-mac');
  }

  static async from(identity: string): Promise<StoreKey> {
    return new StoreKey(identity, await recipientOf(identity));
  }
}

const MEMBER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export function validateMemberName(name: string): void {
  if (!MEMBER_NAME.test(name)) {
    throw new KvgitError('ERR_INVALID_REQUEST', `invalid member name "${name}": use 1 to 64 letters, digits, ".", "_", "@" or "-"`);
  }
}

export function encodeKeyring(k: Keyring, key: StoreKey): Uint8Array {
  const members: Record<string, unknown> = {};
  for (const m of [...k.members].sort((a, b) => a.name.localeCompare(b.name))) {
    members[m.name] = m.type === 'x25519' ? { type: 'x25519', recipient: m.recipient } : { type: 'passphrase' };
  }
  return encodeRecord(KEYRING_KIND, { store_recipient: k.storeRecipient, members }, key.macKey, 'keyring');
}

export function decodeKeyringUnverified(bytes: Uint8Array): Keyring {
  const r = decodeRecord(bytes, KEYRING_KIND, undefined, 'keyring', KEYRING_FILE);
  const members: Member[] = [];
  for (const [name, raw] of Object.entries(field(r, 'members', isObject, KEYRING_FILE))) {
    if (!isObject(raw)) throw new KvgitError('ERR_CORRUPT', `${KEYRING_FILE}: invalid member ${name}`, { file: KEYRING_FILE });
    if (raw.type === 'x25519' && typeof raw.recipient === 'string') members.push({ name, type: 'x25519', recipient: raw.recipient });
    else if (raw.type === 'passphrase') members.push({ name, type: 'passphrase' });
    else throw new KvgitError('ERR_CORRUPT', `${KEYRING_FILE}: member ${name} has an unknown type`, { file: KEYRING_FILE });
  }
  return { storeRecipient: field(r, 'store_recipient', isString, KEYRING_FILE), members };
}

export function verifyKeyring(bytes: Uint8Array, key: StoreKey): void {
  const k = decodeKeyringUnverified(bytes);
  decodeRecord(bytes, KEYRING_KIND, key.macKey, 'keyring', KEYRING_FILE);
  if (k.storeRecipient !== key.recipient) {
    throw new KvgitError('ERR_INTEGRITY', `${KEYRING_FILE} names another store key than the one its members hold`, { file: KEYRING_FILE });
  }
}

export async function wrapForMember(member: Member, storeKey: StoreKey, secret?: { passphrase?: string }): Promise<Uint8Array> {
  const plain = utf8.encode(`${storeKey.identity}\n`);
  if (member.type === 'x25519') {
    if (!isX25519Recipient(member.recipient)) {
      throw new KvgitError('ERR_INVALID_REQUEST', `"${member.recipient}" is not an age X25519 recipient (age1…)`);
    }
    return sealToRecipients([member.recipient], plain);
  }
  if (!secret?.passphrase) throw new KvgitError('ERR_INVALID_REQUEST', `a passphrase member needs a passphrase`);
  return sealWithPassphrase(secret.passphrase, plain, PASSPHRASE_LOG_N);
}

/**
 * Finds the member a credential belongs to and unwraps the store key with it. X25519 identities
 * are matched by recipient (one decryption); a passphrase is tried on passphrase members.
 */
export async function unwrapStoreKey(
  keyring: Keyring,
  credentials: Credential[],
  readEntry: (file: string) => Promise<Uint8Array | undefined>,
): Promise<{ key: StoreKey; member: string; source: string } | undefined> {
  for (const c of credentials) {
    const candidates: Member[] = [];
    if (c.kind === 'x25519') {
      const recipient = await recipientOf(c.identity);
      candidates.push(...keyring.members.filter((m) => m.type === 'x25519' && m.recipient === recipient));
    } else {
      candidates.push(...keyring.members.filter((m) => m.type === 'passphrase'));
    }
    for (const m of candidates) {
      const file = keyringEntryFile(m.name);
      const wrapped = await readEntry(file);
      if (!wrapped) throw new KvgitError('ERR_CORRUPT', `${file} is missing for member ${m.name}`, { file });
      const plain = c.kind === 'x25519' ? await openWithIdentity(c.identity, wrapped) : await openWithPassphrase(c.passphrase, wrapped);
      if (!plain) {
        if (c.kind === 'passphrase') continue;
        throw new KvgitError('ERR_INTEGRITY', `${file} cannot be opened by member ${m.name}'s identity (tampered or replaced)`, { file });
      }
      const identity = utf8.decode(plain).trim();
      if (!isX25519Identity(identity)) throw new KvgitError('ERR_CORRUPT', `${file} does not hold a store key`, { file });
      return { key: await StoreKey.from(identity), member: m.name, source: c.source };
    }
  }
  return undefined;
}
