/**
 * The git merge driver (`merge.kvgit.driver = kvgit merge-driver %O %A %B %P`). Git calls it once
 * per file both sides changed, with three temporary files: the base (%O), ours (%A, where the
 * result goes) and theirs (%B). It settles what one file can settle:
 *
 * - a key's metadata.json when the sides' versions do not collide (deletions, destroys, settings,
 *   new versions on one side only), re-MACed;
 * - mounts.json and keyring.json as records;
 * - a version blob both sides sealed again with the same contents (keeps the lower blob id).
 *
 * Versions both sides wrote under the same numbers need new files (the renumbered versions), which
 * a per-file driver cannot make: it exits 1, leaving ours in place (still valid ciphertext, never
 * conflict markers), and `kvgit merge` settles the store from the three commits. The driver never
 * prompts and never takes the store's lock, so it cannot hang a `git merge`.
 */
import { promises as fsp } from 'node:fs';
import { KvgitError } from '../errors';
import { canonicalJson, utf8 } from '../bytes/json';
import { openWithIdentity } from '../crypto/age';
import { decodeMetadata, encodeMetadata, METADATA_KIND } from '../format/metadata';
import { decodeMounts, encodeMounts } from '../format/mounts';
import { KEYRING_FILE, METADATA_FILE, MOUNTS_FILE } from '../format/paths';
import { decodeRecord } from '../format/records';
import { type StoreKey, decodeKeyringUnverified, encodeKeyring, verifyKeyring } from '../keys/keyring';
import { type KeyMetadata, type Mount, defaultMountConfig } from '../kv/model';
import { GitStorage, blobOid } from '../storage/git';
import { locateStore } from '../store/locate';
import type { Conflict } from './conflicts';
import { runGit } from './git';
import { KeyChain } from './keys';
import { isAgeFile } from './textconv';
import { mergeKey } from './mergeKey';
import { mergeKeyring, mergeMounts } from './mergeRecords';

export interface DriverFiles {
  /** %O: the merge base's version (empty when the file is new on both sides). */
  base: string;
  /** %A: ours; the merged result is written here. */
  ours: string;
  /** %B: theirs. */
  theirs: string;
  /** %P: the path in the repository. */
  path: string;
}

export interface DriverResult {
  /** True when the file is merged (exit 0); false leaves the conflict to `kvgit merge` (exit 1). */
  merged: boolean;
  message: string;
  conflicts: Conflict[];
}

const settled = (message: string): DriverResult => ({ merged: true, message, conflicts: [] });
const unsettled = (message: string, conflicts: Conflict[] = []): DriverResult => ({ merged: false, message, conflicts });

export async function runMergeDriver(files: DriverFiles, options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<DriverResult> {
  try {
    // The attributes match by name: on the branch layout a project file called mounts.json (or
    // anything under mounts/) on a code branch comes here too. It gets git's own text merge.
    const sides = await Promise.all([files.ours, files.theirs].map((f) => fsp.readFile(f).catch(() => Buffer.alloc(0))));
    if (!sides.some(isStoreFile)) return textMerge(files, options);
    return await driver(files, options);
  } catch (e) {
    // Whatever went wrong (a forged record on their side, a damaged file), git keeps the conflict.
    if (e instanceof KvgitError) return unsettled(`${files.path}: ${e.message}; run \`kvgit merge\` to finish the merge`);
    throw e;
  }
}

/** An age file or a kvgit record: what the store keeps. */
function isStoreFile(bytes: Uint8Array): boolean {
  if (isAgeFile(bytes)) return true;
  try {
    const v: unknown = JSON.parse(utf8.decode(bytes));
    return typeof v === 'object' && v !== null && typeof (v as { kvgit?: unknown }).kvgit === 'string';
  } catch {
    return false;
  }
}

/** `git merge-file`, as git merges text without a driver: conflict markers when the sides collide. */
async function textMerge(files: DriverFiles, options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<DriverResult> {
  const r = await runGit(['merge-file', '-L', 'ours', '-L', 'base', '-L', 'theirs', files.ours, files.base, files.theirs], { cwd: options.cwd, env: options.env });
  if (r.code === 0) return settled(`${files.path}: not a kvgit store file; merged as text`);
  return unsettled(`${files.path}: not a kvgit store file; merged as text, with conflicts to resolve by hand`);
}

async function driver(files: DriverFiles, options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<DriverResult> {
  const env = options.env ?? process.env;
  const location = await locateStore(options.cwd).catch(() => undefined);
  if (!location) return unsettled(`${files.path}: no kvgit store here; resolve it by hand`);
  const rel = files.path.startsWith(location.prefix) ? files.path.slice(location.prefix.length) : undefined;
  if (rel === undefined) return unsettled(`${files.path} is not a file of the kvgit store at ${location.prefix}`);

  const [base, ours, theirs] = await Promise.all([files.base, files.ours, files.theirs].map((f) => fsp.readFile(f).then((b) => new Uint8Array(b))));
  const snap = await new GitStorage(location, env).snapshot();
  const key = await new KeyChain(env).keyFor(snap).catch(() => undefined);
  const later = 'run `kvgit merge` to finish the merge';
  if (!key) return unsettled(`${files.path}: needs a member's identity to merge (KVGIT_IDENTITY, KVGIT_IDENTITY_FILE or the config folder); ${later}`);
  const hasBase = base.length > 0;

  if (rel.endsWith(`.kv/${METADATA_FILE}`)) {
    const [o, t] = [peek(ours), peek(theirs)];
    if (!o || !t || o.mount !== t.mount || o.key !== t.key) return unsettled(`${files.path}: the two sides describe different keys; ${later}`);
    const decode = (bytes: Uint8Array, k: StoreKey) => decodeMetadata(bytes, o.mount, o.key, k.macKey, files.path);
    let b: KeyMetadata | undefined;
    if (hasBase) b = (() => { try { return decode(base, key); } catch { return undefined; } })();
    const mounts = await snap.readFile(MOUNTS_FILE).then((m) => (m ? decodeMounts(m, key.macKey) : new Map<string, Mount>()));
    const mount = [...mounts.values()].find((m) => m.uuid === o.mount);
    const r = await mergeKey({
      where: `${mount?.path ?? ''}${o.key}`,
      mountConfig: mount?.config ?? defaultMountConfig(),
      base: b,
      ours: { meta: decode(ours, key), blobs: new Map() },
      theirs: { meta: decode(theirs, key), blobs: new Map() },
    });
    if (r.kind === 'needs-blobs') return unsettled(`${r.reason}; ${later}`);
    if (r.kind === 'conflict') return unsettled(`${files.path}: conflicting edits; ${later}`, r.conflicts);
    await fsp.writeFile(files.ours, encodeMetadata(r.meta, o.mount, key.macKey));
    return settled(`${files.path}: merged`);
  }

  if (rel.endsWith('.age') && rel.startsWith('mounts/')) {
    // The same version sealed twice (an earlier merge or rotation on both sides): one of them, the same one on both sides.
    const [a, c] = await Promise.all([openWithIdentity(key.identity, ours), openWithIdentity(key.identity, theirs)]);
    if (a && c && samePayload(a, c)) {
      const keep = blobOid(ours) < blobOid(theirs) ? ours : theirs;
      if (keep !== ours) await fsp.writeFile(files.ours, keep);
      return settled(`${files.path}: the same version on both sides`);
    }
    return unsettled(`${files.path}: both sides wrote a different version under this number; ${later}`);
  }

  if (rel === MOUNTS_FILE) {
    const b = hasBase ? (() => { try { return decodeMounts(base, key.macKey); } catch { return undefined; } })() : undefined;
    const r = mergeMounts(b, decodeMounts(ours, key.macKey), decodeMounts(theirs, key.macKey));
    if (r.conflicts.length > 0) return unsettled(`${files.path}: conflicting mount changes; ${later}`, r.conflicts);
    await fsp.writeFile(files.ours, encodeMounts(r.mounts, key.macKey));
    return settled(`${files.path}: merged`);
  }

  if (rel === KEYRING_FILE) {
    const other = decodeKeyringUnverified(theirs);
    if (other.storeRecipient === key.recipient) verifyKeyring(theirs, key);
    const r = mergeKeyring(hasBase ? decodeKeyringUnverified(base) : undefined, decodeKeyringUnverified(ours), other);
    if (r.conflicts.length > 0 || r.keyring.storeRecipient !== key.recipient) return unsettled(`${files.path}: conflicting keyring changes; ${later}`, r.conflicts);
    await fsp.writeFile(files.ours, encodeKeyring(r.keyring, key));
    return settled(`${files.path}: merged`);
  }
  return unsettled(`${files.path}: ${later}`);
}

/** The mount and key a metadata record names, before its MAC is checked with them. */
function peek(bytes: Uint8Array): { mount: string; key: string } | undefined {
  try {
    const r = decodeRecord(bytes, METADATA_KIND, undefined, '', METADATA_FILE);
    return typeof r.mount === 'string' && typeof r.key === 'string' ? { mount: r.mount, key: r.key } : undefined;
  } catch {
    return undefined;
  }
}

function samePayload(a: Uint8Array, b: Uint8Array): boolean {
  try {
    return canonicalJson(JSON.parse(utf8.decode(a))) === canonicalJson(JSON.parse(utf8.decode(b)));
  } catch {
    return false;
  }
}
