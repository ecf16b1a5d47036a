/**
 * Credentials the editor holds beyond the environment's: one the user picked (a file, a pasted
 * identity, a passphrase), kept in memory while unlocked, and in VS Code's SecretStorage only when
 * the user agreed. Stored per repository (its git directory), as JSON.
 */
import { promises as fsp } from 'node:fs';
import type { Credential } from '@kvgit/core';

/** The part of vscode.SecretStorage used here (it satisfies this shape). */
export interface SecretStore {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
}

const IDENTITY_LINE = /^AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}$/;

export class CredentialVault {
  constructor(private readonly secrets: SecretStore) {}

  private key(gitdir: string): string {
    return `kvgit.credential:${gitdir}`;
  }

  async remembered(gitdir: string): Promise<Credential[]> {
    const raw = await this.secrets.get(this.key(gitdir));
    if (!raw) return [];
    try {
      const c = JSON.parse(raw) as Credential;
      if (c.kind === 'x25519' && typeof c.identity === 'string') return [{ kind: 'x25519', identity: c.identity, source: 'VS Code secret storage' }];
      if (c.kind === 'passphrase' && typeof c.passphrase === 'string') return [{ kind: 'passphrase', passphrase: c.passphrase, source: 'VS Code secret storage' }];
    } catch {
      // an unreadable entry is ignored and replaced on the next "remember"
    }
    return [];
  }

  async remember(gitdir: string, c: Credential): Promise<void> {
    const value = c.kind === 'x25519' ? { kind: c.kind, identity: c.identity } : { kind: c.kind, passphrase: c.passphrase };
    await this.secrets.store(this.key(gitdir), JSON.stringify(value));
  }

  async forget(gitdir: string): Promise<void> {
    await this.secrets.delete(this.key(gitdir));
  }
}

/** The identities in an identity file (age-keygen's format: comments and AGE-SECRET-KEY-1 lines). */
export function identitiesFromText(text: string, source: string): Credential[] {
  const out: Credential[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (!IDENTITY_LINE.test(line)) throw new Error(`${source} holds a line that is not an age X25519 identity (AGE-SECRET-KEY-1…)`);
    out.push({ kind: 'x25519', identity: line, source });
  }
  if (out.length === 0) throw new Error(`${source} holds no age identity`);
  return out;
}

export async function identitiesFromFile(path: string): Promise<Credential[]> {
  return identitiesFromText(await fsp.readFile(path, 'utf8'), path);
}
