/**
 * The kvgit: file system. Documents are rendered from the store on every read and never written
 * anywhere but back into the store: no temporary, cache or sibling files. The latest version of a
 * key is writable; saving it writes a new version with check-and-set against the version that
 * document was read at. Historic versions and histories are read-only (FileStat.permissions).
 *
 * Stats report size 0: VS Code's own dirty-write check compares sizes, and a virtual document's
 * size says nothing; conflicts are decided by check-and-set here, never by VS Code guessing. The
 * mtime changes whenever the document's content can have changed, so open clean editors reload.
 */
import * as vscode from 'vscode';
import { isKvgitError } from '@kvgit/core';
import type { StoreModel } from '../model/storeModel';
import { type Parsed, check, configDocument, metadataDocument, renderJson } from './documents';
import { type DocRef, SCHEME, describeRef, parseUri, toUri } from './uris';

export interface SaveConflict {
  uri: vscode.Uri;
  ref: DocRef & { kind: 'data' };
  /** The version the edit started from; undefined when kvgit does not know it (a restored editor). */
  base: number | undefined;
  current: number;
}

export class KvgitFileSystem implements vscode.FileSystemProvider {
  private readonly changes = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changes.event;
  private readonly conflicts = new vscode.EventEmitter<SaveConflict>();
  /** A save lost a check-and-set race; the document is still dirty. */
  readonly onDidConflict = this.conflicts.event;
  private readonly saveProblems = new vscode.EventEmitter<{ uri: vscode.Uri; message: string | undefined }>();
  /** The core refused a save (message) or accepted one (undefined). */
  readonly onDidSaveProblem = this.saveProblems.event;

  /** Latest-version documents: the version each was last read at (the check-and-set base). */
  private readonly bases = new Map<string, number>();
  /** Every document served, so a store change can tell VS Code to look again. */
  private readonly served = new Map<string, vscode.Uri>();
  /** Metadata and config documents: the text an editor's edit started from (see writeFile). */
  private readonly servedText = new Map<string, string>();
  private readonly subscription: { dispose(): void };

  constructor(private readonly model: StoreModel) {
    this.subscription = model.onDidChangeStore(() => this.announceChanges());
  }

  /** Tells VS Code every served document may have changed; clean editors reload, dirty ones stay. */
  announceChanges(): void {
    const events = [...this.served.values()].map((uri) => ({ type: vscode.FileChangeType.Changed, uri }));
    if (events.length > 0) this.changes.fire(events);
  }

  /** The version a latest-version document was read at. */
  baseOf(uri: vscode.Uri): number | undefined {
    return this.bases.get(uri.toString());
  }

  /** Moves a document's check-and-set base (after the user chose to save over a newer version). */
  rebase(uri: vscode.Uri, version: number): void {
    this.bases.set(uri.toString(), version);
  }

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  private ref(uri: vscode.Uri): DocRef {
    const ref = parseUri(uri);
    if (!ref || toUri(ref).path !== uri.path) throw vscode.FileSystemError.FileNotFound(uri);
    return ref;
  }

  /**
   * VS Code asks for the parents of a document (same query, shorter path) before a write: they
   * are folders.
   */
  private isParent(uri: vscode.Uri): boolean {
    const ref = parseUri(uri);
    if (!ref) return false;
    const path = toUri(ref).path;
    return path !== uri.path && path.startsWith(`${uri.path.replace(/\/$/, '')}/`);
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    if (this.isParent(uri)) return { type: vscode.FileType.Directory, ctime: 0, mtime: 0, size: 0 };
    const ref = this.ref(uri);
    return this.guard(uri, async () => {
      const readonly = (ref.kind === 'data' && ref.version !== undefined) || ref.kind === 'history';
      const base = { type: vscode.FileType.File, size: 0, permissions: readonly ? vscode.FilePermission.Readonly : undefined };
      if (ref.kind === 'data') {
        const meta = await this.model.readMetadata(ref.mount, ref.key);
        const n = ref.version ?? meta.current_version;
        const v = meta.versions[String(n)];
        if (!v || v.destroyed || (v.deletion_time !== '' && Date.parse(v.deletion_time) < Date.now())) {
          throw vscode.FileSystemError.FileNotFound(`${describeRef({ ...ref, version: n })} is ${!v ? 'not there' : v.destroyed ? 'destroyed' : 'deleted'}`);
        }
        const created = Date.parse(v.created_time);
        return { ...base, ctime: Date.parse(meta.created_time), mtime: created + n };
      }
      const text = await this.render(ref);
      return { ...base, ctime: 0, mtime: hash(text) };
    });
  }

  private async render(ref: DocRef): Promise<string> {
    switch (ref.kind) {
      case 'data': {
        const r = await this.model.readData(ref.mount, ref.key, ref.version);
        return renderJson(r.data);
      }
      case 'metadata':
        return renderJson(metadataDocument(await this.model.readMetadata(ref.mount, ref.key)));
      case 'config':
        return renderJson(configDocument(await this.model.readConfig(ref.mount)));
      case 'history':
        return renderHistory(ref, await this.model.log(ref.mount, ref.key));
    }
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const ref = this.ref(uri);
    return this.guard(uri, async () => {
      let text: string;
      if (ref.kind === 'data' && ref.version === undefined) {
        const r = await this.model.readData(ref.mount, ref.key);
        // A dirty editor's edit started from its base: a read for "Compare with Saved" or a reload
        // must not move it, or the save would pass check-and-set over a newer version. A dirty
        // editor with no base (restored after a restart) gets none: its save becomes a conflict.
        if (!this.isDirty(uri)) this.bases.set(uri.toString(), r.metadata.version);
        text = renderJson(r.data);
      } else {
        text = await this.render(ref);
        if ((ref.kind === 'metadata' || ref.kind === 'config') && !this.isDirty(uri)) this.servedText.set(uri.toString(), text);
      }
      this.served.set(uri.toString(), uri);
      return Buffer.from(text, 'utf8');
    });
  }

  async writeFile(uri: vscode.Uri, content: Uint8Array): Promise<void> {
    const ref = this.ref(uri);
    if (ref.kind === 'history' || (ref.kind === 'data' && ref.version !== undefined)) {
      throw vscode.FileSystemError.NoPermissions(`${describeRef(ref)} is read-only: only the latest version can be edited`);
    }
    const text = Buffer.from(content).toString('utf8');
    const parsed: Parsed = check(ref.kind, text);
    if (!parsed.value) {
      // The problems are already underlined as you type; only the core's refusals are recorded.
      const message = parsed.problems.map((p) => p.message).join('; ');
      throw new vscode.FileSystemError(`not saved: ${message}`);
    }
    try {
      if (ref.kind === 'data') {
        // No known base: -1, which no version matches, so the save goes to the conflict flow.
        const written = await this.model.writeData(ref.mount, ref.key, parsed.value, this.bases.get(uri.toString()) ?? -1);
        this.bases.set(uri.toString(), written.version);
      } else {
        // A settings document is written whole: if the store changed since the editor read it, the
        // save would silently undo that change (someone's cas_required, say). Refuse it instead.
        const now = await this.render(ref);
        const from = this.servedText.get(uri.toString());
        if (from !== undefined && now !== from) {
          throw new vscode.FileSystemError(`not saved: ${describeRef(ref)} changed in the store since this editor read it; copy your change, revert the editor (File: Revert File) and make it again`);
        }
        if (ref.kind === 'metadata') await this.model.writeMetadata(ref.mount, ref.key, parsed.value);
        else await this.model.writeConfig(ref.mount, parsed.value);
        this.servedText.set(uri.toString(), await this.render(ref));
      }
      this.saveProblems.fire({ uri, message: undefined });
    } catch (e) {
      if (ref.kind === 'data' && isKvgitError(e, 'ERR_CAS_MISMATCH')) {
        const base = this.bases.get(uri.toString());
        const current = await this.model.readMetadata(ref.mount, ref.key).then((m) => m.current_version, () => 0);
        this.conflicts.fire({ uri, ref, base, current });
        throw new vscode.FileSystemError(`check-and-set conflict: ${describeRef(ref)} is at v${current} in the store, this edit is based on ${base === undefined ? 'a version kvgit does not know (a restored editor)' : `v${base}`}. Compare, then save over v${current} or discard.`);
      }
      if (isKvgitError(e)) {
        this.saveProblems.fire({ uri, message: e.message });
        throw new vscode.FileSystemError(`${e.code}: ${e.message}`);
      }
      throw e;
    }
  }

  private isDirty(uri: vscode.Uri): boolean {
    return vscode.workspace.textDocuments.some((d) => d.isDirty && d.uri.toString() === uri.toString());
  }

  /** Maps "not there" to FileNotFound so VS Code shows a missing document, not a crash. */
  private async guard<T>(uri: vscode.Uri, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof vscode.FileSystemError) throw e;
      if (isKvgitError(e, 'ERR_NOT_FOUND')) throw vscode.FileSystemError.FileNotFound(uri);
      if (e instanceof Error && (e as { code?: string }).code === 'ERR_LOCKED') throw vscode.FileSystemError.Unavailable('the kvgit store is locked: run "kvgit: Unlock"');
      throw e;
    }
  }

  readDirectory(): [string, vscode.FileType][] {
    return [];
  }

  createDirectory(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  delete(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(`${uri.path}: delete keys and versions with the kvgit commands`);
  }

  rename(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changes.dispose();
    this.conflicts.dispose();
    this.saveProblems.dispose();
  }
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0) + 1;
}

function renderHistory(ref: DocRef & { key?: string }, entries: Awaited<ReturnType<StoreModel['log']>>): string {
  const lines = [`# History of ${describeRef(ref)}`, '', `${entries.length} commit${entries.length === 1 ? '' : 's'}, newest first. Commits name operations and versions, never values.`, ''];
  lines.push('| commit | time | author | operation | versions | removed |', '| --- | --- | --- | --- | --- | --- |');
  for (const e of entries) {
    lines.push(`| ${e.commit.slice(0, 12)} | ${e.time} | ${e.author.name} <${e.author.email}> | ${e.operation} | ${e.versions.join(', ')} | ${e.removed.join(', ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

export { SCHEME, toUri };
