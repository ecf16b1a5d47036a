/**
 * Inline errors for kvgit: documents: JSON and field problems while typing (the same checks the
 * save runs), and the core's refusal of the last save until the next successful one.
 */
import * as vscode from 'vscode';
import { check } from './documents';
import type { KvgitFileSystem } from './provider';
import { SCHEME, parseUri } from './uris';

export class DocumentDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('kvgit');
  private readonly saveErrors = new Map<string, string>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(fs: KvgitFileSystem) {
    this.subscriptions.push(
      vscode.workspace.onDidOpenTextDocument((d) => this.update(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.update(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.saveErrors.delete(d.uri.toString());
        this.collection.delete(d.uri);
      }),
      fs.onDidSaveProblem(({ uri, message }) => {
        if (message === undefined) this.saveErrors.delete(uri.toString());
        else this.saveErrors.set(uri.toString(), message);
        const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
        if (doc) this.update(doc);
      }),
    );
    for (const d of vscode.workspace.textDocuments) this.update(d);
  }

  private update(doc: vscode.TextDocument): void {
    if (doc.uri.scheme !== SCHEME) return;
    const ref = parseUri(doc.uri);
    if (!ref || ref.kind === 'history' || (ref.kind === 'data' && ref.version !== undefined)) return;
    const { problems } = check(ref.kind, doc.getText());
    const diagnostics = problems.map((p) => {
      const range = new vscode.Range(doc.positionAt(p.offset), doc.positionAt(p.offset + p.length));
      const d = new vscode.Diagnostic(range, p.message, vscode.DiagnosticSeverity.Error);
      d.source = 'kvgit';
      return d;
    });
    const saveError = this.saveErrors.get(doc.uri.toString());
    if (saveError && problems.length === 0) {
      const d = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 1), `not saved: ${saveError}`, vscode.DiagnosticSeverity.Error);
      d.source = 'kvgit';
      diagnostics.push(d);
    }
    this.collection.set(doc.uri, diagnostics);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.collection.dispose();
  }
}
