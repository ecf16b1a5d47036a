/**
 * Bech32 (BIP 173), the encoding of age keys: "age1…" recipients and "AGE-SECRET-KEY-1…"
 * identities. Small and direct, because it runs on every CLI start.
 */
const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function polymod(values: number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GEN[i]!;
  }
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
  const words: number[] = [];
  for (let i = hrp.length + 1; i < s.length; i++) {
    const w = CHARSET.indexOf(s[i]!);
    if (w === -1) return undefined;
    words.push(w);
  }
  if (polymod([...hrpExpand(hrp), ...words]) !== 1) return undefined;
  const bytes = convert(words.slice(0, -6), 5, 8, false);
  return bytes ? new Uint8Array(bytes) : undefined;
}
