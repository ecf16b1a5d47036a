/**
 * JSON as Vault's CLI prints it (Go's json.MarshalIndent with two spaces): map keys sorted
 * bytewise, `<`, `>`, `&`, U+2028 and U+2029 escaped, empty maps and slices as `{}` and `[]`. The
 * response envelope is a Go struct, so its own keys keep their declared order.
 */
import { sortedKeys } from './goValue';

export function goJson(value: unknown, options: { ordered?: boolean } = {}): string {
  return encode(value, '', options.ordered === true);
}

function encode(v: unknown, indent: string, ordered: boolean): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => inner + encode(x, inner, false)).join(',\n')}\n${indent}]`;
  }
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = (ordered ? Object.keys(o) : sortedKeys(o)).filter((k) => o[k] !== undefined);
    if (keys.length === 0) return '{}';
    return `{\n${keys.map((k) => `${inner}${quote(k)}: ${encode(o[k], inner, false)}`).join(',\n')}\n${indent}}`;
  }
  return 'null';
}

const SHORT: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** encoding/json's string encoder (HTML-safe). */
function quote(s: string): string {
  let out = '"';
  for (const c of s) {
    const short = SHORT[c];
    if (short) out += short;
    else if (c < ' ' || c === '<' || c === '>' || c === '&' || c === '\u2028' || c === '\u2029') out += `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    else if (c.length === 1 && c >= '\ud800' && c <= '\udfff') out += '\\ufffd'; // a lone surrogate: Go writes U+FFFD
    else out += c;
  }
  return `${out}"`;
}
