/**
 * The only module that does cryptography. Version blobs and keyring entries are age v1 files
 * (C2SP age: https://c2sp.org/age), so the stock `age` tool can always open them
 * (docs/FORMAT.md §5); this file implements the byte-array subset kvgit needs: X25519 and scrypt
 * recipients, the header MAC and the STREAM payload.
 *
 * Primitives: ChaCha20-Poly1305, HKDF, HMAC and SHA-256 come from @noble. Two are the platform's
 * (OpenSSL through node:crypto), for start-up cost on the CLI's path: the X25519 scalar
 * multiplication (a cold BigInt one costs tens of milliseconds; age-encryption likewise hands it to
 * WebCrypto when it can) and scrypt (about ten times faster at age's work factor).
 */
import { createPrivateKey, createPublicKey, diffieHellman, randomBytes, scrypt as nodeScrypt } from 'node:crypto';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bech32Decode, bech32Encode } from '../bytes/bech32';
import { equalBytes } from '../bytes/json';

const INTRO = 'age-encryption.org/v1\n';
const CHUNK = 64 * 1024;
const ZERO_NONCE = new Uint8Array(12);
const enc = new TextEncoder();

// ---- keys

const IDENTITY_RE = /^AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}$/;
const RECIPIENT_RE = /^age1[02-9ac-hj-np-z]{58}$/;

export function isX25519Identity(s: string): boolean {
  return IDENTITY_RE.test(s) && decodeKey(s.toLowerCase(), 'age-secret-key-') !== undefined;
}

export function isX25519Recipient(s: string): boolean {
  return RECIPIENT_RE.test(s) && decodeKey(s, 'age') !== undefined;
}

function decodeKey(s: string, prefix: string): Uint8Array | undefined {
  const bytes = bech32Decode(prefix, s);
  return bytes && bytes.length === 32 ? bytes : undefined;
}

// Private keys go into node:crypto as JWK with an empty `x` where Node allows it (20 and 22 read
// only `d`): that skips OpenSSL's PKCS #8 decoder, about a millisecond on its first use in a
// process. Node 24 checks `x` against `d`, and the public half is what the key is imported to
// compute, so there they go in as PKCS #8 (a fixed prefix, then the scalar). Public keys go in and
// out as JWK (raw bytes), which skips OpenSSL's encoders and decoders.
type PrivateKey = ReturnType<typeof createPrivateKey>;

const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
let privateJwkAccepted = true;

function privateKey(scalar: Uint8Array): PrivateKey {
  if (privateJwkAccepted) {
    try {
      return createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: Buffer.from(scalar).toString('base64url'), x: '' }, format: 'jwk' });
    } catch {
      privateJwkAccepted = false; // this Node checks `x`: PKCS #8 from now on
    }
  }
  const der = Buffer.concat([PKCS8_X25519_PREFIX, scalar]);
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0); // the copy of the scalar; the key object holds its own
  }
}

function publicBytes(key: PrivateKey): Uint8Array {
  // The public half only: exporting the private key's JWK would copy its secret into a string.
  return new Uint8Array(Buffer.from(createPublicKey(key).export({ format: 'jwk' }).x!, 'base64url'));
}

function publicKey(point: Uint8Array) {
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(point).toString('base64url') }, format: 'jwk' });
}

function x25519(key: PrivateKey, point: Uint8Array): Uint8Array {
  return new Uint8Array(diffieHellman({ privateKey: key, publicKey: publicKey(point) }));
}

export async function newX25519Identity(): Promise<string> {
  return bech32Encode('age-secret-key-', randomBytes(32)).toUpperCase();
}

export async function recipientOf(identity: string): Promise<string> {
  const scalar = decodeKey(identity.toLowerCase(), 'age-secret-key-');
  if (!scalar) throw new Error('not an age X25519 identity');
  return bech32Encode('age', publicBytes(privateKey(scalar)));
}

// ---- stanzas

interface Stanza {
  args: string[];
  body: Uint8Array;
}

const b64 = {
  encode: (b: Uint8Array) => Buffer.from(b).toString('base64').replace(/=+$/, ''),
  decode: (s: string): Uint8Array => {
    if (!/^[A-Za-z0-9+/]*$/.test(s)) throw new Error('invalid base64');
    const out = Buffer.from(s, 'base64');
    if (b64.encode(out) !== s) throw new Error('non-canonical base64');
    return new Uint8Array(out);
  },
};

const X25519_LABEL = enc.encode('age-encryption.org/v1/X25519');
const SCRYPT_LABEL = 'age-encryption.org/v1/scrypt';
const MAX_LOG_N = 20;

function wrapX25519(fileKey: Uint8Array, recipient: string): Stanza {
  const point = decodeKey(recipient, 'age');
  if (!point) throw new Error('not an age X25519 recipient');
  const ephemeral = privateKey(randomBytes(32));
  const share = publicBytes(ephemeral);
  const shared = x25519(ephemeral, point);
  const key = hkdf(sha256, shared, concat(share, point), X25519_LABEL, 32);
  return { args: ['X25519', b64.encode(share)], body: chacha20poly1305(key, ZERO_NONCE).encrypt(fileKey) };
}

interface X25519Key {
  key: PrivateKey;
  /** Its public point, part of every stanza's key derivation. */
  ours: Uint8Array;
}

function x25519Key(identity: string): X25519Key | undefined {
  const scalar = decodeKey(identity.toLowerCase(), 'age-secret-key-');
  if (!scalar) return undefined;
  const key = privateKey(scalar);
  return { key, ours: publicBytes(key) };
}

function unwrapX25519(stanzas: Stanza[], { key: own, ours }: X25519Key): Uint8Array | undefined {
  for (const s of stanzas) {
    if (s.args[0] !== 'X25519' || s.args.length !== 2 || s.body.length !== 32) continue;
    const share = b64.decode(s.args[1]!);
    if (share.length !== 32) continue;
    const shared = x25519(own, share);
    if (shared.every((b) => b === 0)) continue;
    const key = hkdf(sha256, shared, concat(share, ours), X25519_LABEL, 32);
    try {
      return chacha20poly1305(key, ZERO_NONCE).decrypt(s.body);
    } catch {
      // another recipient's stanza
    }
  }
  return undefined;
}

function scryptKey(passphrase: string, salt: Uint8Array, logN: number): Promise<Uint8Array> {
  const labelAndSalt = Buffer.concat([Buffer.from(SCRYPT_LABEL), salt]);
  return new Promise((resolve, reject) =>
    nodeScrypt(passphrase, labelAndSalt, 32, { N: 2 ** logN, r: 8, p: 1, maxmem: 256 * 2 ** logN * 8 + (1 << 20) }, (err, key) =>
      err ? reject(err) : resolve(new Uint8Array(key))),
  );
}

async function wrapScrypt(fileKey: Uint8Array, passphrase: string, logN: number): Promise<Stanza> {
  const salt = randomBytes(16);
  const key = await scryptKey(passphrase, salt, logN);
  return { args: ['scrypt', b64.encode(salt), String(logN)], body: chacha20poly1305(key, ZERO_NONCE).encrypt(fileKey) };
}

async function unwrapScrypt(stanzas: Stanza[], passphrase: string): Promise<Uint8Array | undefined> {
  // An scrypt stanza must be the only one (age spec): anything else could be a downgrade.
  const s = stanzas[0];
  if (stanzas.length !== 1 || !s || s.args[0] !== 'scrypt' || s.args.length !== 3 || !/^[1-9][0-9]*$/.test(s.args[2]!)) return undefined;
  const logN = Number(s.args[2]);
  const salt = b64.decode(s.args[1]!);
  if (logN > MAX_LOG_N || salt.length !== 16 || s.body.length !== 32) return undefined;
  try {
    return chacha20poly1305(await scryptKey(passphrase, salt, logN), ZERO_NONCE).decrypt(s.body);
  } catch {
    return undefined;
  }
}

// ---- the file format

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

function encodeStanza(s: Stanza): string {
  const body = b64.encode(s.body);
  const lines: string[] = [];
  for (let i = 0; i <= body.length; i += 64) lines.push(body.slice(i, i + 64));
  // The last body line is always shorter than 64 columns (possibly empty).
  if (lines[lines.length - 1]!.length === 64) lines.push('');
  return `-> ${s.args.join(' ')}\n${lines.join('\n')}\n`;
}

function headerMac(fileKey: Uint8Array, headerNoMac: string): Uint8Array {
  return hmac(sha256, hkdf(sha256, fileKey, new Uint8Array(0), enc.encode('header'), 32), enc.encode(headerNoMac));
}

function streamNonce(counter: number, last: boolean): Uint8Array {
  const n = new Uint8Array(12);
  new DataView(n.buffer).setUint32(7, counter); // counters past 2^32 chunks (256 TiB) are not needed here
  n[11] = last ? 1 : 0;
  return n;
}

function seal(stanzas: Stanza[], fileKey: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const headerNoMac = `${INTRO}${stanzas.map(encodeStanza).join('')}---`;
  const header = `${headerNoMac} ${b64.encode(headerMac(fileKey, headerNoMac))}\n`;
  const nonce = randomBytes(16);
  const key = hkdf(sha256, fileKey, nonce, enc.encode('payload'), 32);
  const chunks: Uint8Array[] = [enc.encode(header), nonce];
  const count = Math.max(1, Math.ceil(plaintext.length / CHUNK));
  for (let i = 0; i < count; i++) {
    chunks.push(chacha20poly1305(key, streamNonce(i, i === count - 1)).encrypt(plaintext.subarray(i * CHUNK, (i + 1) * CHUNK)));
  }
  return concat(...chunks);
}

interface Parsed {
  stanzas: Stanza[];
  headerNoMac: string;
  mac: Uint8Array;
  payload: Uint8Array;
}

function parse(file: Uint8Array): Parsed | undefined {
  const text = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (!text.subarray(0, INTRO.length).equals(Buffer.from(INTRO))) return undefined;
  const stanzas: Stanza[] = [];
  let pos = INTRO.length;
  const line = (): string | undefined => {
    const nl = text.indexOf(0x0a, pos);
    if (nl === -1) return undefined;
    const l = text.subarray(pos, nl).toString('latin1');
    pos = nl + 1;
    return l;
  };
  for (;;) {
    const start = pos;
    const l = line();
    if (l === undefined) return undefined;
    if (l.startsWith('--- ')) {
      const mac = b64.decode(l.slice(4));
      if (mac.length !== 32) return undefined;
      return { stanzas, headerNoMac: text.subarray(0, start + 3).toString('latin1'), mac, payload: new Uint8Array(text.subarray(pos)) };
    }
    if (!l.startsWith('-> ')) return undefined;
    const args = l.slice(3).split(' ');
    if (args.some((a) => a === '')) return undefined;
    let body = '';
    for (;;) {
      const b = line();
      if (b === undefined || b.length > 64) return undefined;
      body += b;
      if (b.length < 64) break;
    }
    stanzas.push({ args, body: b64.decode(body) });
  }
}

function open(parsed: Parsed, fileKey: Uint8Array): Uint8Array | undefined {
  if (!equalBytes(headerMac(fileKey, parsed.headerNoMac), parsed.mac)) return undefined;
  const { payload } = parsed;
  if (payload.length < 16 + 16) return undefined;
  const key = hkdf(sha256, fileKey, payload.subarray(0, 16), enc.encode('payload'), 32);
  const body = payload.subarray(16);
  const out: Uint8Array[] = [];
  const size = CHUNK + 16;
  const count = Math.ceil(body.length / size);
  for (let i = 0; i < count; i++) {
    const chunk = body.subarray(i * size, (i + 1) * size);
    const last = i === count - 1;
    try {
      const plain = chacha20poly1305(key, streamNonce(i, last)).decrypt(chunk);
      // Only the first chunk may be empty, and only a final chunk may be short.
      if (plain.length === 0 && (i > 0 || !last)) return undefined;
      out.push(plain);
    } catch {
      return undefined;
    }
  }
  return concat(...out);
}

// ---- the API the store uses

export async function sealToRecipients(recipients: string[], plaintext: Uint8Array): Promise<Uint8Array> {
  const fileKey = randomBytes(16);
  return seal(recipients.map((r) => wrapX25519(fileKey, r)), fileKey, plaintext);
}

export async function sealWithPassphrase(passphrase: string, plaintext: Uint8Array, logN: number): Promise<Uint8Array> {
  const fileKey = randomBytes(16);
  return seal([await wrapScrypt(fileKey, passphrase, logN)], fileKey, plaintext);
}

/** Returns undefined when the identity cannot open the file or the file fails authentication. */
export async function openWithIdentity(identity: string, file: Uint8Array): Promise<Uint8Array | undefined> {
  return openWith(x25519Key(identity), file);
}

/**
 * An X25519 identity for several uses (its recipient, opening files): the key is imported once,
 * on first use, and lives as long as this object (a store key's: until the store is locked).
 */
export interface X25519Identity {
  recipient(): string;
  open(file: Uint8Array): Promise<Uint8Array | undefined>;
}

export function x25519Identity(identity: string): X25519Identity {
  let key: X25519Key | undefined;
  return {
    recipient() {
      key ??= x25519Key(identity);
      if (!key) throw new Error('not an age X25519 identity');
      return bech32Encode('age', key.ours);
    },
    // Like openWithIdentity: undefined, not an error, when this is no identity at all.
    open: async (file) => openWith((key ??= x25519Key(identity)), file),
  };
}

function openWith(key: X25519Key | undefined, file: Uint8Array): Uint8Array | undefined {
  try {
    const parsed = parse(file);
    const fileKey = parsed && key && unwrapX25519(parsed.stanzas, key);
    return fileKey ? open(parsed, fileKey) : undefined;
  } catch {
    return undefined;
  }
}

export async function openWithPassphrase(passphrase: string, file: Uint8Array): Promise<Uint8Array | undefined> {
  try {
    const parsed = parse(file);
    const fileKey = parsed && (await unwrapScrypt(parsed.stanzas, passphrase));
    return fileKey ? open(parsed, fileKey) : undefined;
  } catch {
    return undefined;
  }
}

/** A subkey of the store key for one purpose (HKDF-SHA-256, docs/FORMAT.md §3.1). */
export function deriveKey(storeIdentity: string, purpose: string): Uint8Array {
  return hkdf(sha256, enc.encode(storeIdentity), new Uint8Array(0), enc.encode(`kvgit/1 ${purpose}`), 32);
}

// A command checks several records with the same MAC key: the HMAC state after the key's blocks
// is kept (as long as the key is) and cloned for each message, two SHA-256 blocks fewer per record.
const keyedMacs = new WeakMap<Uint8Array, ReturnType<typeof hmac.create>>();

export function mac(key: Uint8Array, message: Uint8Array): Uint8Array {
  let keyed = keyedMacs.get(key);
  if (!keyed) keyedMacs.set(key, (keyed = hmac.create(sha256, key)));
  return keyed.clone().update(message).digest();
}
