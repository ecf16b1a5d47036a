/**
 * ACL policies as Vault parses and evaluates them (vault/policy.go, vault/acl.go): path rules
 * with `*` (prefix glob, only at the end) and `+` (one path segment) wildcards, capabilities
 * including `deny`, and allowed/denied/required parameters. Rules for the same path from several
 * policies merge (union; `deny` wins). A request path is matched by an exact rule first, else by
 * the most specific glob or wildcard rule, in Vault's priority order.
 */
import { isDeepStrictEqual } from 'node:util';
import { type HclItem, type HclObject, type HclValue, HclError, parseHcl } from './hcl';

export const CAP = {
  deny: 1 << 0,
  create: 1 << 1,
  read: 1 << 2,
  update: 1 << 3,
  delete: 1 << 4,
  list: 1 << 5,
  sudo: 1 << 6,
  patch: 1 << 7,
  subscribe: 1 << 8,
  // OpenBao's SCAN operation has its own capability.
  scan: 1 << 9,
} as const;
export type Capability = keyof typeof CAP;

export type Operation = 'read' | 'list' | 'scan' | 'create' | 'update' | 'patch' | 'delete';

type Params = Record<string, unknown[]>;

export interface Permissions {
  bits: number;
  allowed?: Params;
  denied?: Params;
  required?: string[];
}

export interface PathRule {
  /** The path as written, less a trailing `*` when the rule has no `+` segment. */
  path: string;
  isPrefix: boolean;
  hasSegmentWildcards: boolean;
  perms: Permissions;
}

export interface Policy {
  name: string;
  text: string;
  rules: PathRule[];
}

const OLD_POLICIES: Record<string, Capability[]> = {
  deny: ['deny'],
  read: ['read', 'list'],
  write: ['create', 'read', 'update', 'delete', 'list'],
  sudo: ['create', 'read', 'update', 'delete', 'list', 'sudo'],
};

const PATH_KEYS = new Set([
  'comment', 'policy', 'capabilities', 'allowed_parameters', 'denied_parameters', 'required_parameters',
  'min_wrapping_ttl', 'max_wrapping_ttl', 'mfa_methods', 'control_group', 'subscribe_event_types',
]);

export class PolicyError extends Error {}

/** Parses a policy; errors read as Vault's ("failed to parse policy: …"). */
export function parsePolicy(name: string, text: string): Policy {
  let doc: HclObject;
  try {
    doc = parseHcl(text);
  } catch (e) {
    if (e instanceof HclError) throw new PolicyError(`failed to parse policy: ${e.message}`);
    throw e;
  }
  const rules: PathRule[] = [];
  try {
    for (const item of doc.items) {
      if (item.key === 'name') continue;
      if (item.key !== 'path') throw new PolicyError(`invalid key "${item.key}" on line ${item.line}`);
      if (!isObject(item.value)) throw new PolicyError(`path: should be an object`);
      if (item.labels.length === 1) rules.push(parsePath(item.labels[0]!, item.value));
      else if (item.labels.length === 0) {
        // JSON form: "path": { "<path>": { … }, … }
        for (const p of item.value.items) {
          if (!isObject(p.value)) throw new PolicyError(`path "${p.key}": should be an object`);
          rules.push(parsePath(p.key, p.value));
        }
      } else throw new PolicyError(`path: expected one label`);
    }
  } catch (e) {
    if (e instanceof PolicyError) throw new PolicyError(`failed to parse policy: ${e.message.replace(/^failed to parse policy: /, '')}`);
    throw e;
  }
  return { name, text, rules };
}

function isObject(v: HclValue): v is HclObject {
  return typeof v === 'object' && !Array.isArray(v);
}

function parsePath(raw: string, body: HclObject): PathRule {
  let path = raw.replace(/^\/+/, '');
  for (const item of body.items) {
    if (!PATH_KEYS.has(item.key)) throw new PolicyError(`path "${raw}": invalid key "${item.key}" on line ${item.line}`);
  }
  if (path.includes('+*')) throw new PolicyError(`path "${path}": invalid use of wildcards ('+*' is forbidden)`);
  const hasSegmentWildcards = path === '+' || path.includes('/+') || path.startsWith('+/');
  let isPrefix = false;
  if (path.endsWith('*') && !hasSegmentWildcards) {
    path = path.slice(0, -1);
    isPrefix = true;
  }
  const get = (k: string): HclItem | undefined => body.items.filter((i) => i.key === k).pop();
  const caps: string[] = [];
  const policy = get('policy');
  if (policy) {
    const old = typeof policy.value === 'string' ? OLD_POLICIES[policy.value] : undefined;
    if (!old) throw new PolicyError(`path "${raw}": invalid policy "${String(policy.value)}"`);
    caps.push(...old);
  }
  const capabilities = get('capabilities');
  if (capabilities) {
    if (!Array.isArray(capabilities.value) || capabilities.value.some((c) => typeof c !== 'string')) {
      throw new PolicyError(`path "${raw}": capabilities must be a list of strings`);
    }
    caps.push(...(capabilities.value as string[]));
  }
  let bits = 0;
  for (const c of caps) {
    if (c === 'deny') {
      bits = CAP.deny;
      break;
    }
    if (!(c in CAP)) throw new PolicyError(`path "${raw}": invalid capability "${c}"`);
    bits |= CAP[c as Capability];
  }
  const perms: Permissions = { bits };
  const allowed = get('allowed_parameters');
  if (allowed) perms.allowed = parameterMap(raw, allowed.value);
  const denied = get('denied_parameters');
  if (denied) perms.denied = parameterMap(raw, denied.value);
  const required = get('required_parameters');
  if (required) {
    if (!Array.isArray(required.value) || required.value.some((v) => typeof v !== 'string')) {
      throw new PolicyError(`path "${raw}": required_parameters must be a list of strings`);
    }
    perms.required = (required.value as string[]).map((s) => s.toLowerCase());
  }
  if (bits & CAP.deny) {
    delete perms.allowed;
    delete perms.denied;
  }
  return { path, isPrefix, hasSegmentWildcards, perms };
}

function parameterMap(raw: string, v: HclValue): Params {
  if (!isObject(v)) throw new PolicyError(`path "${raw}": parameters must be an object`);
  const out: Params = {};
  for (const item of v.items) {
    const values = Array.isArray(item.value) ? item.value : [item.value];
    out[item.key.toLowerCase()] = values.map(plain);
  }
  return out;
}

function plain(v: HclValue): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object') return Object.fromEntries(v.items.map((i) => [i.key, plain(i.value)]));
  return v;
}

/** Vault's built-in "default" policy, the parts that apply here; a stored "default" replaces it. */
export const DEFAULT_POLICY_TEXT = `# Allow tokens to look up their own properties
path "auth/token/lookup-self" {
    capabilities = ["read"]
}

# Allow tokens to renew themselves
path "auth/token/renew-self" {
    capabilities = ["update"]
}

# Allow tokens to revoke themselves
path "auth/token/revoke-self" {
    capabilities = ["update"]
}

# Allow a token to look up its own capabilities on a path
path "sys/capabilities-self" {
    capabilities = ["update"]
}
`;

interface Candidate {
  firstWildcard: number;
  wildcards: number;
  isPrefix: boolean;
  path: string;
  perms: Permissions;
}

export interface Decision {
  allowed: boolean;
  /** The capabilities of the matching rule (0 when none matched). */
  bits: number;
}

export class Acl {
  readonly root: boolean;
  private readonly exact = new Map<string, Permissions>();
  private readonly prefix = new Map<string, Permissions>();
  private readonly segment = new Map<string, Permissions>();

  constructor(policies: Policy[], root = false) {
    this.root = root;
    for (const p of policies) {
      for (const r of p.rules) {
        const table = r.hasSegmentWildcards ? this.segment : r.isPrefix ? this.prefix : this.exact;
        const existing = table.get(r.path);
        table.set(r.path, existing ? merge(existing, r.perms) : clone(r.perms));
      }
    }
  }

  /** The permissions that govern a path (exact rule, else the most specific glob/wildcard). */
  permissionsFor(path: string, list: boolean): Permissions | undefined {
    const p = path.replace(/^\/+/, '');
    const exact = this.exact.get(p) ?? (list ? this.exact.get(p.replace(/\/$/, '')) : undefined);
    if (exact) return exact;
    const candidates: Candidate[] = [];
    let best: string | undefined;
    for (const k of this.prefix.keys()) if (p.startsWith(k) && (best === undefined || k.length > best.length)) best = k;
    if (best !== undefined) candidates.push({ firstWildcard: best.length, wildcards: 0, isPrefix: true, path: best, perms: this.prefix.get(best)! });
    if (this.segment.size > 0) {
      const parts = p.split('/');
      outer: for (const [full, perms] of this.segment) {
        if (full === '') continue;
        let cur = full;
        const c: Candidate = { firstWildcard: full.indexOf('+'), wildcards: 0, isPrefix: false, path: '', perms };
        if (cur.endsWith('*')) {
          c.isPrefix = true;
          cur = cur.slice(0, -1);
        }
        c.path = cur;
        const segs = cur.split('/');
        if (parts.length < segs.length) continue;
        if (!c.isPrefix && segs.length !== parts.length) continue;
        for (let i = 0; i < segs.length; i++) {
          const s = segs[i]!;
          if (s === '+') c.wildcards++;
          else if (s === parts[i]) continue;
          else if (c.isPrefix && i === segs.length - 1 && parts[i]!.startsWith(s)) continue;
          else continue outer;
        }
        candidates.push(c);
      }
    }
    if (candidates.length === 0) return undefined;
    candidates.sort(lessFirst);
    return candidates[candidates.length - 1]!.perms;
  }

  allow(path: string, op: Operation, data: Record<string, unknown> | undefined): Decision {
    if (this.root) return { allowed: true, bits: ~0 };
    const perms = this.permissionsFor(path, op === 'list');
    if (!perms) return { allowed: false, bits: 0 };
    const bits = perms.bits;
    if (bits & CAP.deny) return { allowed: false, bits };
    if (!(bits & CAP[op])) return { allowed: false, bits };
    if (op === 'read' || op === 'update' || op === 'create' || op === 'patch') {
      const d = data ?? {};
      for (const r of perms.required ?? []) if (!Object.prototype.hasOwnProperty.call(lower(d), r)) return { allowed: false, bits };
      const entries = Object.entries(d);
      if (entries.length === 0) return { allowed: true, bits };
      if (perms.denied && Object.keys(perms.denied).length > 0) {
        if (perms.denied['*']) return { allowed: false, bits };
        for (const [k, v] of entries) {
          const list = perms.denied[k.toLowerCase()];
          if (list && valueInList(v, list)) return { allowed: false, bits };
        }
      }
      if (perms.allowed && Object.keys(perms.allowed).length > 0) {
        const all = perms.allowed['*'] !== undefined;
        if (!(all && Object.keys(perms.allowed).length === 1)) {
          for (const [k, v] of entries) {
            const list = perms.allowed[k.toLowerCase()];
            if (!list && !all) return { allowed: false, bits };
            if (list && !valueInList(v, list)) return { allowed: false, bits };
          }
        }
      }
    }
    return { allowed: true, bits };
  }

  /**
   * Whether any rule grants something at or below a mount's path (vault/acl.go hasMountAccess):
   * sys/internal/ui/mounts describes a mount only to tokens that can use it.
   */
  hasMountAccess(mountPath: string): boolean {
    if (this.root) return true;
    if (!this.capabilities(mountPath).includes('deny')) return true;
    const grants = (p: Permissions) => !(p.bits & CAP.deny) && (p.bits & ~(CAP.deny | CAP.subscribe | CAP.scan)) !== 0;
    for (const table of [this.exact, this.prefix]) {
      for (const [path, perms] of table) if (path.startsWith(mountPath) && grants(perms)) return true;
    }
    const nonExact = this.permissionsFor(mountPath, true);
    return nonExact !== undefined && grants(nonExact);
  }

  /** sys/capabilities-self: the capability names on a path. */
  capabilities(path: string): string[] {
    if (this.root) return ['root'];
    const perms = this.permissionsFor(path, true);
    const bits = perms?.bits ?? 0;
    if (bits === 0 || bits & CAP.deny) return ['deny'];
    const order: Capability[] = ['sudo', 'read', 'list', 'update', 'delete', 'create', 'patch', 'subscribe', 'scan'];
    return order.filter((c) => bits & CAP[c]);
  }
}

/** Sorts ascending by priority, so the winner is last (vault/acl.go CheckAllowedFromNonExactPaths). */
function lessFirst(a: Candidate, b: Candidate): number {
  if (a.firstWildcard !== b.firstWildcard) return a.firstWildcard - b.firstWildcard;
  if (a.isPrefix !== b.isPrefix) return a.isPrefix ? -1 : 1;
  if (a.wildcards !== b.wildcards) return b.wildcards - a.wildcards;
  if (a.path.length !== b.path.length) return a.path.length - b.path.length;
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

function clone(p: Permissions): Permissions {
  return {
    bits: p.bits,
    allowed: p.allowed ? { ...p.allowed } : undefined,
    denied: p.denied ? { ...p.denied } : undefined,
    required: p.required ? [...p.required] : undefined,
  };
}

function merge(a: Permissions, b: Permissions): Permissions {
  if (a.bits & CAP.deny) return a;
  if (b.bits & CAP.deny) return { bits: CAP.deny };
  const out = clone(a);
  out.bits |= b.bits;
  for (const field of ['allowed', 'denied'] as const) {
    const add = b[field];
    if (!add || Object.keys(add).length === 0) continue;
    const target = (out[field] ??= {});
    for (const [k, v] of Object.entries(add)) {
      const cur = target[k];
      // An empty list means "any value" and wins over a list of values.
      target[k] = v.length === 0 || (cur !== undefined && cur.length === 0) ? [] : [...v, ...(cur ?? [])];
    }
  }
  if (b.required) out.required = [...new Set([...(out.required ?? []), ...b.required])];
  return out;
}

function lower(d: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(d).map(([k, v]) => [k.toLowerCase(), v]));
}

function valueInList(v: unknown, list: unknown[]): boolean {
  if (list.length === 0) return true;
  return list.some((el) => {
    if (typeof el === 'string' && typeof v === 'string') return globbedMatch(el, v);
    return isDeepStrictEqual(el, v);
  });
}

function globbedMatch(item: string, val: string): boolean {
  if (item.length < 2) return val === item;
  const pre = item.startsWith('*');
  const suf = item.endsWith('*');
  if (pre && suf) return val.includes(item.slice(1, -1));
  if (pre) return val.endsWith(item.slice(1));
  if (suf) return val.startsWith(item.slice(0, -1));
  return val === item;
}
