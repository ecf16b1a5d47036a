/**
 * Tokens and policies, kept in the store under ext/server/ (one commit per change). A token is
 * stored only as the SHA-256 of its secret: tokens are 144 random bits, so the hash cannot be
 * reversed, and a reader of the repository learns no usable token. The root token is never
 * stored: it lives in this process as a hash, given at start or generated and printed once.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isKvgitError } from '@kvgit/core';
import { Acl, DEFAULT_POLICY_TEXT, type Policy, parsePolicy } from '../acl/policy';
import type { Generation, StoreState } from '../state';

export const TOKENS_DIR = 'server/tokens';
export const POLICIES_DIR = 'server/policies/acl';

export interface TokenEntry {
  accessor: string;
  policies: string[];
  display_name: string;
  meta: Record<string, string> | null;
  /** Unix seconds. */
  creation_time: number;
  /** Unix seconds; 0 means no expiry. */
  expire_time: number;
  creation_ttl: number;
  path: string;
  orphan: boolean;
  root?: boolean;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A new token secret in Vault's service-token style (`hvs.` + 24 base62 characters). */
export function newTokenSecret(): string {
  let out = '';
  while (out.length < 24) {
    for (const b of randomBytes(32)) {
      // Rejection sampling keeps the characters uniform.
      if (b < 248 && out.length < 24) out += BASE62[b % 62];
    }
  }
  return `hvs.${out}`;
}

export function newAccessor(): string {
  let out = '';
  while (out.length < 24) for (const b of randomBytes(32)) if (b < 248 && out.length < 24) out += BASE62[b % 62];
  return out;
}

export function tokenHash(secret: string): string {
  return createHash('sha256').update(`kvgit-token\n${secret}`, 'utf8').digest('hex');
}

export function normalisePolicyName(name: string): string {
  return name.trim().toLowerCase();
}

const POLICY_NAME = /^[a-z0-9_@=+,~-][a-z0-9_.@=+,~-]{0,127}$/;

export function validPolicyName(name: string): boolean {
  return POLICY_NAME.test(name) && name !== '.' && name !== '..';
}

export class Auth {
  private readonly rootHash: Buffer;
  readonly rootEntry: TokenEntry;
  private readonly acls = new WeakMap<Generation, Map<string, Promise<Acl>>>();

  constructor(private readonly state: StoreState, rootSecret: string) {
    this.rootHash = Buffer.from(tokenHash(rootSecret), 'hex');
    this.rootEntry = {
      accessor: newAccessor(),
      policies: ['root'],
      display_name: 'root',
      meta: null,
      creation_time: Math.floor(Date.now() / 1000),
      expire_time: 0,
      creation_ttl: 0,
      path: 'auth/token/root',
      orphan: true,
      root: true,
    };
  }

  /** The entry for a presented token, or undefined (unknown, expired, or damaged). */
  async lookup(gen: Generation, secret: string): Promise<TokenEntry | undefined> {
    const hash = tokenHash(secret);
    if (timingSafeEqual(Buffer.from(hash, 'hex'), this.rootHash)) return this.rootEntry;
    const entry = await this.state.memo(gen, `token\0${hash}`, async () => {
      const bytes = await this.state.store.readExtFile(`${TOKENS_DIR}/${hash}.json`);
      if (!bytes) return undefined;
      try {
        return JSON.parse(Buffer.from(bytes).toString('utf8')) as TokenEntry;
      } catch {
        return undefined;
      }
    });
    if (!entry || !Array.isArray(entry.policies)) return undefined;
    if (entry.expire_time > 0 && Date.now() / 1000 >= entry.expire_time) return undefined;
    return entry;
  }

  async saveToken(secret: string, entry: TokenEntry): Promise<void> {
    const hash = tokenHash(secret);
    await this.state.write(() =>
      this.state.store.writeExtFiles([{ path: `${TOKENS_DIR}/${hash}.json`, content: Buffer.from(`${JSON.stringify(entry, null, 2)}\n`) }], 'token-create'),
    );
  }

  async revokeToken(secret: string): Promise<void> {
    const hash = tokenHash(secret);
    await this.state.write(async () => {
      if (!(await this.state.store.readExtFile(`${TOKENS_DIR}/${hash}.json`))) return;
      await this.state.store.writeExtFiles([{ path: `${TOKENS_DIR}/${hash}.json`, content: null }], 'token-revoke');
    });
  }

  isRootSecret(secret: string): boolean {
    return timingSafeEqual(Buffer.from(tokenHash(secret), 'hex'), this.rootHash);
  }

  // ---- policies

  /** A stored policy's text; "default" falls back to the built-in one. */
  async policyText(gen: Generation, name: string): Promise<string | undefined> {
    const text = await this.state.memo(gen, `policy\0${name}`, async () => {
      try {
        const bytes = await this.state.store.readExtFile(`${POLICIES_DIR}/${name}.hcl`);
        return bytes ? Buffer.from(bytes).toString('utf8') : undefined;
      } catch (e) {
        if (isKvgitError(e, 'ERR_INVALID_REQUEST')) return undefined;
        throw e;
      }
    });
    if (text === undefined && name === 'default') return DEFAULT_POLICY_TEXT;
    return text;
  }

  async policyNames(gen: Generation): Promise<string[]> {
    // Listing is not a core operation for ext/ files; the names come from the git tree.
    return this.state.memo(gen, 'policy-names', async () => {
      const snap = await this.state.store.storage.snapshot(gen.head && /^[0-9a-f]{40}$/.test(gen.head) ? gen.head : undefined);
      const entries = (await snap.listDir(`ext/${POLICIES_DIR}`)) ?? [];
      const names = entries.filter((e) => e.name.endsWith('.hcl')).map((e) => e.name.slice(0, -4));
      return [...new Set([...names, 'default', 'root'])].sort();
    });
  }

  async writePolicy(name: string, text: string): Promise<void> {
    await this.state.write(() =>
      this.state.store.writeExtFiles([{ path: `${POLICIES_DIR}/${name}.hcl`, content: Buffer.from(text, 'utf8') }], 'policy-write'),
    );
  }

  async deletePolicy(name: string): Promise<void> {
    await this.state.write(async () => {
      if (!(await this.state.store.readExtFile(`${POLICIES_DIR}/${name}.hcl`))) return;
      await this.state.store.writeExtFiles([{ path: `${POLICIES_DIR}/${name}.hcl`, content: null }], 'policy-delete');
    });
  }

  /** The ACL for a set of policy names at this commit (a policy that fails to parse grants nothing). */
  acl(gen: Generation, policies: string[]): Promise<Acl> {
    let perGen = this.acls.get(gen);
    if (!perGen) {
      perGen = new Map();
      this.acls.set(gen, perGen);
    }
    const key = [...policies].sort().join('\0');
    let p = perGen.get(key);
    if (!p) {
      p = (async () => {
        if (policies.includes('root')) return new Acl([], true);
        const parsed: Policy[] = [];
        for (const name of policies) {
          const text = await this.policyText(gen, name);
          if (text === undefined) continue;
          try {
            parsed.push(parsePolicy(name, text));
          } catch {
            // A policy edited by hand into an invalid one grants nothing rather than failing every request.
          }
        }
        return new Acl(parsed);
      })();
      perGen.set(key, p);
      p.catch(() => perGen!.delete(key));
    }
    return p;
  }
}
