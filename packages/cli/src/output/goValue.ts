/**
 * Values printed the way Vault's CLI prints them with Go's `%v`: JSON null is `<nil>`, maps are
 * `map[k:v …]` with sorted keys, slices `[a b]`. Numbers print as their JSON literal (Vault's API
 * client decodes with UseNumber).
 */
import { formatDuration } from '@kvgit/core/time';

export function goString(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${sortedKeys(o).map((k) => `${k}:${goString(o[k])}`).join(' ')}]`;
  }
  return String(v);
}

/** Go sorts map keys bytewise (sort.Strings), not in JavaScript's integer-first property order. */
export function sortedKeys(o: object): string[] {
  return Object.keys(o).sort(compareBytes);
}

export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Go's len() of a string: UTF-8 bytes. */
export function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/**
 * Vault's humanDurationInt: under a key that looks like a duration (ttl, *_period…), an integer
 * is printed as a Go duration without its zero units ("1h", "1m30s").
 */
export function looksLikeDuration(k: string): boolean {
  return k === 'period' || k.endsWith('_period') || k === 'ttl' || k.endsWith('_ttl') || k === 'duration' || k.endsWith('_duration') || k === 'lease_max' || k === 'ttl_max';
}

export function humanDuration(seconds: number): string {
  // Go's Duration.String() with its zero units dropped: "1h0m0s" → "1h", "1h0m30s" → "1h30s".
  let out = formatDuration(seconds);
  if (out.endsWith('m0s')) out = out.slice(0, -2);
  const idx = out.indexOf('h0m');
  if (idx > 0) out = out.slice(0, idx + 1) + out.slice(idx + 3);
  return out;
}
