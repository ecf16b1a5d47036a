/**
 * What the kvgit: documents hold and how their text is read back: a version's data as a JSON
 * object; a key's settings and a mount's config as JSON objects of the writable fields only, checked
 * here with the same rules the core applies (the core checks again on save). Problems carry text
 * offsets so the editor can underline them.
 */
import { type Node, type ParseError, findNodeAtLocation, parse, parseTree, printParseErrorCode } from 'jsonc-parser';
import type { Config, Metadata } from '../model/storeModel';

export interface Problem {
  message: string;
  offset: number;
  length: number;
}

export function renderJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function metadataDocument(meta: Metadata): Record<string, unknown> {
  return {
    max_versions: meta.max_versions,
    cas_required: meta.cas_required,
    delete_version_after: meta.delete_version_after,
    custom_metadata: meta.custom_metadata ?? {},
  };
}

export function configDocument(config: Config): Record<string, unknown> {
  return { max_versions: config.max_versions, cas_required: config.cas_required, delete_version_after: config.delete_version_after };
}

type Kind = 'data' | 'metadata' | 'config';

const FIELDS: Record<Exclude<Kind, 'data'>, string[]> = {
  metadata: ['max_versions', 'cas_required', 'delete_version_after', 'custom_metadata'],
  config: ['max_versions', 'cas_required', 'delete_version_after'],
};

/** Go durations as Vault accepts them ("1h30m", "45s", "0s"), or whole seconds. */
const DURATION = /^[+-]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$|^[+-]?\d+d?$|^$/;
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]*$/u;

export interface Parsed {
  value: Record<string, unknown> | undefined;
  problems: Problem[];
}

/** Parses and checks a document's text; `value` is set when the text can be saved. */
export function check(kind: Kind, text: string): Parsed {
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: false, disallowComments: true }) as unknown;
  if (errors.length > 0) {
    return { value: undefined, problems: errors.map((e) => ({ message: `JSON: ${printParseErrorCode(e.error)}`, offset: e.offset, length: Math.max(1, e.length) })) };
  }
  const root = parseTree(text);
  const whole = { offset: root?.offset ?? 0, length: Math.max(1, root?.length ?? text.length) };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const what = kind === 'data' ? 'a secret' : kind === 'metadata' ? 'key metadata' : 'a mount config';
    return { value: undefined, problems: [{ message: `${what} is a JSON object ({ "field": value, … })`, ...whole }] };
  }
  const obj = value as Record<string, unknown>;
  if (kind === 'data') return { value: obj, problems: [] };
  const problems: Problem[] = [];
  const at = (path: (string | number)[], message: string, onKey = false) => {
    const node: Node | undefined = root ? findNodeAtLocation(root, path) : undefined;
    const target = onKey && node?.parent?.children?.[0] ? node.parent.children[0] : node;
    problems.push({ message, offset: target?.offset ?? whole.offset, length: Math.max(1, target?.length ?? whole.length) });
  };
  for (const k of Object.keys(obj)) {
    if (!FIELDS[kind].includes(k)) at([k], `"${k}" is not a ${kind === 'metadata' ? 'key setting' : 'mount setting'}; allowed: ${FIELDS[kind].join(', ')}`, true);
  }
  const mv = obj.max_versions;
  if (mv !== undefined && !(typeof mv === 'number' && Number.isInteger(mv) && mv >= 0)) at(['max_versions'], 'max_versions is a whole number ≥ 0 (0: the mount\'s or the default of 10)');
  if (obj.cas_required !== undefined && typeof obj.cas_required !== 'boolean') at(['cas_required'], 'cas_required is true or false');
  const dva = obj.delete_version_after;
  if (dva !== undefined) {
    const ok = (typeof dva === 'number' && Number.isInteger(dva)) || (typeof dva === 'string' && DURATION.test(dva.trim()));
    if (!ok) at(['delete_version_after'], 'delete_version_after is a duration such as "0s", "30m", "768h" or "30d", or whole seconds');
    else if (kind === 'metadata' && ((typeof dva === 'number' && dva < 0) || (typeof dva === 'string' && dva.trim().startsWith('-')))) at(['delete_version_after'], 'a key\'s delete_version_after cannot be negative');
  }
  if (kind === 'metadata' && obj.custom_metadata !== undefined && obj.custom_metadata !== null) {
    const cm = obj.custom_metadata;
    if (typeof cm !== 'object' || Array.isArray(cm)) at(['custom_metadata'], 'custom_metadata is an object of string values');
    else {
      const entries = Object.entries(cm as Record<string, unknown>);
      if (entries.length > 64) at(['custom_metadata'], `custom_metadata holds at most 64 keys (has ${entries.length})`);
      for (const [k, v] of entries) {
        const bytesK = Buffer.byteLength(k, 'utf8');
        if (bytesK === 0 || bytesK > 128) at(['custom_metadata', k], `a custom_metadata key has 1 to 128 bytes ("${k}" has ${bytesK})`, true);
        else if (!PRINTABLE.test(k)) at(['custom_metadata', k], `custom_metadata key "${k}" holds unprintable characters`, true);
        if (typeof v !== 'string') at(['custom_metadata', k], `custom_metadata values are strings (write "${String(v)}")`);
        else {
          const bytesV = Buffer.byteLength(v, 'utf8');
          if (bytesV === 0 || bytesV > 512) at(['custom_metadata', k], `a custom_metadata value has 1 to 512 bytes (this one has ${bytesV})`);
          else if (!PRINTABLE.test(v)) at(['custom_metadata', k], 'custom_metadata values cannot hold unprintable characters');
        }
      }
    }
  }
  return { value: problems.length === 0 ? obj : undefined, problems };
}
