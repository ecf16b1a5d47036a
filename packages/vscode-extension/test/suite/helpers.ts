/** Shared by the integration tests: the extension's API, scripted answers to prompts, waiting. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as vscode from 'vscode';
import { Store } from '@kvgit/core';
import type { KvgitApi } from '../../src/extension';
import type { InputOptions, PickItem, Ui } from '../../src/views/ui';
import { type Fixture, fixtureFromEnv, otherWriterEnv } from '../fixture';

export const EXTENSION_ID = 'kvgit.kvgit-vscode';

let cached: { api: KvgitApi; fixture: Fixture; ui: ScriptedUi } | undefined;

export async function setup(): Promise<{ api: KvgitApi; fixture: Fixture; ui: ScriptedUi }> {
  if (cached) return cached;
  const ext = vscode.extensions.getExtension<KvgitApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is installed`);
  const api = await ext.activate();
  await api.ready;
  const ui = new ScriptedUi();
  api.ui.current = ui;
  cached = { api, fixture: fixtureFromEnv(), ui };
  return cached;
}

/** Polls a condition (no fixed sleeps): resolves with its first truthy value. */
export async function waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${last instanceof Error ? last.message : String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Another writer of the same repository (as the CLI would be): its own Store, its own identity source. */
export async function otherWriter(f: Fixture): Promise<Store> {
  return Store.open({ path: f.repo, env: otherWriterEnv(f) });
}

export function git(f: Fixture, ...args: string[]): string {
  return execFileSync('git', args, { cwd: f.repo, env: f.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Subjects of the store's commits, newest first. */
export function subjects(f: Fixture, ref = 'HEAD', n = 5): string[] {
  return git(f, 'log', `-${n}`, '--format=%s', ref).trim().split('\n');
}

type Answer = { method: keyof Ui; match?: RegExp; answer: unknown };

/**
 * Answers prompts from a script, in order, and records every prompt and message. A prompt with no
 * scripted answer is cancelled (and recorded), which the tests then see as a missing result.
 */
export class ScriptedUi implements Ui {
  readonly asked: Array<{ method: keyof Ui; text: string; options?: string[] }> = [];
  private script: Answer[] = [];

  answer(method: keyof Ui, answer: unknown, match?: RegExp): this {
    this.script.push({ method, answer, match });
    return this;
  }

  /** Every scripted answer was used. */
  assertDone(): void {
    assert.deepEqual(this.script.map((a) => `${a.method}:${a.match ?? ''}`), [], 'all scripted answers were used');
  }

  reset(): void {
    this.script = [];
    this.asked.length = 0;
  }

  messages(method: 'info' | 'warn' | 'error'): string[] {
    return this.asked.filter((a) => a.method === method).map((a) => a.text);
  }

  private take(method: keyof Ui, text: string): unknown {
    const i = this.script.findIndex((a) => a.method === method && (!a.match || a.match.test(text)));
    if (i < 0) return undefined;
    const [a] = this.script.splice(i, 1);
    return a!.answer;
  }

  async pick<T>(title: string, items: PickItem<T>[]): Promise<T | undefined> {
    this.asked.push({ method: 'pick', text: title, options: items.map((i) => i.label) });
    const a = this.take('pick', title);
    if (a === undefined) return undefined;
    const found = items.find((i) => i.label === a || i.value === a);
    assert.ok(found, `"${String(a)}" is one of ${items.map((i) => i.label).join(', ')}`);
    return found.value;
  }

  async input(o: InputOptions): Promise<string | undefined> {
    this.asked.push({ method: 'input', text: `${o.title} ${o.prompt ?? ''}` });
    const a = this.take('input', `${o.title} ${o.prompt ?? ''}`) as string | undefined;
    if (a !== undefined && o.validate) assert.equal(o.validate(a), undefined, `"${a}" passes the prompt's validation`);
    return a;
  }

  async confirm(message: string, detail: string, ...actions: string[]): Promise<string | undefined> {
    this.asked.push({ method: 'confirm', text: `${message} ${detail}`, options: actions });
    return this.take('confirm', message) as string | undefined;
  }

  async info(message: string, ...actions: string[]): Promise<string | undefined> {
    this.asked.push({ method: 'info', text: message, options: actions });
    return this.take('info', message) as string | undefined;
  }

  async warn(message: string, ...actions: string[]): Promise<string | undefined> {
    this.asked.push({ method: 'warn', text: message, options: actions });
    return this.take('warn', message) as string | undefined;
  }

  async error(message: string, ...actions: string[]): Promise<string | undefined> {
    this.asked.push({ method: 'error', text: message, options: actions });
    return this.take('error', message) as string | undefined;
  }

  async openFile(title: string): Promise<string | undefined> {
    this.asked.push({ method: 'openFile', text: title });
    return this.take('openFile', title) as string | undefined;
  }
}

/** Closes every editor; dirty ones are reverted first (closing them would ask). */
export async function closeAllEditors(): Promise<void> {
  for (const d of vscode.workspace.textDocuments.filter((x) => x.isDirty)) {
    await vscode.window.showTextDocument(d);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

export function docText(uri: vscode.Uri): string | undefined {
  return vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString())?.getText();
}

export async function replaceText(doc: vscode.TextDocument, text: string): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), text);
  assert.ok(await vscode.workspace.applyEdit(edit), 'edit applied');
}

export function tabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs);
}

/** For tests that can run alone (mocha --grep): unlock from the fixture's identity file if needed. */
export async function ensureUnlocked(): Promise<void> {
  const { api, fixture, ui } = await setup();
  if ((api.model.state as { kind: string }).kind === 'unlocked') return;
  ui.answer('pick', 'file').answer('openFile', fixture.identityFile).answer('info', 'Only for This Session');
  await vscode.commands.executeCommand('kvgit.unlock');
  assert.equal((api.model.state as { kind: string }).kind, 'unlocked');
  ui.reset();
}
