/**
 * Where the user's identity comes from, in this order (docs/KEYS.md): KVGIT_IDENTITY (the key
 * text), KVGIT_IDENTITY_FILE (a file as age-keygen writes it), KVGIT_PASSPHRASE (passphrase
 * members), then the user's config folder ($XDG_CONFIG_HOME/kvgit/identity.txt). The identity
 * file there must not be readable by others.
 */
import { promises as fsp, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { KvgitError } from '../errors';
import { isX25519Identity, newX25519Identity, recipientOf } from '../crypto/age';

export type Credential =
  | { kind: 'x25519'; identity: string; source: string }
  | { kind: 'passphrase'; passphrase: string; source: string };

export function configIdentityPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'kvgit', 'identity.txt');
}

/** Extracts the AGE-SECRET-KEY-1… lines of an identity file; comments and blank lines are skipped. */
export function parseIdentityText(text: string, source: string): string[] {
  const ids: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (!isX25519Identity(line)) {
      throw new KvgitError('ERR_NO_IDENTITY', `${source} holds something that is not an age X25519 identity (AGE-SECRET-KEY-1…)`, { hint: 'generate one with `age-keygen`' });
    }
    ids.push(line);
  }
  return ids;
}

async function readIdentityFile(path: string, source: string, checkMode: boolean): Promise<string[] | undefined> {
  let st;
  try {
    st = statSync(path);
  } catch {
    return undefined;
  }
  if (checkMode && (st.mode & 0o077) !== 0) {
    throw new KvgitError('ERR_NO_IDENTITY', `${path} can be read by other users (mode ${(st.mode & 0o777).toString(8)}); refusing to use it`, { file: path, hint: `chmod 600 ${path}` });
  }
  return parseIdentityText(readFileSync(path, 'utf8'), source);
}

export interface CredentialSources {
  env?: NodeJS.ProcessEnv;
  /** Extra credentials from the front end (the editor's SecretStorage, a prompt), tried last. */
  extra?: Credential[];
}

/** All credentials the environment offers, in precedence order, plus the list of sources tried. */
export async function gatherCredentials(opts: CredentialSources = {}): Promise<{ credentials: Credential[]; tried: string[] }> {
  const env = opts.env ?? process.env;
  const credentials: Credential[] = [];
  const tried: string[] = [];
  tried.push('KVGIT_IDENTITY');
  if (env.KVGIT_IDENTITY) {
    for (const identity of parseIdentityText(env.KVGIT_IDENTITY, 'KVGIT_IDENTITY')) credentials.push({ kind: 'x25519', identity, source: 'KVGIT_IDENTITY' });
  }
  tried.push('KVGIT_IDENTITY_FILE');
  if (env.KVGIT_IDENTITY_FILE) {
    const ids = await readIdentityFile(env.KVGIT_IDENTITY_FILE, `KVGIT_IDENTITY_FILE (${env.KVGIT_IDENTITY_FILE})`, false);
    if (!ids) throw new KvgitError('ERR_NO_IDENTITY', `KVGIT_IDENTITY_FILE names ${env.KVGIT_IDENTITY_FILE}, which does not exist`, { file: env.KVGIT_IDENTITY_FILE });
    for (const identity of ids) credentials.push({ kind: 'x25519', identity, source: `KVGIT_IDENTITY_FILE (${env.KVGIT_IDENTITY_FILE})` });
  }
  tried.push('KVGIT_PASSPHRASE');
  if (env.KVGIT_PASSPHRASE) credentials.push({ kind: 'passphrase', passphrase: env.KVGIT_PASSPHRASE, source: 'KVGIT_PASSPHRASE' });
  const configPath = configIdentityPath(env);
  tried.push(configPath);
  const ids = await readIdentityFile(configPath, configPath, true);
  for (const identity of ids ?? []) credentials.push({ kind: 'x25519', identity, source: configPath });
  for (const c of opts.extra ?? []) {
    tried.push(c.source);
    credentials.push(c);
  }
  return { credentials, tried };
}

/** The identity in the user's config folder, created (mode 0600) when there is none. */
export async function ensureConfigIdentity(env: NodeJS.ProcessEnv = process.env): Promise<{ identity: string; recipient: string; path: string; created: boolean }> {
  const path = configIdentityPath(env);
  const existing = await readIdentityFile(path, path, true);
  if (existing && existing.length > 0) return { identity: existing[0]!, recipient: await recipientOf(existing[0]!), path, created: false };
  const identity = await newX25519Identity();
  const recipient = await recipientOf(identity);
  await fsp.mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await fsp.writeFile(path, `# created by kvgit: ${new Date().toISOString()}\n# public key: ${recipient}\n${identity}\n`, { mode: 0o600, flag: 'wx' });
  return { identity, recipient, path, created: true };
}
