/** Copies a value and clears the clipboard after a while, if the value is still what it holds. */
import * as vscode from 'vscode';

export class ClipboardGuard implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private cleared: Promise<boolean> | undefined;

  constructor(private readonly seconds: () => number) {}

  /** Resolves when the value is on the clipboard; `whenCleared` then tells when it is gone. */
  async copy(value: string): Promise<void> {
    await vscode.env.clipboard.writeText(value);
    if (this.timer) clearTimeout(this.timer);
    const after = this.seconds();
    if (after <= 0) {
      this.cleared = undefined;
      return;
    }
    this.cleared = new Promise<boolean>((resolve) => {
      this.timer = setTimeout(async () => {
        this.timer = undefined;
        try {
          if ((await vscode.env.clipboard.readText()) === value) {
            await vscode.env.clipboard.writeText('');
            resolve(true);
          } else resolve(false);
        } catch {
          resolve(false);
        }
      }, after * 1000);
    });
  }

  /** The pending clear: true when it cleared the value, false when the clipboard had moved on. */
  get whenCleared(): Promise<boolean> | undefined {
    return this.cleared;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
