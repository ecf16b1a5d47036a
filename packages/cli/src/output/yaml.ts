/**
 * YAML as Vault's CLI prints it (sigs.k8s.io/yaml: the JSON value emitted by go-yaml v2): every
 * map's keys sorted, sequences at their parent key's indentation, strings plain unless YAML would
 * read them as something else (then double-quoted), multi-line strings as literal blocks. The
 * final newline is trimmed, as Vault does.
 */
import { sortedKeys } from './goValue';

export function goYaml(value: unknown): string {
  return emit(value, '').replace(/\s+$/, '');
}

function emit(v: unknown, indent: string): string {
  if (isMap(v)) {
    const keys = sortedKeys(v);
    if (keys.length === 0) return `${indent}{}\n`;
    return keys.map((k) => entry(scalar(k, indent), v[k], indent)).join('');
  }
  if (Array.isArray(v)) {
    if (v.length === 0) return `${indent}[]\n`;
    return v.map((x) => item(x, indent)).join('');
  }
  return `${indent}${scalar(v, indent)}\n`;
}

function entry(key: string, v: unknown, indent: string): string {
  if (isMap(v) && Object.keys(v).length > 0) return `${indent}${key}:\n${emit(v, `${indent}  `)}`;
  if (Array.isArray(v) && v.length > 0) return `${indent}${key}:\n${emit(v, indent)}`;
  return `${indent}${key}: ${inline(v, indent)}\n`;
}

function item(v: unknown, indent: string): string {
  if (isMap(v) && Object.keys(v).length > 0) {
    const body = emit(v, `${indent}  `);
    return `${indent}- ${body.slice(indent.length + 2)}`;
  }
  if (Array.isArray(v) && v.length > 0) {
    const body = emit(v, `${indent}  `);
    return `${indent}- ${body.slice(indent.length + 2)}`;
  }
  return `${indent}- ${inline(v, indent)}\n`;
}

function inline(v: unknown, indent: string): string {
  if (isMap(v)) return '{}';
  if (Array.isArray(v)) return '[]';
  return scalar(v, indent);
}

const SPECIAL_PLAIN = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const NUMBER_LIKE = /^[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$|^0x[0-9a-fA-F_]+$|^0o?[0-7_]+$|^0b[01_]+$|^[-+]?\d[\d_]*(?::[0-5]?\d)+(?:\.\d*)?$/;
const TIMESTAMP_LIKE = /^\d{4}-\d\d?-\d\d?(?:(?:[Tt]|\s+)\d\d?:\d\d:\d\d(?:\.\d*)?(?:\s*(?:Z|[-+]\d\d?(?::\d\d)?))?)?$/;

function scalar(v: unknown, indent: string): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '.nan';
  const s = String(v);
  // A literal block keeps the text exactly when it has no leading blank, control characters, or
  // more than one trailing newline; anything else is double-quoted.
  if (s.includes('\n') && !/^\s|[\x00-\x09\x0b-\x1f\x7f]|\n\n$/.test(s)) {
    const chomp = s.endsWith('\n') ? '' : '-';
    const lines = (chomp === '' ? s.slice(0, -1) : s).split('\n');
    return `|${chomp}\n${lines.map((l) => (l === '' ? '' : `${indent}  ${l}`)).join('\n')}`;
  }
  return plainAllowed(s) ? s : doubleQuoted(s);
}

function plainAllowed(s: string): boolean {
  if (s === '' || SPECIAL_PLAIN.test(s) || NUMBER_LIKE.test(s) || TIMESTAMP_LIKE.test(s)) return false;
  if (/^[\s\-?:,\[\]{}#&*!|>'"%@`]/.test(s) && !/^[-?:][^\s]/.test(s)) return false;
  if (/^-$|^[?:]$|\s$|: |:$| #|[\x00-\x1f\x7f\u0085\u2028\u2029\ufeff]/.test(s)) return false;
  return true;
}

function doubleQuoted(s: string): string {
  let out = '"';
  for (const c of s) {
    if (c === '"') out += '\\"';
    else if (c === '\\') out += '\\\\';
    else if (c === '\n') out += '\\n';
    else if (c === '\t') out += '\\t';
    else if (c === '\r') out += '\\r';
    else if (c < ' ' || c === '\x7f') out += `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += c;
  }
  return `${out}"`;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
