/** Composition root: builds the parts, wires their events, registers them. No logic of its own. */
import * as vscode from 'vscode';
import { CredentialVault } from './model/credentials';
import { RefWatcher } from './model/refWatcher';
import { StoreModel } from './model/storeModel';
import { BackupScrubber } from './fs/backups';
import { ConflictResolver } from './fs/conflicts';
import { DocumentDiagnostics } from './fs/diagnostics';
import { KvgitFileSystem } from './fs/provider';
import { SCHEME } from './fs/uris';
import { SecretsTree } from './views/tree';
import { LockStatus } from './views/statusBar';
import { UiHolder, VscodeUi } from './views/ui';
import { ClipboardGuard } from './commands/clipboard';
import { describeError, registerCommands } from './commands/boundary';
import { commandTable } from './commands/table';

/** What the extension exports (for other extensions and the integration suite). */
export interface KvgitApi {
  model: StoreModel;
  tree: SecretsTree;
  fs: KvgitFileSystem;
  conflicts: ConflictResolver;
  scrubber: BackupScrubber;
  clipboard: ClipboardGuard;
  ui: UiHolder;
  ready: Promise<void>;
}

export function activate(context: vscode.ExtensionContext): KvgitApi {
  const config = () => vscode.workspace.getConfiguration('kvgit');
  const log = vscode.window.createOutputChannel('kvgit', { log: true });
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd();

  const model = new StoreModel({ root, env: process.env });
  const vault = new CredentialVault(context.secrets);
  const ui = new UiHolder(new VscodeUi());
  const fs = new KvgitFileSystem(model);
  const conflicts = new ConflictResolver(fs, ui);
  const tree = new SecretsTree(model);
  const clipboard = new ClipboardGuard(() => config().get<number>('clipboard.clearAfterSeconds', 45));
  const scrubber = new BackupScrubber(BackupScrubber.rootsFor(context.globalStorageUri.fsPath));
  const watcher = new RefWatcher(root, () => {
    model.refresh().catch((e) => {
      log.error(`refresh: ${e instanceof Error ? e.message : String(e)}`);
      const shown = describeError(e);
      if (shown) void ui.error(shown.message);
    });
  });

  context.subscriptions.push(
    log,
    { dispose: () => model.dispose() },
    vscode.workspace.registerFileSystemProvider(SCHEME, fs, { isCaseSensitive: true }),
    fs,
    conflicts,
    new DocumentDiagnostics(fs),
    tree,
    vscode.window.createTreeView('kvgit.secrets', { treeDataProvider: tree, showCollapseAll: true }),
    new LockStatus(model),
    clipboard,
    scrubber,
    watcher,
    ...registerCommands({ model, ui, vault, conflicts, clipboard }, commandTable),
    model.onDidChangeState((s) => {
      log.info(`state: ${s.kind}`);
      void watcher.arm();
      void vscode.commands.executeCommand('setContext', 'kvgit.canRotate', model.canRotate);
      if (s.kind === 'locked') {
        void closeCleanEditors();
        void clipboard.clearNow();
      }
    }),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document.uri.scheme === SCHEME && e.document.isDirty && config().get('backups.scrub', true)) void scrubber.sweep();
    }),
  );

  const ready = (async () => {
    if (config().get('backups.scrub', true)) await scrubber.start();
    await watcher.arm();
    const auto = config().get<boolean>('unlock.automatically', true);
    await model.start(auto ? (gitdir) => vault.remembered(gitdir) : false);
  })().catch((e) => {
    log.error(`start: ${e instanceof Error ? e.message : String(e)}`);
    void vscode.window.showErrorMessage(`kvgit: ${e instanceof Error ? e.message : String(e)}`);
  });

  // On stop: the copied value off the clipboard, and a last sweep of editor backups (VS Code may
  // have written one for a dirty editor since the last sweep).
  beforeStop = async () => {
    await clipboard.clearNow();
    if (config().get('backups.scrub', true)) await scrubber.sweep();
  };

  return { model, tree, fs, conflicts, scrubber, clipboard, ui, ready };
}

let beforeStop: (() => Promise<void>) | undefined;

/** On lock, editors showing plaintext close; dirty ones stay for the user to decide. */
async function closeCleanEditors(): Promise<void> {
  const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => {
    const input = t.input;
    const uris = input instanceof vscode.TabInputText ? [input.uri] : input instanceof vscode.TabInputTextDiff ? [input.original, input.modified] : [];
    return uris.some((u) => u.scheme === SCHEME) && !t.isDirty;
  });
  if (tabs.length > 0) await vscode.window.tabGroups.close(tabs);
}

export async function deactivate(): Promise<void> {
  // Then the disposables in context.subscriptions do the rest (the model forgets its key).
  await beforeStop?.();
}
