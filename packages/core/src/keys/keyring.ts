/**
 * The keyring (docs/FORMAT.md §Keyring): the store key is an age X25519 identity; each member
 * holds it wrapped in keyring/<name>.age, sealed to the member's recipient or passphrase. Adding a
 * member rewrites one small file; blobs are sealed to the store key only.
 */
import { KvgitError } from '../errors';
import { utf8 } from '../bytes/json';
import {
  type X25519Identity, deriveKey, isX25519Identity, isX25519Recipient, newX25519Identity, openWithPassphrase, recipientOf, sealToRecipients, sealWithPassphrase, x25519Identity,
} from '../crypto/age';
import { decodeRecord, encodeRecord, field, isObject, isString } from '../format/records';
import { KEYRING_FILE, keyringEntryFile, memberIdentityFile } from '../format/paths';
import type { Credential } from './identity';

export const KEYRING_KIND = 'keyring/1';
/** scrypt work factor for passphrase members: 2^18, as the age tool uses by default. */
export const PASSPHRASE_LOG_N = 18;

/**
 * Both kinds of member have a recipient the store key is wrapped to. A passphrase member's
 * identity is kept in keyring/<name>.key.age, sealed with the passphrase (scrypt), so rotation
 * can re-wrap the store key for every member without knowing any passphrase.
 */
export interface Member {
  name: string;
  type: 'x25519' | 'passphrase';
  recipient: string;
}

export interface Keyring {
  storeRecipient: string;
  members: Member[];
}

/** The unlocked store key and the keys derived from it. Never logged, never in an error. */
export class StoreKey {
  readonly macKey: Uint8Array;
  private readonly key: X25519Identity;
  private constructor(readonly identity: string) {
    this.macKey = deriveKey(identity, 'record-mac');
    this.key = x25519Identity(identity);
  }

  static async from(identity: string): Promise<StoreKey> {
    return new StoreKey(identity);
  }

  get recipient(): string {
    return this.key.recipient();
  }

  /** Decrypts a version blob (an age file to the store key); undefined when it cannot. */
  open(file: Uint8Array): Promise<Uint8Array | undefined> {
    return this.key.open(file);
  }
}

const MEMBER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export function validateMemberName(name: string): void {
  if (!MEMBER_NAME.test(name) || name.endsWith('.key')) {
    throw new KvgitError('ERR_INVALID_REQUEST', `invalid member name "${name}": use 1 to 64 letters, digits, ".", "_", "@" or "-"`);
  }
}

export function encodeKeyring(k: Keyring, key: StoreKey): Uint8Array {
  const members: Record<string, unknown> = {};
  for (const m of [...k.members].sort((a, b) => a.name.localeCompare(b.name))) {
    members[m.name] = { type: m.type, recipient: m.recipient };
  }
  return encodeRecord(KEYRING_KIND, { store_recipient: k.storeRecipient, members }, key.macKey, 'keyring');
}

export function decodeKeyringUnverified(bytes: Uint8Array): Keyring {
  const r = decodeRecord(bytes, KEYRING_KIND, undefined, 'keyring', KEYRING_FILE);
  const members: Member[] = [];
  for (const [name, raw] of Object.entries(field(r, 'members', isObject, KEYRING_FILE))) {
    if (!isObject(raw)) throw new KvgitError('ERR_CORRUPT', `${KEYRING_FILE}: invalid member ${name}`, { file: KEYRING_FILE });
    if ((raw.type === 'x25519' || raw.type === 'passphrase') && typeof raw.recipient === 'string') members.push({ name, type: raw.type, recipient: raw.recipient });
    else throw new KvgitError('ERR_CORRUPT', `${KEYRING_FILE}: member ${name} has an unknown type`, { file: KEYRING_FILE });
  }
  return { storeRecipient: field(r, 'store_recipient', isString, KEYRING_FILE), members };
}

export function verifyKeyring(bytes: Uint8Array, key: StoreKey): void {
  const k = decodeKeyringUnverified(bytes);
  decodeRecord(bytes, KEYRING_KIND, key.macKey, 'keyring', KEYRING_FILE, 'ERR_KEYRING_TAMPERED');
  if (k.storeRecipient !== key.recipient) {
    throw new KvgitError('ERR_KEYRING_TAMPERED', `${KEYRING_FILE} names another store key than the one its members hold`, { file: KEYRING_FILE });
  }
}

/** keyring/<name>.age: the store key sealed to the member's recipient. */
export async function wrapForMember(member: Member, storeKey: StoreKey): Promise<Uint8Array> {
  if (!isX25519Recipient(member.recipient)) {
    throw new KvgitError('ERR_INVALID_REQUEST', `"${member.recipient}" is not an age X25519 recipient (age1…)`);
  }
  return sealToRecipients([member.recipient], utf8.encode(`${storeKey.identity}\n`));
}

/** A new passphrase member: its own identity, and that identity sealed with the passphrase. */
export async function newPassphraseMember(name: string, passphrase: string, logN = PASSPHRASE_LOG_N): Promise<{ member: Member; sealedIdentity: Uint8Array }> {
  if (passphrase.length < 8) throw new KvgitError('ERR_INVALID_REQUEST', 'a passphrase must have at least 8 characters');
  const identity = await newX25519Identity();
  const member: Member = { name, type: 'passphrase', recipient: await recipientOf(identity) };
  return { member, sealedIdentity: await sealWithPassphrase(passphrase, utf8.encode(`${identity}\n`), logN) };
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
    const own = c.kind === 'x25519' ? x25519Identity(c.identity) : undefined;
    if (own) {
      const recipient = own.recipient();
      candidates.push(...keyring.members.filter((m) => m.type === 'x25519' && m.recipient === recipient));
    } else {
      candidates.push(...keyring.members.filter((m) => m.type === 'passphrase'));
    }
    for (const m of candidates) {
      const file = keyringEntryFile(m.name);
      let identity: X25519Identity;
      if (own) identity = own;
      else if (c.kind === 'passphrase') {
        const sealed = await readEntry(memberIdentityFile(m.name));
        if (!sealed) throw new KvgitError('ERR_KEYRING_TAMPERED', `${memberIdentityFile(m.name)} is missing for passphrase member ${m.name}`, { file: memberIdentityFile(m.name) });
        const opened = await openWithPassphrase(c.passphrase, sealed);
        if (!opened) continue; // another passphrase member's, or a wrong passphrase
        identity = x25519Identity(utf8.decode(opened).trim());
      } else continue;
      const wrapped = await readEntry(file);
      if (!wrapped) throw new KvgitError('ERR_KEYRING_TAMPERED', `${file} is missing for member ${m.name}`, { file });
      const plain = await identity.open(wrapped);
      if (!plain) throw new KvgitError('ERR_KEYRING_TAMPERED', `${file} cannot be opened by member ${m.name}'s identity (tampered or replaced)`, { file });
      const storeIdentity = utf8.decode(plain).trim();
      if (!isX25519Identity(storeIdentity)) throw new KvgitError('ERR_KEYRING_TAMPERED', `${file} does not hold a store key`, { file });
      return { key: await StoreKey.from(storeIdentity), member: m.name, source: c.source };
    }
  }
  return undefined;
}
