/**
 * The public facade: open or create a store and run KV v2 operations on it. Reads use one
 * snapshot; every mutation runs under the store lock on the newest commit and becomes exactly
 * one commit, or nothing at all when it fails or changes nothing.
 */
import { randomUUID } from 'node:crypto';
import * as nodeFs from 'node:fs';
import { promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import { KvgitError } from '../errors';
import { isX25519Recipient, newX25519Identity, recipientOf } from '../crypto/age';
import { decodeMounts } from '../format/mounts';
import { KEYRING_FILE, MOUNTS_FILE, STORE_FILE, keyringEntryFile, memberIdentityFile, metadataFile, v1DataFile } from '../format/paths';
import { type Credential, type CredentialSources, ensureConfigIdentity, firstServing } from '../keys/identity';
import { type Keyring, type Member, StoreKey, decodeKeyringUnverified, encodeKeyring, newPassphraseMember, unwrapStoreKey, validateMemberName, verifyKeyring, wrapForMember } from '../keys/keyring';
import { readConfig, writeConfig } from '../kv/config';
import { deleteLatest, patchData, readData, writeData } from '../kv/data';
import { detailedMetadata, listKeys, scanKeys } from '../kv/list';
import { deleteMetadata, patchMetadata, readMetadata, writeMetadata } from '../kv/metadata';
import { type Mount, type SecretData, defaultMountConfig } from '../kv/model';
import type { Params } from '../kv/params';
import { readSubkeys } from '../kv/subkeys';
import { upgradedMetadata, v1Delete, v1Read, v1Write } from '../kv/v1';
import { deleteVersions, destroyVersions, undeleteVersions } from '../kv/versions';
import { type Edit, GitStorage, type Layout, type Snapshot, type StorageLocation } from '../storage/git';
import { encodeRecord } from '../format/records';
import { decodeExtFile, encodeExtFile } from '../format/ext';
import { type Clock, systemClock, formatTime } from '../time';
import { DEFAULT_BRANCH, DEFAULT_STORE_DIR, findWorktree, locateStore } from './locate';
import { commitMessage } from './message';
import type { PurgePlan, PurgeReceipt } from '../storage/purge';
import { clearJournal, readJournal, writeJournal } from '../storage/journal';
import { crashPoint } from '../storage/crash';
import { TREE_MODE, parseCommit } from '../storage/objects';
import type { LogEntry, LogFilter } from './audit';
import type { VerifyReport } from './verify';
import { type Removals, StoreView, StoreWriter } from './view';

export const STORE_KIND = 'store/1';

export interface OpenOptions extends CredentialSources {
  /**
   * The last identity source: asked only when no other source unlocks the store and it has
   * passphrase members (the CLI asks on the terminal with no echo).
   */
  askPassphrase?: () => Promise<string | undefined>;
  /** Any folder inside the repository or the store; default: the current folder. */
  path?: string;
  clock?: Clock;
  lockTimeoutMs?: number;
}

export interface InitOptions extends OpenOptions {
  layout?: Layout;
  /** "directory" layout: the folder, relative to the work tree root. */
  storeDir?: string;
  /** "branch" layout: the branch name. */
  branch?: string;
  /** The first member's name; default: the OS user name. */
  memberName?: string;
  /** The first member's recipient; default: the first identity found, else a new one in the config folder. */
  recipient?: string;
  /** Make the first member a passphrase member instead (never from argv: a prompt or KVGIT_PASSPHRASE). */
  passphrase?: string;
}

export interface InitResult {
  store: Store;
  member: string;
  recipient: string;
  /** Set when init created the user's identity file. */
  createdIdentity?: string;
}

/** Asked before a history rewrite on the directory layout; resolve false to cancel. */
export type ConfirmRewrite = (plan: PurgePlan) => Promise<boolean>;

export interface RewriteOptions {
  confirm?: ConfirmRewrite;
  /** Progress of a history rewrite: commits visited of all commits. */
  onProgress?: Progress;
}

export interface Unlocked {
  member: string;
  source: string;
}

function normaliseMountPath(p: string): string {
  const s = p.replace(/^\/+/, '').replace(/\/+$/, '');
  if (s === '' || s.split('/').some((x) => x === '' || x === '.' || x === '..')) {
    throw new KvgitError('ERR_INVALID_REQUEST', `invalid mount path "${p}"`);
  }
  if (['sys', 'auth', 'identity', 'cubbyhole'].includes(s.split('/')[0]!)) {
    throw new KvgitError('ERR_INVALID_REQUEST', `cannot mount under reserved path "${s.split('/')[0]}/"`);
  }
  return `${s}/`;
}

export class Store {
  private storeKey: StoreKey | undefined;
  private unlockedBy: Unlocked | undefined;

  private constructor(
    readonly storage: GitStorage,
    private readonly options: OpenOptions,
  ) {}

  get location(): StorageLocation {
    return this.storage.location;
  }

  private now(): Date {
    return (this.options.clock ?? systemClock)();
  }

  static async open(options: OpenOptions = {}): Promise<Store> {
    const location = await locateStore(options.path ?? process.cwd());
    const store = new Store(new GitStorage(location, options.env), options);
    const snap = await store.storage.snapshot();
    const descriptor = await snap.readFile(STORE_FILE);
    if (!descriptor) throw new KvgitError('ERR_NOT_A_STORE', `no kvgit store in the committed tree (${location.prefix}${STORE_FILE} missing)`);
    return store;
  }

  static async init(options: InitOptions = {}): Promise<InitResult> {
    const start = resolve(options.path ?? process.cwd());
    let repo = await findWorktree(start);
    if (!repo) {
      const git = await import('isomorphic-git');
      await fsp.mkdir(start, { recursive: true });
      await git.init({ fs: nodeFs, dir: start, defaultBranch: 'main' });
      repo = { worktree: start, gitdir: join(start, '.git') };
    }
    const layout = options.layout ?? 'directory';
    let location: StorageLocation;
    if (layout === 'directory') {
      const dir = (options.storeDir ?? DEFAULT_STORE_DIR).replace(/^\/+|\/+$/g, '');
      if (dir === '' || dir.split('/').some((s) => s === '..' || s === '.' || s === '.git')) {
        throw new KvgitError('ERR_INVALID_REQUEST', `invalid store folder "${dir}"`);
      }
      location = { layout, gitdir: repo.gitdir, worktree: repo.worktree, prefix: `${dir}/` };
    } else {
      const branch = options.branch ?? DEFAULT_BRANCH;
      location = { layout, gitdir: repo.gitdir, worktree: repo.worktree, prefix: '', branchRef: `refs/heads/${branch}` };
    }
    const storage = new GitStorage(location, options.env);
    const store = new Store(storage, options);

    // Who the first member is: validate everything before anything is written.
    let recipient = options.recipient;
    let createdIdentity: string | undefined;
    if (recipient !== undefined && !isX25519Recipient(recipient)) {
      throw new KvgitError('ERR_INVALID_REQUEST', `"${recipient}" is not an age X25519 recipient (age1…)`);
    }
    const memberName = options.memberName ?? defaultMemberName(options.env ?? process.env);
    validateMemberName(memberName);

    return storage.withLock(async () => {
      const head = await storage.head();
      const snap = await storage.snapshot(head);
      if (await snap.exists(STORE_FILE)) {
        throw new KvgitError('ERR_STORE_EXISTS', `a kvgit store already exists here (${location.prefix}${STORE_FILE})`);
      }
      let sealedIdentity: Uint8Array | undefined;
      let memberType: Member['type'] = 'x25519';
      if (options.passphrase !== undefined) {
        const made = await newPassphraseMember(memberName, options.passphrase);
        recipient = made.member.recipient;
        sealedIdentity = made.sealedIdentity;
        memberType = 'passphrase';
      } else if (!recipient) {
        const { found: x } = await firstServing(options, async (creds) => creds.find((c): c is Credential & { kind: 'x25519' } => c.kind === 'x25519'));
        if (x) recipient = await recipientOf(x.identity);
        else {
          const created = await ensureConfigIdentity(options.env);
          recipient = created.recipient;
          if (created.created) createdIdentity = created.path;
        }
      }
      const key = await StoreKey.from(await newX25519Identity());
      const now = store.now();
      const member: Member = { name: memberName, type: memberType, recipient: recipient! };
      const keyring: Keyring = { storeRecipient: key.recipient, members: [member] };
      const mounts = new Map<string, Mount>([['secret/', newMount('secret/', 2, now.getTime())]]);
      const writer = new StoreWriter(snap, key, mounts, now.getTime());
      writer.putFile(STORE_FILE, encodeRecord(STORE_KIND, { created_time: formatTime(now.getTime()) }, undefined, 'store'));
      writer.putFile(KEYRING_FILE, encodeKeyring(keyring, key));
      writer.putFile(keyringEntryFile(member.name), await wrapForMember(member, key));
      if (sealedIdentity) writer.putFile(memberIdentityFile(member.name), sealedIdentity);
      writer.mountsChanged = true;
      writer.describe({ op: 'init', mount: 'secret/' });
      await storage.commit(head, await writer.edits(), commitMessage(writer.operations), now);
      store.storeKey = key;
      store.unlockedBy = { member: memberName, source: 'init' };
      return { store, member: memberName, recipient: recipient!, createdIdentity };
    }, options.lockTimeoutMs);
  }

  /** Unwraps the store key with the first credential that belongs to a member. */
  async unlock(snap?: Snapshot): Promise<Unlocked> {
    const s = snap ?? (await this.storage.snapshot());
    const keyringBytes = await s.readFile(KEYRING_FILE);
    if (!keyringBytes) throw new KvgitError('ERR_CORRUPT', `${KEYRING_FILE} is missing`, { file: KEYRING_FILE });
    const keyring = decodeKeyringUnverified(keyringBytes);
    // A cached key stays valid until the store key is rotated (by anyone): then unlock afresh.
    if (this.storeKey && this.unlockedBy && keyring.storeRecipient === this.storeKey.recipient) {
      verifyKeyring(keyringBytes, this.storeKey);
      return this.unlockedBy;
    }
    const readEntry = (f: string) => s.readFile(f);
    let { found, credentials, tried } = await firstServing(this.options, (creds) => unwrapStoreKey(keyring, creds, readEntry));
    if (!found && this.options.askPassphrase && keyring.members.some((m) => m.type === 'passphrase')) {
      tried.push('a passphrase prompt');
      const passphrase = await this.options.askPassphrase();
      if (passphrase) {
        const asked: Credential = { kind: 'passphrase', passphrase, source: 'passphrase prompt' };
        credentials.push(asked);
        found = await unwrapStoreKey(keyring, [asked], readEntry);
      }
    }
    if (credentials.length === 0) {
      throw new KvgitError('ERR_NO_IDENTITY', `no identity found; tried ${tried.join(', ')}`, { hint: 'set KVGIT_IDENTITY or KVGIT_IDENTITY_FILE, or run `kvgit init` to create one' });
    }
    if (!found) {
      throw new KvgitError('ERR_NOT_A_MEMBER', `none of the identities found (${credentials.map((c) => c.source).join(', ')}) belongs to a member of this store`, { hint: 'ask a member to run `kvgit members add`' });
    }
    verifyKeyring(keyringBytes, found.key);
    this.storeKey = found.key;
    this.unlockedBy = { member: found.member, source: found.source };
    return this.unlockedBy;
  }

  /** Forgets the unlocked store key. */
  lock(): void {
    this.storeKey = undefined;
    this.unlockedBy = undefined;
  }

  private async view(): Promise<StoreView> {
    const snap = await this.storage.snapshot();
    await this.unlock(snap);
    return new StoreView(snap, this.storeKey!, await this.loadMounts(snap), this.now().getTime());
  }

  private async loadMounts(snap: Snapshot): Promise<Map<string, Mount>> {
    const bytes = await snap.readFile(MOUNTS_FILE);
    if (!bytes) throw new KvgitError('ERR_CORRUPT', `${MOUNTS_FILE} is missing`, { file: MOUNTS_FILE });
    return decodeMounts(bytes, this.storeKey!.macKey);
  }

  /** Runs `fn` on the newest commit under the lock; its buffered edits become one commit. */
  private async transact<T>(fn: (w: StoreWriter) => Promise<T>): Promise<T> {
    return (await this.transactPurging(fn, 'never')).result;
  }

  /**
   * Like transact; with `purge`, the blobs the change removes (destroy, key deletion) are then
   * purged from history. Trimming past max_versions does not rewrite: a put must stay cheap and
   * must not rewrite history under other writers; `purge` removes trimmed ciphertext on request.
   */
  private async transactPurging<T>(
    fn: (w: StoreWriter) => Promise<T>,
    when: 'purge' | 'never',
    options: RewriteOptions = {},
  ): Promise<{ result: T; receipt?: PurgeReceipt }> {
    const confirm = this.location.layout === 'directory' ? options.confirm : undefined;
    return this.storage.withLock(async () => {
      await this.finishInterruptedPurge();
      const head = await this.storage.head();
      const snap = await this.storage.snapshot(head);
      await this.unlock(snap);
      const now = this.now();
      const writer = new StoreWriter(snap, this.storeKey!, await this.loadMounts(snap), now.getTime());
      const result = await fn(writer);
      if (!writer.hasChanges) return { result };
      const blobs = when === 'purge' ? await this.ciphertextToPurge(head, await writer.removals()) : [];
      if (blobs.length > 0 && confirm) {
        const plan = await (await import('../storage/purge')).planPurge(this.storage.objects, this.location.gitdir, blobs);
        plan.commits += 1; // the commit this change makes
        if (!(await confirm(plan))) {
          throw new KvgitError('ERR_CONFIRMATION_REFUSED', `not confirmed: nothing was changed (the history rewrite would change ${plan.commits} commits)`, {});
        }
      }
      // Journal first: a crash anywhere after this is finished by the next command. Blobs the
      // newest commit still uses are never purged, so a crash before the commit loses nothing.
      if (blobs.length > 0) await writeJournal(this.location.gitdir, blobs);
      crashPoint('write:before-commit');
      await this.storage.commit(head, await writer.edits(), commitMessage(writer.operations), now);
      crashPoint('write:committed');
      if (blobs.length === 0) return { result };
      const receipt = await (await import('../storage/purge')).purgeBlobs(this.storage.objects, this.location.gitdir, blobs, options.onProgress);
      return { result, receipt };
    }, this.options.lockTimeoutMs);
  }

  /**
   * The blobs a removal takes away now, and what the same files held before each rotation. A
   * rotation (or a member's removal with one) seals every version again under the new store key,
   * so the commit before it keeps each version's earlier ciphertext, readable with the old key: a
   * destroy must remove that too. The first-parent history is searched (a rotation is never merged
   * in from another branch: the merge reports it as a conflict).
   */
  private async ciphertextToPurge(head: string | undefined, removed: Removals): Promise<string[]> {
    const out = new Set(removed.blobs);
    if (removed.files.length === 0 && removed.dirs.length === 0) return [...out];
    for (let oid = head; oid; ) {
      const commit = parseCommit((await this.storage.objects.read(oid)).content);
      const before = commit.parents[0];
      if (before && /^Kvgit-Operation: (rotate|member-remove)$/m.test(commit.message)) {
        const snap = await this.storage.snapshot(before);
        for (const file of removed.files) {
          const e = await snap.entry(file);
          if (e && e.mode !== TREE_MODE) out.add(e.oid);
        }
        for (const dir of removed.dirs) {
          for (const e of (await snap.listDir(dir)) ?? []) if (e.name.endsWith('.age') && e.mode !== TREE_MODE) out.add(e.oid);
        }
      }
      oid = before;
    }
    return [...out];
  }

  /** Repairs what a killed writer left (stale lock, partial work-tree sync, unfinished purge). */
  async recover(): Promise<PurgeReceipt | undefined> {
    return this.storage.withLock(() => this.finishInterruptedPurge(), this.options.lockTimeoutMs);
  }

  /** A purge cut short by a crash is finished before the next write (it is idempotent). */
  private async finishInterruptedPurge(): Promise<PurgeReceipt | undefined> {
    const pending = await readJournal(this.location.gitdir);
    if (!pending) return undefined;
    // Never purge a blob the newest commit still uses (defence against a damaged journal).
    const snap = await this.storage.snapshot();
    const live = new Set<string>();
    const collect = async (path: string): Promise<void> => {
      for (const e of (await snap.listDir(path)) ?? []) {
        if (e.mode === TREE_MODE) await collect(`${path}/${e.name}`);
        else live.add(e.oid);
      }
    };
    await collect('mounts');
    const blobs = pending.filter((b) => !live.has(b));
    if (blobs.length === 0) {
      await clearJournal(this.location.gitdir);
      return undefined;
    }
    return (await import('../storage/purge')).purgeBlobs(this.storage.objects, this.location.gitdir, blobs);
  }

  /**
   * Purges from history every blob `verify` finds there that should be gone (destroyed, trimmed
   * or deleted versions): the repair for deferred trimming on the directory layout.
   */
  async purge(options: RewriteOptions = {}): Promise<PurgeReceipt | undefined> {
    const confirm = this.location.layout === 'directory' ? options.confirm : undefined;
    const view = await this.view();
    const report = await (await import('./verify')).verifyStore(view, this.storage.objects, this.location);
    const blobs = report.staleBlobs;
    if (blobs.length === 0) return undefined;
    return this.storage.withLock(async () => {
      if (confirm) {
        const plan = await (await import('../storage/purge')).planPurge(this.storage.objects, this.location.gitdir, blobs);
        if (!(await confirm(plan))) throw new KvgitError('ERR_CONFIRMATION_REFUSED', `not confirmed: nothing was changed (the history rewrite would change ${plan.commits} commits)`, {});
      }
      await writeJournal(this.location.gitdir, blobs);
      return (await import('../storage/purge')).purgeBlobs(this.storage.objects, this.location.gitdir, blobs, options.onProgress);
    }, this.options.lockTimeoutMs);
  }

  // ---- mounts

  private static mountOf(view: StoreView, path: string, version?: 1 | 2): Mount {
    const m = view.mounts.get(normaliseMountPath(path));
    if (!m) throw new KvgitError('ERR_NO_ROUTE', `no handler for route "${path}". route entry not found.`, { mount: path });
    if (version && m.version !== version) {
      throw new KvgitError('ERR_INVALID_REQUEST', `${m.path} is a KV version ${m.version} mount; this operation needs version ${version}`, { mount: m.path });
    }
    return m;
  }

  async mounts(): Promise<Mount[]> {
    const v = await this.view();
    return [...v.mounts.values()].sort((a, b) => a.path.localeCompare(b.path));
  }

  /** Splits "secret/app/db" into its mount (longest matching mount path) and key. */
  async resolvePath(fullPath: string): Promise<{ mount: Mount; key: string }> {
    const clean = fullPath.replace(/^\/+/, '');
    const mounts = await this.mounts();
    const m = mounts.filter((x) => `${clean}/`.startsWith(x.path)).sort((a, b) => b.path.length - a.path.length)[0];
    if (!m) throw new KvgitError('ERR_NO_ROUTE', `no mount matches "${fullPath}"`, { path: fullPath, hint: 'list mounts with `kvgit mounts list`' });
    return { mount: m, key: clean.slice(m.path.length) };
  }

  async enableMount(path: string, options: { version?: number | string; description?: string } = {}): Promise<void> {
    const p = normaliseMountPath(path);
    const version = Number(options.version ?? 2);
    if (version !== 1 && version !== 2) throw new KvgitError('ERR_INVALID_REQUEST', `unknown KV version ${options.version}`);
    await this.transact(async (w) => {
      for (const existing of w.mounts.keys()) {
        if (existing === p) throw new KvgitError('ERR_MOUNT_CONFLICT', `path is already in use at ${p}`, { mount: p });
        if (existing.startsWith(p) || p.startsWith(existing)) throw new KvgitError('ERR_MOUNT_CONFLICT', `path is already in use at ${existing}`, { mount: p });
      }
      w.putMount({ ...newMount(p, version, w.now), description: options.description ?? '' });
      w.describe({ op: 'mount-enable', mount: p });
    });
  }

  async disableMount(path: string): Promise<void> {
    await this.transact(async (w) => {
      const m = w.mounts.get(normaliseMountPath(path));
      if (!m) return; // Vault answers 204 for a missing mount
      w.removeMount(m);
      w.describe({ op: 'mount-disable', mount: m.path });
    });
  }

  async moveMount(from: string, to: string): Promise<void> {
    await this.transact(async (w) => {
      const m = Store.mountOf(w, from);
      const target = normaliseMountPath(to);
      for (const existing of w.mounts.keys()) {
        if (existing === m.path) continue;
        if (existing === target || existing.startsWith(target) || target.startsWith(existing)) {
          throw new KvgitError('ERR_MOUNT_CONFLICT', `path is already in use at ${existing}`, { mount: target });
        }
      }
      if (target === m.path) return;
      // Into itself or above itself: its own path is in use (Vault refuses both).
      if (target.startsWith(m.path) || m.path.startsWith(target)) {
        throw new KvgitError('ERR_MOUNT_CONFLICT', `path is already in use at ${m.path}`, { mount: target });
      }
      await w.moveMount(m, { ...m, path: target });
      w.describe({ op: 'mount-move', mount: m.path, path: target });
    });
  }

  /** sys/mounts/<path>/tune with options.version "2": upgrades a KV v1 mount in one commit. */
  async upgradeMount(path: string): Promise<void> {
    await this.transact(async (w) => {
      const m = Store.mountOf(w, path);
      if (m.version === 2) return;
      const upgraded: Mount = { ...m, version: 2 };
      for (const key of await w.allKeys(m)) {
        const data = await w.v1Data(m, key);
        if (data === undefined) continue;
        w.removeKey(m, key);
        w.putVersionData(upgraded, key, 1, data);
        w.putMetadata(upgraded, upgradedMetadata(key, w.now));
      }
      w.putMount(upgraded);
      w.describe({ op: 'mount-upgrade', mount: m.path });
    });
  }

  // ---- KV v2

  async readConfig(mount: string) {
    return readConfig(Store.mountOf(await this.view(), mount, 2));
  }

  async writeConfig(mount: string, body: Params): Promise<void> {
    await this.transact(async (w) => writeConfig(w, Store.mountOf(w, mount, 2), body));
  }

  async readData(mount: string, key: string, params: Params = {}) {
    const v = await this.view();
    return readData(v, Store.mountOf(v, mount, 2), key, params);
  }

  async writeData(mount: string, key: string, body: Params) {
    return this.transact(async (w) => writeData(w, Store.mountOf(w, mount, 2), key, body));
  }

  async patchData(mount: string, key: string, body: Params) {
    return this.transact(async (w) => patchData(w, Store.mountOf(w, mount, 2), key, body));
  }

  async deleteLatest(mount: string, key: string): Promise<void> {
    await this.transact(async (w) => deleteLatest(w, Store.mountOf(w, mount, 2), key));
  }

  async deleteVersions(mount: string, key: string, body: Params): Promise<void> {
    await this.transact(async (w) => deleteVersions(w, Store.mountOf(w, mount, 2), key, body));
  }

  async undeleteVersions(mount: string, key: string, body: Params): Promise<void> {
    await this.transact(async (w) => undeleteVersions(w, Store.mountOf(w, mount, 2), key, body));
  }

  /** Destroys versions and purges their ciphertext from history; returns the rewrite's receipt. */
  async destroyVersions(mount: string, key: string, body: Params, options: RewriteOptions = {}): Promise<PurgeReceipt | undefined> {
    return (await this.transactPurging(async (w) => destroyVersions(w, Store.mountOf(w, mount, 2), key, body), 'purge', options)).receipt;
  }

  async readSubkeys(mount: string, key: string, params: Params = {}) {
    const v = await this.view();
    return readSubkeys(v, Store.mountOf(v, mount, 2), key, params);
  }

  async readMetadata(mount: string, key: string) {
    const v = await this.view();
    return readMetadata(v, Store.mountOf(v, mount, 2), key);
  }

  async writeMetadata(mount: string, key: string, body: Params) {
    return this.transact(async (w) => writeMetadata(w, Store.mountOf(w, mount, 2), key, body));
  }

  async patchMetadata(mount: string, key: string, body: Params) {
    return this.transact(async (w) => patchMetadata(w, Store.mountOf(w, mount, 2), key, body));
  }

  /** Deletes the key with all versions and purges their ciphertext from history. */
  async deleteMetadata(mount: string, key: string, options: RewriteOptions = {}): Promise<PurgeReceipt | undefined> {
    return (await this.transactPurging(async (w) => deleteMetadata(w, Store.mountOf(w, mount, 2), key), 'purge', options)).receipt;
  }


  /** LIST: direct children (folders end in "/"); works on v1 and v2 mounts. */
  async list(mount: string, prefix = '', params: Params = {}): Promise<string[]> {
    const v = await this.view();
    return listKeys(v, Store.mountOf(v, mount), prefix, params);
  }

  async scan(mount: string, prefix = ''): Promise<string[]> {
    const v = await this.view();
    return scanKeys(v, Store.mountOf(v, mount), prefix);
  }

  async detailedMetadata(mount: string, prefix = '', params: Params = {}, scan = false) {
    const v = await this.view();
    return detailedMetadata(v, Store.mountOf(v, mount, 2), prefix, params, scan);
  }

  // ---- KV v1

  async v1Read(mount: string, key: string): Promise<SecretData> {
    const v = await this.view();
    return v1Read(v, Store.mountOf(v, mount, 1), key);
  }

  async v1Write(mount: string, key: string, data: unknown): Promise<void> {
    await this.transact(async (w) => v1Write(w, Store.mountOf(w, mount, 1), key, data));
  }

  async v1Delete(mount: string, key: string): Promise<void> {
    await this.transact(async (w) => v1Delete(w, Store.mountOf(w, mount, 1), key));
  }

  // ---- audit and verification

  /** kvgit's commits for a mount, key or prefix, newest first (from the commit trailers). */
  async log(filter: LogFilter = {}): Promise<LogEntry[]> {
    const head = await this.storage.head();
    return (await import('./audit')).readLog(this.storage.objects, head, filter);
  }

  /** Checks the whole store and its history; never throws for what it finds, it reports it. */
  async verify(): Promise<VerifyReport> {
    await this.recover();
    const view = await this.view();
    return (await import('./verify')).verifyStore(view, this.storage.objects, this.location);
  }

  // ---- files of front ends (e.g. the HTTP server's policies and token hashes)

  /** Reads a file under the store's "ext/" folder (not secret: never put plaintext secrets here). */
  /**
   * Reads a file under the store's "ext/" folder. Such files are MACed records (docs/FORMAT.md
   * §2.2), so one written without the store key is refused (ERR_EXT_TAMPERED).
   */
  async readExtFile(path: string): Promise<Uint8Array | undefined> {
    const snap = await this.storage.snapshot();
    await this.unlock(snap);
    const file = extPath(path);
    const bytes = await snap.readFile(file);
    return bytes && decodeExtFile(bytes, path, this.storeKey!.macKey, file);
  }

  /** Names in a folder under "ext/" (folders end in "/"); empty when there is none. */
  async listExtDir(path: string): Promise<string[]> {
    const snap = await this.storage.snapshot();
    await this.unlock(snap);
    const entries = (await snap.listDir(path === '' ? 'ext' : extPath(path))) ?? [];
    return entries.map((e) => (e.mode === TREE_MODE ? `${e.name}/` : e.name)).sort();
  }

  /** Writes (content, UTF-8 text) or removes (null) files under "ext/" as one commit, under the store lock. */
  async writeExtFiles(files: Array<{ path: string; content: Uint8Array | null }>, op: string): Promise<void> {
    const paths = files.map((f) => extPath(f.path));
    await this.transact(async (w) => {
      files.forEach((f, i) => {
        if (f.content === null) w.removeFile(paths[i]!);
        else w.putFile(paths[i]!, encodeExtFile(f.content, f.path, w.sealKey.macKey));
      });
      w.describe({ op, mount: '', path: files.map((f) => f.path).join(',') });
    });
  }

  // ---- members

  async members(): Promise<Member[]> {
    const snap = await this.storage.snapshot();
    await this.unlock(snap);
    return decodeKeyringUnverified((await snap.readFile(KEYRING_FILE))!).members;
  }

  async addMember(name: string, recipient: string): Promise<void> {
    validateMemberName(name);
    if (!isX25519Recipient(recipient)) throw new KvgitError('ERR_INVALID_REQUEST', `"${recipient}" is not an age X25519 recipient (age1…)`);
    await this.addMemberWith({ name, type: 'x25519', recipient });
  }

  /** A member who unlocks with a passphrase (scrypt, work factor 2^18 unless `logN` says otherwise). */
  async addPassphraseMember(name: string, passphrase: string, logN?: number): Promise<void> {
    validateMemberName(name);
    const { member, sealedIdentity } = await newPassphraseMember(name, passphrase, logN);
    await this.addMemberWith(member, sealedIdentity);
  }

  private async addMemberWith(member: Member, sealedIdentity?: Uint8Array): Promise<void> {
    await this.transact(async (w) => {
      const keyring = decodeKeyringUnverified((await w.snap.readFile(KEYRING_FILE))!);
      if (keyring.members.some((m) => m.name === member.name)) throw new KvgitError('ERR_INVALID_REQUEST', `a member named ${member.name} already exists`);
      if (keyring.members.some((m) => m.recipient === member.recipient)) throw new KvgitError('ERR_INVALID_REQUEST', `${member.recipient} is already a member`);
      keyring.members.push(member);
      w.putFile(KEYRING_FILE, encodeKeyring(keyring, w.key));
      w.putFile(keyringEntryFile(member.name), await wrapForMember(member, w.key));
      if (sealedIdentity) w.putFile(memberIdentityFile(member.name), sealedIdentity);
      w.describe({ op: 'member-add', mount: '', path: member.name });
    });
  }

  /**
   * Removes a member. The member held the store key, so by default the key is rotated in the same
   * commit; either way the result lists every secret the member could read. What the history still
   * holds (old ciphertext under the old key) is in docs/THREAT-MODEL.md.
   */
  async removeMember(name: string, options: { rotate?: boolean; onProgress?: Progress } = {}): Promise<MemberRemoval> {
    const rotate = options.rotate ?? true;
    return this.transact(async (w) => {
      const keyring = decodeKeyringUnverified((await w.snap.readFile(KEYRING_FILE))!);
      const member = keyring.members.find((m) => m.name === name);
      if (!member) throw new KvgitError('ERR_INVALID_REQUEST', `no member named ${name}`);
      if (keyring.members.length === 1) throw new KvgitError('ERR_INVALID_REQUEST', `${name} is the last member; a store needs one`);
      const readable: string[] = [];
      for (const m of w.mounts.values()) for (const k of await w.allKeys(m)) readable.push(`${m.path}${k}`);
      keyring.members = keyring.members.filter((m) => m.name !== name);
      w.removeFile(keyringEntryFile(name));
      if (member.type === 'passphrase') w.removeFile(memberIdentityFile(name));
      w.describe({ op: 'member-remove', mount: '', path: name });
      if (rotate) await this.rotateInto(w, keyring, options.onProgress);
      else w.putFile(KEYRING_FILE, encodeKeyring(keyring, w.key));
      return { member: name, rotated: rotate, readable };
    }).finally(() => this.lock());
  }

  /** A new store key; every live version is re-encrypted and every record re-MACed, in one commit. */
  async rotate(options: { onProgress?: Progress } = {}): Promise<{ versions: number }> {
    return this.transact(async (w) => {
      const keyring = decodeKeyringUnverified((await w.snap.readFile(KEYRING_FILE))!);
      w.describe({ op: 'rotate', mount: '' });
      return { versions: await this.rotateInto(w, keyring, options.onProgress) };
    }).finally(() => this.lock());
  }

  private async rotateInto(w: StoreWriter, keyring: Keyring, onProgress?: Progress): Promise<number> {
    const next = await StoreKey.from(await newX25519Identity());
    w.sealKey = next;
    w.acceptUnauthenticatedBlobs = true;
    const work: Array<() => Promise<void>> = [];
    for (const mount of w.mounts.values()) {
      for (const key of await w.allKeys(mount)) {
        // A key folder without its files (made with plain git) cannot be sealed again: say which.
        const missing = (file: string) => new KvgitError('ERR_CORRUPT', `${file} is missing: ${mount.path}${key} cannot be sealed with the new key`, { file, mount: mount.path, path: key, hint: 'restore the file from the history, or remove the key folder with git' });
        if (mount.version === 1) {
          work.push(async () => {
            const data = await w.v1Data(mount, key);
            if (!data) throw missing(v1DataFile(mount.path, key));
            w.putV1Data(mount, key, data);
          });
          continue;
        }
        const meta = await w.metadata(mount, key);
        if (!meta) throw missing(metadataFile(mount.path, key));
        w.putMetadata(mount, meta);
        for (const [n, v] of meta.versions) {
          if (!v.destroyed && (await w.hasVersionData(mount, key, n))) work.push(async () => w.putVersionData(mount, key, n, (await w.versionData(mount, key, n))!));
        }
      }
    }
    for (let i = 0; i < work.length; i++) {
      await work[i]!();
      onProgress?.(i + 1, work.length);
    }
    for (const path of await allExtFiles(w.snap)) {
      const file = extPath(path);
      w.putFile(file, encodeExtFile(decodeExtFile((await w.snap.readFile(file))!, path, w.key.macKey, file), path, next.macKey));
    }
    keyring.storeRecipient = next.recipient;
    w.putFile(KEYRING_FILE, encodeKeyring(keyring, next));
    for (const m of keyring.members) w.putFile(keyringEntryFile(m.name), await wrapForMember(m, next));
    w.mountsChanged = true;
    return work.length;
  }
}

export type Progress = (done: number, total: number) => void;

export interface MemberRemoval {
  member: string;
  rotated: boolean;
  /** Every secret the removed member could read (mount path + key). */
  readable: string[];
}

async function allExtFiles(snap: Snapshot, dir = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await snap.listDir(dir === '' ? 'ext' : `ext/${dir}`)) ?? []) {
    const path = dir === '' ? e.name : `${dir}/${e.name}`;
    if (e.mode === TREE_MODE) out.push(...(await allExtFiles(snap, path)));
    else out.push(path);
  }
  return out;
}

function extPath(path: string): string {
  if (path === '' || path.split('/').some((s) => s === '' || s === '.' || s === '..' || s === '.git')) {
    throw new KvgitError('ERR_INVALID_REQUEST', `invalid file path "${path}"`);
  }
  return `ext/${path}`;
}

function newMount(path: string, version: number, now: number): Mount {
  return { path, uuid: randomUUID(), type: 'kv', version: version as 1 | 2, description: '', config: defaultMountConfig(), created: now };
}

function defaultMemberName(env: NodeJS.ProcessEnv): string {
  const raw = env.USER || env.USERNAME || 'owner';
  const clean = raw.replace(/[^A-Za-z0-9._@-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return clean === '' ? 'owner' : clean.slice(0, 64);
}

