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

function readIdentityFile(path: string, source: string, checkMode: boolean): string[] | undefined {
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

/** One place an identity can come from; read only when the sources before it did not unlock. */
interface CredentialSource {
  name: string;
  /** The credentials this source holds (none when it is not set); throws when it is set but unusable. */
  read(): Credential[];
}

/** The sources in precedence order (docs/KEYS.md). */
function credentialSources(opts: CredentialSources): CredentialSource[] {
  const env = opts.env ?? process.env;
  const configPath = configIdentityPath(env);
  const x25519 = (source: string, ids: string[] | undefined): Credential[] => (ids ?? []).map((identity) => ({ kind: 'x25519', identity, source }));
  return [
    { name: 'KVGIT_IDENTITY', read: () => (env.KVGIT_IDENTITY ? x25519('KVGIT_IDENTITY', parseIdentityText(env.KVGIT_IDENTITY, 'KVGIT_IDENTITY')) : []) },
    {
      name: 'KVGIT_IDENTITY_FILE',
      read: () => {
        const path = env.KVGIT_IDENTITY_FILE;
        if (!path) return [];
        const source = `KVGIT_IDENTITY_FILE (${path})`;
        const ids = readIdentityFile(path, source, false);
        if (!ids) throw new KvgitError('ERR_NO_IDENTITY', `KVGIT_IDENTITY_FILE names ${path}, which does not exist`, { file: path });
        return x25519(source, ids);
      },
    },
    { name: 'KVGIT_PASSPHRASE', read: () => (env.KVGIT_PASSPHRASE ? [{ kind: 'passphrase', passphrase: env.KVGIT_PASSPHRASE, source: 'KVGIT_PASSPHRASE' }] : []) },
    { name: configPath, read: () => x25519(configPath, readIdentityFile(configPath, configPath, true)) },
    ...(opts.extra ?? []).map((c) => ({ name: c.source, read: () => [c] })),
  ];
}

/**
 * Tries the sources in precedence order and stops at the first whose credentials `use` accepts, so
 * a later source is not even read when an earlier one serves (a config identity file with a bad
 * mode does not block KVGIT_IDENTITY). Returns what `use` returned, the credentials read and the
 * sources tried, for the error when nothing served.
 */
export async function firstServing<T>(
  opts: CredentialSources,
  use: (credentials: Credential[]) => Promise<T | undefined>,
): Promise<{ found: T | undefined; credentials: Credential[]; tried: string[] }> {
  const credentials: Credential[] = [];
  const tried: string[] = [];
  for (const source of credentialSources(opts)) {
    tried.push(source.name);
    const read = source.read();
    if (read.length === 0) continue;
    credentials.push(...read);
    const found = await use(read);
    if (found !== undefined) return { found, credentials, tried };
  }
  return { found: undefined, credentials, tried };
}

/** All credentials the environment offers, in precedence order, plus the list of sources tried. */
export async function gatherCredentials(opts: CredentialSources = {}): Promise<{ credentials: Credential[]; tried: string[] }> {
  return firstServing(opts, async () => undefined);
}

/** The identity in the user's config folder, created (mode 0600) when there is none. */
export async function ensureConfigIdentity(env: NodeJS.ProcessEnv = process.env): Promise<{ identity: string; recipient: string; path: string; created: boolean }> {
  const path = configIdentityPath(env);
  const existing = readIdentityFile(path, path, true);
  if (existing && existing.length > 0) return { identity: existing[0]!, recipient: await recipientOf(existing[0]!), path, created: false };
  const identity = await newX25519Identity();
  const recipient = await recipientOf(identity);
  await fsp.mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await fsp.writeFile(path, `# created by kvgit: ${new Date().toISOString()}\n# public key: ${recipient}\n${identity}\n`, { mode: 0o600, flag: 'wx' });
  return { identity, recipient, path, created: true };
}
