/**
 * Flags the way Vault's CLI reads them (Go's flag package under Vault's FlagSets): `-name=value`,
 * `-name value`, `--name`, bool flags bare or `-name=false`, repeatable slice and map flags. Two
 * kindnesses beyond Vault: a known flag after a positional argument is still a flag (Vault only
 * warns), and `--` ends the flags (exec takes the command after it).
 */
import type { Flag, FlagValue, Input } from './command';
import { usageError } from './errors';

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** strconv.ParseBool. */
export function parseBool(s: string): boolean | undefined {
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  return undefined;
}

export function parseArgs(argv: string[], flags: Flag[]): Input {
  const byName = new Map<string, Flag>();
  // The first definition of a name wins: a command's own -format (export, import) shadows the global one.
  for (const f of flags) {
    for (const n of [f.name, ...(f.aliases ?? [])]) if (!byName.has(n)) byName.set(n, f);
  }
  const values: Record<string, FlagValue | undefined> = {};
  const args: string[] = [];
  let rest: string[] | undefined;

  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      rest = argv.slice(i + 1);
      break;
    }
    if (a === '-' || a === '' || !a.startsWith('-')) {
      args.push(a);
      continue;
    }
    const body = a.startsWith('--') ? a.slice(2) : a.slice(1);
    if (body === '' || body.startsWith('-') || body.startsWith('=')) throw usageError(`bad flag syntax: ${a}`);
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const spec = byName.get(name);
    if (!spec) {
      // After a positional argument an unknown "-x" is data (a K=V pair), as in Vault.
      if (args.length > 0) {
        args.push(a);
        continue;
      }
      throw usageError(`flag provided but not defined: -${name}`);
    }
    let raw: string | undefined = eq === -1 ? undefined : body.slice(eq + 1);
    if (spec.type === 'bool' || spec.type === 'boolptr') {
      const v = raw === undefined ? true : parseBool(raw);
      // Vault quotes the value; kvgit does not, as it may be a secret given to the wrong flag.
      if (v === undefined) throw usageError(`invalid boolean value for -${name}: parse error (use true or false)`);
      values[spec.name] = v;
      continue;
    }
    if (raw === undefined) {
      if (i + 1 >= argv.length) throw usageError(`flag needs an argument: -${name}`);
      raw = argv[++i]!;
    }
    values[spec.name] = setValue(spec, name, raw, values[spec.name]);
  }
  return { flags: values, args, rest };
}

const DIGITS: Record<number, RegExp> = { 2: /^[01]+(_[01]+)*$/, 8: /^[0-7]+(_[0-7]+)*$/, 10: /^\d+(_\d+)*$/, 16: /^[0-9a-f]+(_[0-9a-f]+)*$/i };

/**
 * strconv.ParseInt(s, 0, 64), as Vault's int flags read them: 0x, 0o and 0b prefixes, a leading 0
 * for octal, underscores between digits; 'range' beyond 64 bits.
 */
function parseGoInt(s: string): number | 'range' | undefined {
  const negative = s.startsWith('-');
  let t = /^[-+]/.test(s) ? s.slice(1) : s;
  let base = 10;
  const prefix = /^0([xob])/i.exec(t);
  if (prefix) {
    base = { x: 16, o: 8, b: 2 }[prefix[1]!.toLowerCase() as 'x' | 'o' | 'b'];
    t = t.slice(2).replace(/^_/, '');
  } else if (/^0[\d_]/.test(t)) {
    base = 8;
    t = t.slice(1).replace(/^_/, '');
  }
  if (!DIGITS[base]!.test(t)) return undefined;
  const magnitude = BigInt(`${{ 2: '0b', 8: '0o', 10: '', 16: '0x' }[base]}${t.replace(/_/g, '')}`);
  const value = negative ? -magnitude : magnitude;
  if (value > 2n ** 63n - 1n || value < -(2n ** 63n)) return 'range';
  return Number(value);
}

function setValue(spec: Flag, name: string, raw: string, previous: FlagValue | undefined): FlagValue {
  switch (spec.type) {
    case 'string':
    case 'duration': // parsed by the command (kv/flags.ts), with the core's duration parser
      return raw;
    case 'int': {
      const v = parseGoInt(raw.trim());
      if (v === 'range') throw usageError(`invalid value "${raw}" for flag -${name}: value out of range`);
      if (v === undefined) throw usageError(`invalid value "${raw}" for flag -${name}: parse error`);
      return v;
    }
    case 'strings':
      return [...((previous as string[] | undefined) ?? []), raw.trim()];
    case 'map': {
      const idx = raw.indexOf('=');
      if (idx === -1) throw usageError(`invalid value "${raw}" for flag -${name}: missing = in KV pair: "${raw}"`);
      return { ...((previous as Record<string, string> | undefined) ?? {}), [raw.slice(0, idx)]: raw.slice(idx + 1) };
    }
    default:
      throw new Error(`unhandled flag type ${spec.type}`);
  }
}
