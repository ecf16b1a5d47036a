/**
 * KV paths as `vault kv` reads them: `<mount>/<key>` (the legacy form) or `-mount=<mount> <key>`.
 * The leading slash is ignored and the path is cleaned as Go's path.Join cleans it. The mount is
 * the longest mount path the path starts with (store.resolvePath); its KV version decides which
 * API a command uses, as Vault's preflight request does.
 */
import { posix } from 'node:path';
import type { Mount, Store } from '@kvgit/core';
import { CliError } from '../errors';
import { EXIT } from '../exitCodes';

export interface KvPath {
  mount: Mount;
  /** The key (or folder) inside the mount, "" for its root. */
  key: string;
  v2: boolean;
}

/** Go's path.Clean without the leading slash: "a//b/../c/" → "a/c", "" → "". */
export function cleanPath(p: string): string {
  const s = p.trim().replace(/^\/+/, '');
  if (s === '') return '';
  const c = posix.normalize(s).replace(/\/+$/, '');
  return c === '.' ? '' : c;
}

export async function resolveKvPath(store: Store, arg: string, mountFlag: string | undefined): Promise<KvPath> {
  const full = mountFlag ? `${cleanPath(mountFlag)}/${cleanPath(arg)}` : cleanPath(arg);
  const { mount, key } = await store.resolvePath(full);
  return { mount, key: cleanPath(key), v2: mount.version === 2 };
}

/** The API path Vault's CLI shows in messages: `secret/data/foo` (v2) or `secret/foo` (v1). */
export function apiPath(p: KvPath, endpoint: 'data' | 'metadata' | 'delete' | 'undelete' | 'destroy' | 'subkeys' | 'config'): string {
  const parts = p.v2 ? [p.mount.path, endpoint, p.key] : [p.mount.path, p.key];
  return posix.join(...parts.filter((x) => x !== '')).replace(/\/+$/, '');
}

/** Vault's messages for verbs that exist only for KV version 2 mounts. */
export function requireV2(p: KvPath, message: string, exitCode: number = EXIT.USAGE): void {
  if (!p.v2) throw new CliError(message, exitCode);
}
