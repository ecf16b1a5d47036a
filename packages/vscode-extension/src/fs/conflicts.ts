/**
 * A save that lost a check-and-set race: show the store's newer version beside the user's edit,
 * then let the user save over it (check-and-set against the newer version, so a third writer is
 * caught again) or discard the edit. Nothing is merged or overwritten silently.
 */
import * as vscode from 'vscode';
import type { Ui } from '../views/ui';
import type { KvgitFileSystem, SaveConflict } from './provider';
import { describeRef, toUri } from './uris';

export const SAVE_OVER = 'Save Over Newer Version';
export const DISCARD = 'Discard My Edit';

export class ConflictResolver implements vscode.Disposable {
  /** Documents in conflict → the newer version the user saw in the diff. */
  private readonly pending = new Map<string, SaveConflict>();
  private readonly subscription: vscode.Disposable;
  private readonly shown = new vscode.EventEmitter<SaveConflict>();
  /** The diff is open and the question asked (for the tests and the status of the flow). */
  readonly onDidShowConflict = this.shown.event;

  constructor(
    private readonly fs: KvgitFileSystem,
    private readonly ui: Ui,
  ) {
    this.subscription = fs.onDidConflict((c) => void this.show(c));
  }

  conflictOf(uri: vscode.Uri): SaveConflict | undefined {
    return this.pending.get(uri.toString());
  }

  private async show(c: SaveConflict): Promise<void> {
    this.pending.set(c.uri.toString(), c);
    const newer = toUri({ ...c.ref, version: c.current });
    const based = c.base === undefined ? 'a version kvgit does not know' : `v${c.base}`;
    await vscode.commands.executeCommand('vscode.diff', newer, c.uri, `${c.ref.key}: v${c.current} in the store ↔ your edit (based on ${based})`, { preview: false });
    this.shown.fire(c);
    const choice = await this.ui.warn(
      c.base === undefined
        ? `${describeRef(c.ref)} is at v${c.current}, and kvgit does not know which version your edit started from (the editor was restored). The diff shows both; your edit is not saved.`
        : `${describeRef(c.ref)} changed to v${c.current} while you edited v${c.base}. The diff shows both; your edit is not saved.`,
      SAVE_OVER,
      DISCARD,
    );
    if (choice === SAVE_OVER) await this.retry(c.uri);
    else if (choice === DISCARD) await this.discard(c.uri);
  }

  /** Saves the edit with check-and-set against the version shown in the diff. */
  async retry(uri: vscode.Uri): Promise<boolean> {
    const c = this.pending.get(uri.toString());
    if (!c) return false;
    this.fs.rebase(uri, c.current);
    this.pending.delete(uri.toString());
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (!doc) return false;
    return doc.save();
  }

  async discard(uri: vscode.Uri): Promise<void> {
    this.pending.delete(uri.toString());
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (!doc) return;
    await vscode.window.showTextDocument(doc, { preview: false });
    await vscode.commands.executeCommand('workbench.action.files.revert');
  }

  dispose(): void {
    this.subscription.dispose();
    this.shown.dispose();
  }
}
