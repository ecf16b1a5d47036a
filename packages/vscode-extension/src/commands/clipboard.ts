/**
 * Copies a value and clears the clipboard after a while, if the value is still what it holds; also
 * at once when the store is locked or the extension stops, so a copied secret does not outlive them.
 */
import * as vscode from 'vscode';

export class ClipboardGuard implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private cleared: Promise<boolean> | undefined;
  /** What was copied, until it is cleared or the clipboard has moved on. */
  private copied: string | undefined;

  constructor(private readonly seconds: () => number) {}

  /** Resolves when the value is on the clipboard; `whenCleared` then tells when it is gone. */
  async copy(value: string): Promise<void> {
    await vscode.env.clipboard.writeText(value);
    this.copied = value;
    if (this.timer) clearTimeout(this.timer);
    const after = this.seconds();
    if (after <= 0) {
      this.cleared = undefined;
      return;
    }
    this.cleared = new Promise<boolean>((resolve) => {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.clearNow().then(resolve);
      }, after * 1000);
    });
  }

  /** The pending clear: true when it cleared the value, false when the clipboard had moved on. */
  get whenCleared(): Promise<boolean> | undefined {
    return this.cleared;
  }

  /** Clears the clipboard now if it still holds the copied value; true when it did. */
  async clearNow(): Promise<boolean> {
    const value = this.copied;
    this.copied = undefined;
    if (value === undefined) return false;
    try {
      if ((await vscode.env.clipboard.readText()) !== value) return false;
      await vscode.env.clipboard.writeText('');
      return true;
    } catch {
      return false;
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
