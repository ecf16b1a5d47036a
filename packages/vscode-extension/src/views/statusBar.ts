/** The lock state in the status bar; a click locks or unlocks. */
import * as vscode from 'vscode';
import type { ModelState, StoreModel } from '../model/storeModel';

export class LockStatus implements vscode.Disposable {
  readonly item = vscode.window.createStatusBarItem('kvgit.lockState', vscode.StatusBarAlignment.Left, 10);
  private readonly subscription: { dispose(): void };

  constructor(model: StoreModel) {
    this.item.name = 'kvgit lock state';
    this.subscription = model.onDidChangeState((s) => this.render(s));
    this.render(model.state);
  }

  private render(s: ModelState): void {
    void vscode.commands.executeCommand('setContext', 'kvgit.state', s.kind);
    switch (s.kind) {
      case 'unlocked':
        this.item.text = '$(unlock) kvgit';
        this.item.tooltip = `kvgit store unlocked as ${s.member} (identity from ${s.source}). Click to lock.`;
        this.item.command = 'kvgit.lock';
        this.item.show();
        return;
      case 'locked':
        this.item.text = '$(lock) kvgit';
        this.item.tooltip = `kvgit store locked${s.reason ? `: ${s.reason}` : ''}. Click to unlock.`;
        this.item.command = 'kvgit.unlock';
        this.item.show();
        return;
      default:
        this.item.hide();
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
