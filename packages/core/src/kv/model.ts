/**
 * The KV v2 data model (reference §1) and the reader/writer interfaces the engine works through.
 * The engine never sees git, files or ciphertext: the store layer implements these interfaces.
 */
import { invalidRequest } from '../errors';
import { formatTime } from '../time';

export const DEFAULT_MAX_VERSIONS = 10;
/** Mount-level delete_version_after stored as −1 s means "disabled" (reference §1 rule 5). */
export const DVA_DISABLED = -1;

export type SecretData = Record<string, unknown>;

export interface VersionMeta {
  created: number; // ms since epoch
  deletion: number | null;
  destroyed: boolean;
}

export interface KeyMetadata {
  key: string;
  versions: Map<number, VersionMeta>;
  currentVersion: number;
  oldestVersion: number;
  created: number;
  updated: number;
  maxVersions: number;
  casRequired: boolean;
  deleteVersionAfter: number; // seconds, never negative
  customMetadata: Record<string, string> | null;
}

export interface MountConfig {
  maxVersions: number;
  casRequired: boolean;
  deleteVersionAfter: number; // seconds; DVA_DISABLED when disabled
}

export interface Mount {
  path: string; // normalised with a trailing slash, e.g. "secret/"
  uuid: string; // names the mount inside every payload, so a move needs no re-encryption
  type: 'kv';
  version: 1 | 2;
  description: string;
  config: MountConfig;
  created: number;
}

export interface Child {
  name: string;
  folder: boolean;
}

/** What the engine reads, at one consistent snapshot of the store. */
export interface KvReader {
  readonly now: number;
  metadata(mount: Mount, key: string): Promise<KeyMetadata | undefined>;
  versionData(mount: Mount, key: string, version: number): Promise<SecretData | undefined>;
  hasVersionData(mount: Mount, key: string, version: number): Promise<boolean>;
  /** Direct children of a folder ("" is the mount root; otherwise ends with "/"). */
  children(mount: Mount, folder: string): Promise<Child[]>;
}

export interface Operation {
  op: string;
  mount: string;
  path?: string;
  versions?: number[];
  /** Versions whose blobs this change removes (trimming, destroy, metadata delete). */
  removed?: number[];
}

/** Buffered edits; the store applies them all as one commit, or none. */
export interface KvWriter extends KvReader {
  putMetadata(mount: Mount, meta: KeyMetadata): void;
  putVersionData(mount: Mount, key: string, version: number, data: SecretData): void;
  removeVersionData(mount: Mount, key: string, version: number): void;
  removeKey(mount: Mount, key: string): void;
  putMount(mount: Mount): void;
  describe(op: Operation): void;
}

export function newKeyMetadata(key: string, now: number): KeyMetadata {
  return {
    key,
    versions: new Map(),
    currentVersion: 0,
    oldestVersion: 0,
    created: now,
    updated: now,
    maxVersions: 0,
    casRequired: false,
    deleteVersionAfter: 0,
    customMetadata: null,
  };
}

export function defaultMountConfig(): MountConfig {
  return { maxVersions: 0, casRequired: false, deleteVersionAfter: 0 };
}

/**
 * Deleted iff a deletion time is set and not in the future; a future time is only scheduled.
 * Upstream tests `deletion_time < now` on a nanosecond clock, where a read always comes after the
 * delete; our clock counts milliseconds, so a delete and a read in the same millisecond must
 * still see the version deleted (a DVA time is always later than the write that set it).
 */
export function isDeleted(v: VersionMeta, now: number): boolean {
  return v.deletion !== null && v.deletion <= now;
}

/**
 * The seed rule (differs from upstream's max(key, mount), see docs/KV.md): a key's non-zero
 * max_versions is its limit; otherwise the mount's; otherwise 10.
 */
export function effectiveMaxVersions(key: KeyMetadata, mount: MountConfig): number {
  if (key.maxVersions > 0) return key.maxVersions;
  if (mount.maxVersions > 0) return mount.maxVersions;
  return DEFAULT_MAX_VERSIONS;
}

/** Reference §1 rule 5: disabled on the mount wins; else the smaller non-zero value; 0 = none. */
export function effectiveDeleteVersionAfter(key: KeyMetadata, mount: MountConfig): number {
  if (mount.deleteVersionAfter < 0) return 0;
  const a = mount.deleteVersionAfter;
  const b = key.deleteVersionAfter;
  if (a === 0) return b;
  if (b === 0) return a;
  return Math.min(a, b);
}

export function versionResponse(meta: KeyMetadata, version: number) {
  const v = meta.versions.get(version)!;
  return {
    created_time: formatTime(v.created),
    custom_metadata: meta.customMetadata,
    deletion_time: formatTime(v.deletion),
    destroyed: v.destroyed,
    version,
  };
}
export type VersionResponse = ReturnType<typeof versionResponse>;

/**
 * Key paths: any UTF-8, "/" separates folders. Empty keys, a trailing slash, empty segments and
 * "."/".." segments are refused (reference §3 and §10.1).
 */
export function validateKey(key: string): string {
  const k = key.startsWith('/') ? key.replace(/^\/+/, '') : key;
  if (k === '') throw invalidRequest('missing path');
  if (k.endsWith('/')) throw invalidRequest(`invalid path "${k}": a key cannot end with "/"`);
  const segments = k.split('/');
  if (segments.some((s) => s === '.' || s === '..')) throw invalidRequest('relative paths not supported');
  if (segments.some((s) => s === '')) throw invalidRequest(`invalid path "${k}": empty path segments are not supported`);
  if (k.includes('\0')) throw invalidRequest(`invalid path: NUL characters are not supported`);
  return k;
}

/** A folder for list/scan: "" for the root, else ending in "/". */
export function validateFolder(prefix: string): string {
  let p = prefix.replace(/^\/+/, '');
  if (p === '') return '';
  if (!p.endsWith('/')) p += '/';
  validateKey(p.slice(0, -1));
  return p;
}
