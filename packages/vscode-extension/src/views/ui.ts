/**
 * Every question and message the extension puts to the user goes through this interface, so that
 * the flows (which prompt comes, what it offers, what it says) are one place to read, and the
 * integration suite can answer prompts that no VS Code API lets a test type into.
 */
import * as vscode from 'vscode';

export interface PickItem<T> extends vscode.QuickPickItem {
  value: T;
}

export interface InputOptions {
  title: string;
  prompt?: string;
  value?: string;
  placeHolder?: string;
  password?: boolean;
  validate?: (value: string) => string | undefined;
}

export interface Ui {
  pick<T>(title: string, items: PickItem<T>[], placeHolder?: string): Promise<T | undefined>;
  input(options: InputOptions): Promise<string | undefined>;
  /** A modal question; resolves to the chosen action's label, or undefined when dismissed. */
  confirm(message: string, detail: string, ...actions: string[]): Promise<string | undefined>;
  /** A non-modal message; resolves to the chosen action, if any. */
  info(message: string, ...actions: string[]): Promise<string | undefined>;
  warn(message: string, ...actions: string[]): Promise<string | undefined>;
  error(message: string, ...actions: string[]): Promise<string | undefined>;
  openFile(title: string): Promise<string | undefined>;
}

export class VscodeUi implements Ui {
  async pick<T>(title: string, items: PickItem<T>[], placeHolder?: string): Promise<T | undefined> {
    const chosen = await vscode.window.showQuickPick(items, { title, placeHolder, ignoreFocusOut: true });
    return chosen?.value;
  }

  input(o: InputOptions): Promise<string | undefined> {
    return Promise.resolve(
      vscode.window.showInputBox({
        title: o.title,
        prompt: o.prompt,
        value: o.value,
        placeHolder: o.placeHolder,
        password: o.password,
        ignoreFocusOut: true,
        validateInput: o.validate,
      }),
    );
  }

  confirm(message: string, detail: string, ...actions: string[]): Promise<string | undefined> {
    return Promise.resolve(vscode.window.showWarningMessage(message, { modal: true, detail }, ...actions));
  }

  info(message: string, ...actions: string[]): Promise<string | undefined> {
    return Promise.resolve(vscode.window.showInformationMessage(message, ...actions));
  }

  warn(message: string, ...actions: string[]): Promise<string | undefined> {
    return Promise.resolve(vscode.window.showWarningMessage(message, ...actions));
  }

  error(message: string, ...actions: string[]): Promise<string | undefined> {
    return Promise.resolve(vscode.window.showErrorMessage(message, ...actions));
  }

  async openFile(title: string): Promise<string | undefined> {
    const picked = await vscode.window.showOpenDialog({ title, canSelectMany: false, canSelectFolders: false, openLabel: 'Use This Identity' });
    return picked?.[0]?.fsPath;
  }
}

/** Lets the composition root swap the implementation (the integration suite answers prompts). */
export class UiHolder implements Ui {
  constructor(public current: Ui) {}
  pick<T>(title: string, items: PickItem<T>[], placeHolder?: string) {
    return this.current.pick(title, items, placeHolder);
  }
  input(o: InputOptions) {
    return this.current.input(o);
  }
  confirm(message: string, detail: string, ...actions: string[]) {
    return this.current.confirm(message, detail, ...actions);
  }
  info(message: string, ...actions: string[]) {
    return this.current.info(message, ...actions);
  }
  warn(message: string, ...actions: string[]) {
    return this.current.warn(message, ...actions);
  }
  error(message: string, ...actions: string[]) {
    return this.current.error(message, ...actions);
  }
  openFile(title: string) {
    return this.current.openFile(title);
  }
}
