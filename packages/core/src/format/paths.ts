/**
 * Where things live inside the store's tree (docs/FORMAT.md §Layout). Key paths stay readable:
 * each segment is kept as is unless a byte cannot safely be a file name, then it is %XX-escaped.
 */
export const STORE_FILE = 'kvgit.json';
export const MOUNTS_FILE = 'mounts.json';
export const KEYRING_FILE = 'keyring.json';
export const KEYRING_DIR = 'keyring';
export const MOUNTS_DIR = 'mounts';
export const KEY_DIR_SUFFIX = '.kv';
export const METADATA_FILE = 'metadata.json';
export const V1_DATA_FILE = 'data.age';

const SAFE = /^[A-Za-z0-9_.+=,@~-]$/;

const PLAIN = /^[A-Za-z0-9_+=,@~-][A-Za-z0-9_.+=,@~-]*$/;

export function encodeSegment(name: string): string {
  // Most names need no escaping: skip the per-character walk.
  if (PLAIN.test(name) && !name.endsWith(KEY_DIR_SUFFIX)) return name;
  let out = '';
  for (const ch of name) {
    if (SAFE.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  // No ".", "..", ".git" or hidden names; no raw name that looks like a key directory.
  if (out.startsWith('.')) out = `%2E${out.slice(1)}`;
  if (out.endsWith(KEY_DIR_SUFFIX)) out = `${out.slice(0, -KEY_DIR_SUFFIX.length)}%2Ekv`;
  return out;
}

export function decodeSegment(encoded: string): string {
  return decodeURIComponent(encoded);
}

function encodePath(path: string): string {
  return path.split('/').filter((s) => s !== '').map(encodeSegment).join('/');
}

export function mountDir(mountPath: string): string {
  return `${MOUNTS_DIR}/${encodePath(mountPath)}`;
}

/** The folder for a KV folder prefix ("" or ending with "/"). */
export function folderDir(mountPath: string, folder: string): string {
  const enc = encodePath(folder);
  return enc === '' ? mountDir(mountPath) : `${mountDir(mountPath)}/${enc}`;
}

/** A key's folder relative to its mount's folder. */
export function keyDirInMount(key: string): string {
  return `${encodePath(key)}${KEY_DIR_SUFFIX}`;
}

export function keyDir(mountPath: string, key: string): string {
  return `${mountDir(mountPath)}/${keyDirInMount(key)}`;
}

export function versionFile(mountPath: string, key: string, version: number): string {
  return `${keyDir(mountPath, key)}/${version}.age`;
}

export function metadataFile(mountPath: string, key: string): string {
  return `${keyDir(mountPath, key)}/${METADATA_FILE}`;
}

export function v1DataFile(mountPath: string, key: string): string {
  return `${keyDir(mountPath, key)}/${V1_DATA_FILE}`;
}

export function keyringEntryFile(member: string): string {
  return `${KEYRING_DIR}/${member}.age`;
}

/** A passphrase member's own identity, sealed with the passphrase. */
export function memberIdentityFile(member: string): string {
  return `${KEYRING_DIR}/${member}.key.age`;
}

/** A tree entry in a folder: a key directory ("name.kv") or a sub-folder. */
export function classifyEntry(entryName: string): { name: string; folder: boolean } {
  if (entryName.endsWith(KEY_DIR_SUFFIX)) return { name: decodeSegment(entryName.slice(0, -KEY_DIR_SUFFIX.length)), folder: false };
  return { name: decodeSegment(entryName), folder: true };
}
