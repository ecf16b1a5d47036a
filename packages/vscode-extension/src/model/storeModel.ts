/**
 * StoreModel: the one owner of the core Store inside the editor. It keeps the lock state (the
 * editor's own lock: while locked it refuses every operation, even if the environment holds an
 * identity), serialises writes, and tells listeners when the state or the store's content moved.
 * It never imports `vscode`.
 */
import {
  type ConfirmRewrite, type Credential, type InitResult, type Layout, type LogEntry, type Member, type Mount, type StorageLocation,
  KvgitError, Store, isKvgitError,
} from '@kvgit/core';
import { Emitter } from './events';

export type ModelState =
  | { kind: 'starting' }
  | { kind: 'noStore'; reason: string }
  | { kind: 'locked'; location: StorageLocation; reason?: string }
  | { kind: 'unlocked'; location: StorageLocation; member: string; source: string };

/** Raised for any store operation while the editor holds the store locked. */
export class LockedError extends Error {
  readonly code = 'ERR_LOCKED';
  constructor() {
    super('the kvgit store is locked');
  }
}

export interface VersionInfo {
  version: number;
  created_time: string;
  deletion_time: string;
  destroyed: boolean;
}

export type Metadata = Awaited<ReturnType<Store['readMetadata']>>;
export type Config = Awaited<ReturnType<Store['readConfig']>>;
export type ReadResult = Awaited<ReturnType<Store['readData']>>;

export interface DestroyOutcome {
  versions: number[];
  /** The core's own receipt when it returns one (history rewrite), else undefined. */
  receipt: unknown;
  commit: string | undefined;
  log: LogEntry | undefined;
}

export interface ModelOptions {
  /** The workspace folder: the store is looked up from here. */
  root: string;
  env: NodeJS.ProcessEnv;
}

export class StoreModel {
  private store: Store | undefined;
  private credentials: Credential[] = [];
  private lastHead: string | undefined;
  private lastRef: string | undefined;
  private writes: Promise<unknown> = Promise.resolve();
  private _state: ModelState = { kind: 'starting' };

  private readonly stateEmitter = new Emitter<ModelState>();
  private readonly changeEmitter = new Emitter<void>();
  /** The lock state or the store's location changed. */
  readonly onDidChangeState = this.stateEmitter.event;
  /** The store's content may have changed (a write here, a commit elsewhere, a branch switch). */
  readonly onDidChangeStore = this.changeEmitter.event;

  constructor(readonly options: ModelOptions) {}

  get state(): ModelState {
    return this._state;
  }

  get location(): StorageLocation | undefined {
    return this._state.kind === 'locked' || this._state.kind === 'unlocked' ? this._state.location : undefined;
  }

  private setState(s: ModelState): void {
    this._state = s;
    this.stateEmitter.fire(s);
  }

  /**
   * Finds the store; unless `unlockWith` is false, tries to unlock silently with the environment's
   * identities plus the credentials it gives for the repository (its git directory).
   */
  async start(unlockWith: false | ((gitdir: string) => Promise<Credential[]>)): Promise<ModelState> {
    this.autoUnlock = unlockWith !== false;
    return this.open(unlockWith);
  }

  /** Whether a store found later (after a branch switch) may be unlocked silently: not when the
   * user turned that off, nor after the user locked it. */
  private autoUnlock = true;
  private lockedByUser = false;

  private async open(unlockWith: false | ((gitdir: string) => Promise<Credential[]>)): Promise<ModelState> {
    const store = await this.find();
    if (!store) return this._state;
    this.lastRef = await store.storage.ref().catch(() => undefined);
    this.lastHead = await store.storage.head().catch(() => undefined);
    this.setState({ kind: 'locked', location: store.location });
    if (unlockWith !== false) {
      try {
        await this.unlock(await unlockWith(store.location.gitdir));
      } catch (e) {
        if (!isKvgitError(e, 'ERR_NO_IDENTITY') && !isKvgitError(e, 'ERR_NOT_A_MEMBER')) throw e;
        this.setState({ kind: 'locked', location: store.location, reason: e.message });
      }
    }
    return this._state;
  }

  private async find(): Promise<Store | undefined> {
    try {
      return await Store.open({ path: this.options.root, env: this.options.env });
    } catch (e) {
      if (isKvgitError(e, 'ERR_NOT_A_STORE')) {
        this.store = undefined;
        this.setState({ kind: 'noStore', reason: e.message });
        return undefined;
      }
      throw e;
    }
  }

  /** Unlocks with the environment's identities plus `extra`; keeps `extra` in memory only. */
  async unlock(extra: Credential[] = []): Promise<{ member: string; source: string }> {
    const store = await Store.open({ path: this.options.root, env: this.options.env, extra });
    const who = await store.unlock();
    this.store = store;
    this.credentials = extra;
    this.lockedByUser = false;
    this.lastRef = await store.storage.ref().catch(() => undefined);
    this.lastHead = await store.storage.head().catch(() => undefined);
    this.setState({ kind: 'unlocked', location: store.location, member: who.member, source: who.source });
    this.changeEmitter.fire();
    return who;
  }

  /** Forgets the store key and the credentials held in memory. */
  lock(): void {
    this.store?.lock();
    const location = this.location;
    this.store = undefined;
    this.credentials = [];
    this.lockedByUser = true;
    if (location) this.setState({ kind: 'locked', location });
    this.changeEmitter.fire();
  }

  async init(layout: Layout): Promise<InitResult> {
    const result = await Store.init({ path: this.options.root, env: this.options.env, layout });
    this.store = result.store;
    this.credentials = [];
    this.lastRef = await result.store.storage.ref().catch(() => undefined);
    this.lastHead = await result.store.storage.head().catch(() => undefined);
    this.setState({ kind: 'unlocked', location: result.store.location, member: result.member, source: 'init' });
    this.changeEmitter.fire();
    return result;
  }

  /**
   * Looks again: the store may have appeared, vanished (a branch without it), moved to another
   * branch's content, or got new commits. Fires onDidChangeStore when anything moved (always when
   * `force`).
   */
  async refresh(force = false): Promise<void> {
    if (this._state.kind === 'noStore' || this._state.kind === 'starting') {
      const held = this.credentials;
      await this.open(this.autoUnlock && !this.lockedByUser ? async () => held : false);
      if (this.location) this.changeEmitter.fire();
      return;
    }
    let probe: Store;
    try {
      probe = await Store.open({ path: this.options.root, env: this.options.env });
    } catch (e) {
      if (isKvgitError(e, 'ERR_NOT_A_STORE')) {
        this.store = undefined;
        this.setState({ kind: 'noStore', reason: e.message });
        this.changeEmitter.fire();
        return;
      }
      throw e;
    }
    const ref = await probe.storage.ref().catch(() => undefined);
    const head = await probe.storage.head().catch(() => undefined);
    const moved = ref !== this.lastRef || probe.location.prefix !== this.location?.prefix || probe.location.layout !== this.location?.layout;
    const changed = moved || head !== this.lastHead;
    this.lastRef = ref;
    this.lastHead = head;
    if (moved) {
      // Another branch may hold another store: unlock again from scratch with what we hold.
      if (this._state.kind === 'unlocked') {
        try {
          await this.unlock(this.credentials);
        } catch (e) {
          this.store = undefined;
          this.setState({ kind: 'locked', location: probe.location, reason: e instanceof Error ? e.message : String(e) });
          // Not having a key is being locked; a store that fails its integrity check is an error to show.
          if (!isKvgitError(e, 'ERR_NO_IDENTITY') && !isKvgitError(e, 'ERR_NOT_A_MEMBER')) throw e;
        }
      } else {
        this.setState({ kind: 'locked', location: probe.location });
      }
    }
    if (changed || force) this.changeEmitter.fire();
  }

  /** Throws LockedError unless unlocked (commands check before opening cached documents). */
  assertUnlocked(): void {
    this.unlocked();
  }

  private unlocked(): Store {
    if (this._state.kind !== 'unlocked' || !this.store) throw new LockedError();
    return this.store;
  }

  /** Runs writes one after another; each is followed by a change event. */
  private write<T>(fn: (s: Store) => Promise<T>): Promise<T> {
    const run = this.writes.then(async () => {
      const store = this.unlocked();
      try {
        return await fn(store);
      } finally {
        this.lastHead = await store.storage.head().catch(() => this.lastHead);
        this.changeEmitter.fire();
      }
    });
    this.writes = run.catch(() => undefined);
    return run;
  }

  // ---- reads

  async mounts(): Promise<Mount[]> {
    return this.unlocked().mounts();
  }

  async mount(path: string): Promise<Mount> {
    const m = (await this.mounts()).find((x) => x.path === path || x.path === `${path}/`);
    if (!m) throw new KvgitError('ERR_NO_ROUTE', `no mount at ${path}`, { mount: path });
    return m;
  }

  /** Direct children of a folder (folders end with "/"); [] for an empty folder. */
  async list(mount: string, folder = ''): Promise<string[]> {
    try {
      return await this.unlocked().list(mount, folder);
    } catch (e) {
      if (isKvgitError(e, 'ERR_NOT_FOUND')) return [];
      throw e;
    }
  }

  /** Every key of a mount. */
  async scan(mount: string): Promise<string[]> {
    return this.unlocked().scan(mount, '');
  }

  /** The children of a folder with each key's metadata, in one snapshot. */
  async detailed(mount: string, folder = ''): Promise<{ keys: string[]; info: Record<string, Metadata | Record<string, never>> }> {
    try {
      const r = await this.unlocked().detailedMetadata(mount, folder);
      return { keys: r.keys, info: r.key_info ?? {} };
    } catch (e) {
      if (isKvgitError(e, 'ERR_NOT_FOUND')) return { keys: [], info: {} };
      throw e;
    }
  }

  async readData(mount: string, key: string, version?: number): Promise<ReadResult> {
    return this.unlocked().readData(mount, key, version === undefined ? {} : { version });
  }

  async readMetadata(mount: string, key: string): Promise<Metadata> {
    return this.unlocked().readMetadata(mount, key);
  }

  async readConfig(mount: string): Promise<Config> {
    return this.unlocked().readConfig(mount);
  }

  /** The key's commits, newest first (from the store's history; no values in them). */
  async log(mount: string, key: string): Promise<LogEntry[]> {
    return this.unlocked().log({ mount, path: key });
  }

  async members(): Promise<Member[]> {
    return this.unlocked().members();
  }

  /** Whether the core offers store-key rotation (another engineer's work; wired when it lands). */
  get canRotate(): boolean {
    return typeof (Store.prototype as unknown as { rotate?: unknown }).rotate === 'function';
  }

  // ---- writes

  writeData(mount: string, key: string, data: Record<string, unknown>, cas?: number) {
    return this.write((s) => s.writeData(mount, key, cas === undefined ? { data } : { data, options: { cas } }));
  }

  patchData(mount: string, key: string, data: Record<string, unknown>, cas?: number) {
    return this.write((s) => s.patchData(mount, key, cas === undefined ? { data } : { data, options: { cas } }));
  }

  deleteLatest(mount: string, key: string) {
    return this.write((s) => s.deleteLatest(mount, key));
  }

  deleteVersions(mount: string, key: string, versions: number[]) {
    return this.write((s) => s.deleteVersions(mount, key, { versions }));
  }

  undeleteVersions(mount: string, key: string, versions: number[]) {
    return this.write((s) => s.undeleteVersions(mount, key, { versions }));
  }

  /** `confirm` is asked before a history rewrite (directory layout: code commits change too). */
  destroyVersions(mount: string, key: string, versions: number[], confirm?: ConfirmRewrite): Promise<DestroyOutcome> {
    return this.write(async (s) => {
      const receipt: unknown = await s.destroyVersions(mount, key, { versions }, { confirm });
      const [log] = await s.log({ mount, path: key, limit: 1 });
      return { versions, receipt, commit: await s.storage.head(), log };
    });
  }

  deleteKey(mount: string, key: string, confirm?: ConfirmRewrite) {
    return this.write((s) => s.deleteMetadata(mount, key, { confirm }));
  }

  writeMetadata(mount: string, key: string, body: Record<string, unknown>) {
    return this.write((s) => s.writeMetadata(mount, key, body));
  }

  writeConfig(mount: string, body: Record<string, unknown>) {
    return this.write((s) => s.writeConfig(mount, body));
  }

  addMember(name: string, recipient: string) {
    return this.write((s) => s.addMember(name, recipient));
  }

  rotate(): Promise<unknown> {
    return this.write(async (s) => {
      const rotate = (s as unknown as { rotate?: () => Promise<unknown> }).rotate;
      if (typeof rotate !== 'function') throw new KvgitError('ERR_UNSUPPORTED_OPERATION', 'this kvgit core has no store-key rotation yet');
      return rotate.call(s);
    });
  }

  dispose(): void {
    this.store?.lock();
    this.store = undefined;
    this.credentials = [];
    this.stateEmitter.dispose();
    this.changeEmitter.dispose();
  }
}
