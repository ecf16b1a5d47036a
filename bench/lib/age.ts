/**
 * A minimal age v1 X25519 encrypter (C2SP age spec) on node:crypto's native X25519, HKDF and
 * ChaCha20-Poly1305. The data generator needs ~100,000 distinct version blobs for a 10,000-key
 * store; this makes them in a fraction of the time the JavaScript implementation needs. Every
 * file it makes is checked by the stock `age -d` and by kvgit itself before anything is timed.
 * It also serves as the measurement behind the "native age" fix proposed in the report.
 */
import { createCipheriv, createDecipheriv, createHmac, createPrivateKey, createPublicKey, diffieHellman, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

/** Bech32 payload bytes of an age recipient ("age1…") or identity ("AGE-SECRET-KEY-1…"). */
export function bech32Bytes(s: string): Buffer {
  const lower = s.toLowerCase();
  const sep = lower.lastIndexOf('1');
  const data = [...lower.slice(sep + 1, -6)].map((c) => {
    const v = CHARSET.indexOf(c);
    if (v < 0) throw new Error('invalid bech32 character');
    return v;
  });
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const v of data) {
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64').replace(/=+$/, '');

// DER wrappers of raw X25519 keys (RFC 8410). DER, not JWK and not generateKeyPairSync: in
// Node 20 those two together can deadlock in a GC callback (KeyGenJob's destructor).
const SPKI = Buffer.from('302a300506032b656e032100', 'hex');
const PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');

export function x25519PublicKey(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI, raw]), format: 'der', type: 'spki' });
}

export function x25519PrivateKey(raw: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8, raw]), format: 'der', type: 'pkcs8' });
}

function rawPublic(k: KeyObject): Buffer {
  return (k.type === 'private' ? createPublicKey(k) : k).export({ format: 'der', type: 'spki' }).subarray(SPKI.length);
}

function seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Buffer {
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  return Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
}

function open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array): Buffer {
  const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]);
}

const hkdf = (ikm: Uint8Array, salt: Uint8Array, info: string) => Buffer.from(hkdfSync('sha256', ikm, salt, info, 32));
const CHUNK = 64 * 1024;

/** Encrypts to one X25519 recipient (binary age file). */
export function encryptX25519(recipient: string | { key: KeyObject; raw: Buffer }, plaintext: Uint8Array): Buffer {
  const r = typeof recipient === 'string' ? { raw: bech32Bytes(recipient), key: x25519PublicKey(bech32Bytes(recipient)) } : recipient;
  const fileKey = randomBytes(16);
  const eph = x25519PrivateKey(randomBytes(32));
  const share = rawPublic(eph);
  const shared = diffieHellman({ privateKey: eph, publicKey: r.key });
  const wrapKey = hkdf(shared, Buffer.concat([share, r.raw]), 'age-encryption.org/v1/X25519');
  const body = seal(wrapKey, Buffer.alloc(12), fileKey);
  const header = `age-encryption.org/v1\n-> X25519 ${b64(share)}\n${b64(body)}\n---`;
  const mac = createHmac('sha256', hkdf(fileKey, Buffer.alloc(0), 'header')).update(header).digest();
  const nonce = randomBytes(16);
  const payloadKey = hkdf(fileKey, nonce, 'payload');
  const chunks: Buffer[] = [];
  const count = Math.max(1, Math.ceil(plaintext.length / CHUNK));
  for (let i = 0; i < count; i++) {
    const n = Buffer.alloc(12);
    n.writeUIntBE(i, 5, 6);
    if (i === count - 1) n[11] = 1;
    chunks.push(seal(payloadKey, n, plaintext.subarray(i * CHUNK, (i + 1) * CHUNK)));
  }
  return Buffer.concat([Buffer.from(`${header} ${b64(mac)}\n`), nonce, ...chunks]);
}

/** Decrypts a binary age file with one X25519 identity (no armor; enough for the bench's own files). */
export function decryptX25519(identity: KeyObject, file: Uint8Array): Buffer {
  const buf = Buffer.from(file);
  const end = buf.indexOf('\n---');
  const headerEnd = buf.indexOf('\n', end + 1);
  const lines = buf.subarray(0, end).toString('latin1').split('\n');
  const share = Buffer.from(lines[1]!.split(' ')[2]!, 'base64');
  const body = Buffer.from(lines[2]!, 'base64');
  const shared = diffieHellman({ privateKey: identity, publicKey: x25519PublicKey(share) });
  const wrapKey = hkdf(shared, Buffer.concat([share, rawPublic(identity)]), 'age-encryption.org/v1/X25519');
  const fileKey = open(wrapKey, Buffer.alloc(12), body);
  const mac = createHmac('sha256', hkdf(fileKey, Buffer.alloc(0), 'header')).update(buf.subarray(0, end + 4)).digest();
  if (!mac.equals(Buffer.from(buf.subarray(end + 5, headerEnd).toString('latin1'), 'base64'))) throw new Error('age header MAC mismatch');
  const nonce = buf.subarray(headerEnd + 1, headerEnd + 17);
  const payloadKey = hkdf(fileKey, nonce, 'payload');
  const payload = buf.subarray(headerEnd + 17);
  const out: Buffer[] = [];
  const count = Math.max(1, Math.ceil(payload.length / (CHUNK + 16)));
  for (let i = 0; i < count; i++) {
    const n = Buffer.alloc(12);
    n.writeUIntBE(i, 5, 6);
    if (i === count - 1) n[11] = 1;
    out.push(open(payloadKey, n, payload.subarray(i * (CHUNK + 16), (i + 1) * (CHUNK + 16))));
  }
  return Buffer.concat(out);
}
