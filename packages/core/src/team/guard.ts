/**
 * The commit guard (`kvgit guard`, run by the pre-commit and pre-merge-commit hooks). It looks at
 * what the commit would record under the store's folder and refuses:
 *
 * - a version blob or keyring entry (`*.age`) that is not an age file: plaintext, or anything
 *   else, where ciphertext belongs;
 * - a record (kvgit.json, keyring.json, mounts.json, metadata.json) that does not parse, or whose
 *   MAC does not verify, or that sits at another key's place; a key whose files are not the
 *   versions its metadata lists (a destroyed version's blob back from an old history, say);
 * - a version blob the store key cannot open or that names another key or version;
 * - any other file in the store's folder (front ends' files under `ext/` are MACed records too);
 * - store files left unmerged.
 *
 * Only content new to this commit is checked: files as HEAD (or the merge's other side) already
 * has them were checked when they were committed. Checks that need the store key (MACs,
 * decryption) run when a member's identity is at hand; without one the guard checks the format
 * only, and says so. It reads the index through git, so it honours GIT_INDEX_FILE (`git commit -a`,
 * `git commit <paths>`), and it never prompts.
 */
import { KvgitError } from '../errors';
import { isPlainObject, utf8 } from '../bytes/json';
import { openWithIdentity } from '../crypto/age';
import { BLOB_KIND, authenticBlobPayload } from '../format/blob';
import { EXT_KIND, decodeExtFile } from '../format/ext';
import { decodeMetadata, METADATA_KIND } from '../format/metadata';
import { MOUNTS_KIND, decodeMounts } from '../format/mounts';
import { KEYRING_FILE, METADATA_FILE, MOUNTS_DIR, MOUNTS_FILE, STORE_FILE, metadataFile, mountDir, v1DataFile, versionFile } from '../format/paths';
import { decodeRecord } from '../format/records';
import { KEYRING_KIND, type StoreKey, decodeKeyringUnverified, verifyKeyring } from '../keys/keyring';
import type { Mount } from '../kv/model';
import { Snapshot } from '../storage/git';
import { ObjectStore, TREE_MODE } from '../storage/objects';
import { readHead } from '../storage/refs';
import { locateStore } from '../store/locate';
import { STORE_KIND } from '../store/store';
import { git, runGit } from './git';
import { KeyChain } from './keys';
import { isAgeFile } from './textconv';

export interface GuardProblem {
  /** The path in the repository. */
  path: string;
  problem: string;
}

export interface GuardReport {
  ok: boolean;
  /** Store files new to this commit, checked. */
  checked: string[];
  problems: GuardProblem[];
  /** False when no member identity was at hand: MACs and blobs were checked for format only. */
  integrityChecked: boolean;
}

export async function guardStaged(options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<GuardReport> {
  const env = options.env ?? process.env;
  const report: GuardReport = { ok: true, checked: [], problems: [], integrityChecked: true };
  let location;
  try {
    location = await locateStore(options.cwd);
  } catch (e) {
    if (e instanceof KvgitError && e.code === 'ERR_NOT_A_STORE') return report; // no store, nothing to guard
    throw e;
  }
  const { gitdir, worktree } = location;
  const cwd = worktree ?? gitdir;
  let prefix = location.prefix;
  const head = await readHead(gitdir);
  if (location.layout === 'branch') {
    // The store's branch is only committed to by hand when it is checked out.
    if (head.symbolic !== location.branchRef) return report;
    prefix = '';
  }
  const objects = new ObjectStore(gitdir);

  const staged = new Map<string, string>();
  for (const rec of (await git(['ls-files', '-s', '-z', '--', prefix === '' ? '.' : prefix], { cwd, env })).split('\0')) {
    const m = /^\d+ ([0-9a-f]{40}) (\d)\t(.*)$/s.exec(rec);
    if (!m) continue;
    if (m[2] !== '0') {
      if (!report.problems.some((p) => p.path === m[3])) report.problems.push({ path: m[3]!, problem: 'is unmerged: run `kvgit merge` to settle the store\'s files' });
      continue;
    }
    staged.set(m[3]!, m[1]!);
  }
  if (report.problems.length > 0) return done(report);

  // What the parents already hold was checked when it was committed, against that parent's store
  // key. A parent whose store key is not the one this commit records (the other side rotated, or
  // removed a member) vouches for nothing here: its files are checked against the staged keyring.
  const known = new Set<string>();
  const inHead = new Map<string, string>();
  const mergeHead = await runGit(['rev-parse', '--verify', '--quiet', 'MERGE_HEAD'], { cwd, env });
  const stagedKeyring = staged.get(`${prefix}${KEYRING_FILE}`);
  const recipientOf = async (oid: string | undefined) => {
    if (!oid) return undefined;
    try {
      return decodeKeyringUnverified((await objects.read(oid)).content).storeRecipient;
    } catch {
      return undefined;
    }
  };
  const stagedRecipient = await recipientOf(stagedKeyring);
  for (const commit of [head.oid, mergeHead.code === 0 ? mergeHead.stdout.trim() : undefined]) {
    if (!commit) continue;
    const out = await git(['ls-tree', '-r', '-z', commit, '--', prefix === '' ? '.' : prefix], { cwd, env });
    const files = new Map<string, string>();
    for (const rec of out.split('\0')) {
      const m = /^\d+ blob ([0-9a-f]{40})\t(.*)$/s.exec(rec);
      if (m) files.set(m[2]!, m[1]!);
    }
    if (commit === head.oid) for (const [path, oid] of files) inHead.set(path, oid);
    if ((await recipientOf(files.get(`${prefix}${KEYRING_FILE}`))) !== stagedRecipient) continue;
    for (const [path, oid] of files) known.add(`${path}\0${oid}`);
  }
  const fresh = [...staged].filter(([path, oid]) => !known.has(`${path}\0${oid}`));
  // Keys whose files change in this commit, even to files a parent holds: a merge can combine
  // valid files of two sides into a key its metadata does not describe.
  const keyDirs = new Set<string>();
  for (const path of new Set([...staged.keys(), ...inHead.keys()])) {
    if (staged.get(path) === inHead.get(path)) continue;
    const m = /^(.*\.kv)\/[^/]+$/.exec(path.slice(prefix.length));
    if (m && m[1]!.startsWith('mounts/')) keyDirs.add(m[1]!);
  }
  // The store's own records may change but never go (removing the whole store is not a commit kvgit makes).
  for (const record of [STORE_FILE, KEYRING_FILE, MOUNTS_FILE]) {
    if (inHead.has(`${prefix}${record}`) && !staged.has(`${prefix}${record}`)) report.problems.push({ path: `${prefix}${record}`, problem: 'is deleted: the store cannot be opened without it' });
  }
  // Every store file under mounts/ lies in a mount the staged mounts.json has: a merge can bring
  // the other side's new key into a mount this side disabled.
  const mountsOid = staged.get(`${prefix}${MOUNTS_FILE}`);
  if (mountsOid) {
    try {
      const r = decodeRecord((await objects.read(mountsOid)).content, MOUNTS_KIND, undefined, 'mounts', MOUNTS_FILE);
      const dirs = Object.keys(isPlainObject(r.mounts) ? r.mounts : {}).map((p) => `${prefix}${mountDir(p)}/`);
      for (const path of staged.keys()) {
        if (path.startsWith(`${prefix}${MOUNTS_DIR}/`) && !dirs.some((d) => path.startsWith(d))) report.problems.push({ path, problem: `belongs to no mount in ${MOUNTS_FILE} (a mount disabled on one side of a merge?): settle it with \`kvgit merge\`` });
      }
    } catch (e) {
      if (!(e instanceof KvgitError)) throw e; // checked with the file's content below
    }
  }
  if (fresh.length === 0 && keyDirs.size === 0) return done(report);

  // The staged store as a tree, so records are checked against the staged keyring and mounts.
  const tree = (await git(['write-tree'], { cwd, env })).trim();
  let root: string | undefined = tree;
  for (const part of prefix.split('/').filter((p) => p !== '')) {
    root = (await objects.readTree(root!)).find((e) => e.name === part && e.mode === TREE_MODE)?.oid;
    if (!root) break;
  }
  const snap = new Snapshot(objects, undefined, root);
  let key: StoreKey | undefined;
  try {
    key = await new KeyChain(env).keyFor(snap);
  } catch (e) {
    if (!(e instanceof KvgitError)) throw e;
    report.problems.push({ path: `${prefix}${KEYRING_FILE}`, problem: e.message });
  }
  report.integrityChecked = key !== undefined;
  let mounts: Map<string, Mount> | undefined;
  if (key) {
    const m = await snap.readFile(MOUNTS_FILE);
    try {
      mounts = m ? decodeMounts(m, key.macKey) : new Map();
    } catch (e) {
      if (!(e instanceof KvgitError)) throw e;
      mounts = new Map();
    }
  }

  for (const [path, oid] of fresh) {
    report.checked.push(path);
    const rel = path.slice(prefix.length);
    const bytes = (await objects.read(oid)).content;
    const problem = await check(rel, bytes, key, mounts);
    if (problem) report.problems.push({ path, problem });
  }
  for (const dir of keyDirs) {
    const problem = await checkKeyFiles(dir, snap);
    if (problem) report.problems.push({ path: `${prefix}${dir}`, problem });
  }
  return done(report);
}

function done(report: GuardReport): GuardReport {
  report.ok = report.problems.length === 0;
  return report;
}

async function check(rel: string, bytes: Uint8Array, key: StoreKey | undefined, mounts: Map<string, Mount> | undefined): Promise<string | undefined> {
  try {
    if (rel.startsWith('ext/')) {
      // Front ends' files are MACed records too (docs/FORMAT.md §2.2).
      const path = rel.slice('ext/'.length);
      if (key) decodeExtFile(bytes, path, key.macKey, rel);
      else decodeRecord(bytes, EXT_KIND, undefined, `ext ${path}`, rel);
      return undefined;
    }
    if (rel === STORE_FILE) {
      decodeRecord(bytes, STORE_KIND, undefined, 'store', rel);
      return undefined;
    }
    if (rel === KEYRING_FILE) {
      decodeRecord(bytes, KEYRING_KIND, undefined, 'keyring', rel);
      decodeKeyringUnverified(bytes);
      if (key) verifyKeyring(bytes, key);
      return undefined;
    }
    if (rel === MOUNTS_FILE) {
      if (key) decodeMounts(bytes, key.macKey);
      else decodeRecord(bytes, MOUNTS_KIND, undefined, 'mounts', rel);
      return undefined;
    }
    if (/^keyring\/[^/]+\.age$/.test(rel)) return ageProblem(bytes);
    if (rel.startsWith('mounts/') && rel.endsWith(`.kv/${METADATA_FILE}`)) {
      const r = decodeRecord(bytes, METADATA_KIND, undefined, '', rel);
      if (typeof r.mount !== 'string' || typeof r.key !== 'string') return 'is not a kvgit metadata record (no mount or key)';
      if (!key) return undefined;
      decodeMetadata(bytes, r.mount, r.key, key.macKey, rel);
      const mount = [...(mounts ?? new Map<string, Mount>()).values()].find((m) => m.uuid === r.mount);
      if (!mount || metadataFile(mount.path, r.key) !== rel) return `belongs to another place (${mount ? `${mount.path}${r.key}` : `a mount not in ${MOUNTS_FILE}`})`;
      return undefined;
    }
    if (rel.startsWith('mounts/') && /\.kv\/(\d+|data)\.age$/.test(rel)) {
      const p = ageProblem(bytes);
      if (p || !key) return p;
      const plain = await openWithIdentity(key.identity, bytes);
      if (!plain) return 'cannot be decrypted with the store key (sealed to another key, or damaged)';
      const payload = authenticBlobPayload(plain, key.macKey);
      if (!payload) return `does not hold a kvgit ${BLOB_KIND} payload sealed by a member (its MAC is missing or wrong)`;
      const mount = [...(mounts ?? new Map<string, Mount>()).values()].find((m) => m.uuid === payload.mount);
      const expected = mount && (payload.version === 0 ? v1DataFile(mount.path, payload.key) : versionFile(mount.path, payload.key, payload.version));
      if (expected !== rel) return 'holds a version of another key or number (moved or copied)';
      return undefined;
    }
    return 'is not a kvgit store file: the store\'s folder holds only ciphertext and MACed records (put secrets in with `kvgit put`)';
  } catch (e) {
    if (e instanceof KvgitError) return e.message.startsWith(rel) ? e.message.slice(rel.length).trim() : e.message;
    if (e instanceof SyntaxError || e instanceof TypeError) return 'cannot be read as what the store keeps here';
    throw e;
  }
}

/**
 * A KV v2 key's files must be what its metadata lists: each live version's blob and no other file
 * (docs/FORMAT.md §2). Read without the MAC (checked with the file's content above when new): the
 * question here is only whether the files match it.
 */
async function checkKeyFiles(dir: string, snap: Snapshot): Promise<string | undefined> {
  const entries = await snap.listDir(dir);
  if (!entries) return undefined; // the key is deleted
  const files = new Set(entries.map((e) => e.name));
  if (files.has('data.age') && !files.has(METADATA_FILE)) return files.size === 1 ? undefined : 'is a KV version 1 key with other files beside data.age';
  const bytes = await snap.readFile(`${dir}/${METADATA_FILE}`);
  if (!bytes) return `has version files but no ${METADATA_FILE}`;
  let versions: Record<string, unknown>;
  try {
    const r = decodeRecord(bytes, METADATA_KIND, undefined, '', `${dir}/${METADATA_FILE}`);
    versions = isPlainObject(r.versions) ? r.versions : {};
  } catch (e) {
    if (e instanceof KvgitError) return `${METADATA_FILE}: ${e.message}`;
    throw e;
  }
  for (const [n, v] of Object.entries(versions)) {
    const destroyed = isPlainObject(v) && v.destroyed === true;
    if (destroyed && files.has(`${n}.age`)) return `${METADATA_FILE} says version ${n} is destroyed, but its blob is staged (from a history from before the destroy?)`;
    if (!destroyed && !files.has(`${n}.age`)) return `${METADATA_FILE} says version ${n} is live, but its blob is missing`;
  }
  for (const f of files) {
    const n = /^(\d+)\.age$/.exec(f);
    if (f !== METADATA_FILE && (!n || !(n[1]! in versions))) return `holds ${f}, which is not one of the versions its ${METADATA_FILE} lists`;
  }
  return undefined;
}

const BASE64_MAC = /^--- [A-Za-z0-9+/]{43}$/;

/** The age v1 header's shape (C2SP age §header): intro, stanzas, the MAC line, then a payload. */
function ageProblem(bytes: Uint8Array): string | undefined {
  if (!isAgeFile(bytes)) return bytes.length > 0 && bytes.every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b < 0x7f) || b >= 0x80)
    ? 'is plaintext, not an age file: the store keeps only ciphertext here'
    : 'is not an age file: the store keeps only ciphertext here';
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 64 * 1024)).toString('latin1');
  const lines = text.split('\n');
  let i = 1;
  let stanzas = 0;
  for (; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.startsWith('--- ')) break;
    if (l.startsWith('-> ')) stanzas++;
    else if (!/^[A-Za-z0-9+/]{0,64}$/.test(l)) return 'has a damaged age header';
  }
  if (i >= lines.length - 1 || stanzas === 0 || !BASE64_MAC.test(lines[i]!)) return 'has a damaged age header';
  const headerLength = lines.slice(0, i + 1).join('\n').length + 1;
  if (bytes.length - headerLength < 32) return 'has an age header but no payload';
  return undefined;
}
