/**
 * Bech32 (BIP 173), the encoding of age keys: "age1…" recipients and "AGE-SECRET-KEY-1…"
 * identities. Small and direct, because it runs on every CLI start.
 */
const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
/** Character code to 5-bit value (-1: not in the charset). */
const VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < CHARSET.length; i++) VALUES[CHARSET.charCodeAt(i)] = i;

// The generator's five terms written out, not looped over: this runs cold on every CLI start,
// where each bytecode counts, for every identity and recipient read.
function polymodStep(chk: number, v: number): number {
  const top = chk >>> 25;
  chk = ((chk & 0x1ffffff) << 5) ^ v;
  if (top & 1) chk ^= 0x3b6a57b2;
  if (top & 2) chk ^= 0x26508e6d;
  if (top & 4) chk ^= 0x1ea119fa;
  if (top & 8) chk ^= 0x3d4233dd;
  if (top & 16) chk ^= 0x2a1462b3;
  return chk;
}

function polymod(values: number[]): number {
  let chk = 1;
  for (const v of values) chk = polymodStep(chk, v);
  return chk;
}

function hrpExpand(hrp: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) >>> 5);
  out.push(0);
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) & 31);
  return out;
}

function convert(data: ArrayLike<number>, from: number, to: number, pad: boolean): number[] | undefined {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  const max = (1 << to) - 1;
  for (let i = 0; i < data.length; i++) {
    acc = (acc << from) | data[i]!;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >>> bits) & max);
    }
    acc &= (1 << bits) - 1;
  }
  if (pad) {
    if (bits > 0) out.push((acc << (to - bits)) & max);
  } else if (bits >= from || ((acc << (to - bits)) & max) !== 0) return undefined;
  return out;
}

export function bech32Encode(hrp: string, bytes: Uint8Array): string {
  const words = convert(bytes, 8, 5, true)!;
  const mod = polymod([...hrpExpand(hrp), ...words, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = [0, 1, 2, 3, 4, 5].map((i) => (mod >>> (5 * (5 - i))) & 31);
  return `${hrp}1${[...words, ...checksum].map((w) => CHARSET[w]).join('')}`;
}

/** Decodes a lowercase bech32 string with the given human-readable part; undefined if invalid. */
export function bech32Decode(hrp: string, s: string): Uint8Array | undefined {
  if (!s.startsWith(`${hrp}1`) || s.length < hrp.length + 8) return undefined;
  let chk = 1;
  for (let i = 0; i < hrp.length; i++) chk = polymodStep(chk, hrp.charCodeAt(i) >>> 5);
  chk = polymodStep(chk, 0);
  for (let i = 0; i < hrp.length; i++) chk = polymodStep(chk, hrp.charCodeAt(i) & 31);
  const words = new Uint8Array(s.length - hrp.length - 1);
  for (let i = 0; i < words.length; i++) {
    const c = s.charCodeAt(hrp.length + 1 + i);
    const w = c < 128 ? VALUES[c]! : -1;
    if (w === -1) return undefined;
    words[i] = w;
    chk = polymodStep(chk, w);
  }
  if (chk !== 1) return undefined;
  const bytes = convert(words.subarray(0, -6), 5, 8, false);
  return bytes ? new Uint8Array(bytes) : undefined;
}
