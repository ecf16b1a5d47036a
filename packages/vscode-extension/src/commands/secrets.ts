/** Commands on keys and their data: create, open, edit a field, copy a field, settings, history. */
import * as vscode from 'vscode';
import { toUri } from '../fs/uris';
import type { CommandContext, CommandDef } from './context';
import { keyTarget, loose, mountTarget, required, versionTarget } from './target';

function validKey(value: string): string | undefined {
  const k = value.trim();
  if (k === '') return 'a key path is needed, e.g. app/db';
  if (k.endsWith('/')) return 'a key cannot end with "/"';
  if (k.split('/').some((s) => s === '' || s === '.' || s === '..')) return 'no empty, "." or ".." segments';
  return undefined;
}

async function open(ctx: CommandContext, uri: vscode.Uri): Promise<vscode.TextEditor> {
  // VS Code may still hold a closed document's text: never show it while locked.
  ctx.model.assertUnlocked();
  const doc = await vscode.workspace.openTextDocument(uri);
  return vscode.window.showTextDocument(doc, { preview: false });
}

export const secretCommands: CommandDef[] = [
  {
    id: 'kvgit.newSecret',
    async run(ctx, arg) {
      const given = (arg && typeof arg === 'object' ? arg : {}) as { field?: string; value?: string };
      const l = loose(arg);
      const mount = await mountTarget(ctx, arg);
      const key = l.key ?? required(await ctx.ui.input({ title: `kvgit: new secret in ${mount}`, prompt: 'Key path', value: l.folder ?? '', validate: validKey })).trim();
      const field = given.field ?? required(await ctx.ui.input({ title: `kvgit: ${mount}${key}`, prompt: 'First field name', value: 'value', validate: (v) => (v === '' ? 'a field name is needed' : undefined) }));
      const value = given.value ?? required(await ctx.ui.input({ title: `kvgit: ${mount}${key} → ${field}`, prompt: 'Value (not shown)', password: true }));
      // cas 0: create only; an existing key is a conflict, never overwritten.
      const written = await ctx.model.writeData(mount, key, { [field]: value }, 0);
      await open(ctx, toUri({ kind: 'data', mount, key }));
      return written;
    },
  },
  {
    id: 'kvgit.open',
    async run(ctx, arg) {
      const t = await keyTarget(ctx, arg);
      return open(ctx, toUri({ kind: 'data', ...t }));
    },
  },
  {
    id: 'kvgit.openVersion',
    async run(ctx, arg) {
      const t = await versionTarget(ctx, arg, (s) => s === 'live' || s === 'scheduled');
      const meta = await ctx.model.readMetadata(t.mount, t.key);
      // The current version opens editable; older ones read-only.
      return open(ctx, toUri(t.version === meta.current_version ? { kind: 'data', mount: t.mount, key: t.key } : { kind: 'data', ...t }));
    },
  },
  {
    id: 'kvgit.setField',
    async run(ctx, arg) {
      const given = (arg && typeof arg === 'object' ? arg : {}) as { field?: string; value?: string };
      const t = await keyTarget(ctx, arg);
      const current = await ctx.model.readData(t.mount, t.key);
      let field = given.field;
      if (field === undefined) {
        const NEW = '\u0000new';
        const items = [
          ...Object.keys(current.data).map((name) => ({ label: name, description: 'change', value: name })),
          { label: '$(add) New field…', value: NEW },
        ];
        field = required(await ctx.ui.pick(`kvgit: field of ${t.mount}${t.key}`, items));
        if (field === NEW) field = required(await ctx.ui.input({ title: `kvgit: new field in ${t.mount}${t.key}`, prompt: 'Field name', validate: (v) => (v === '' ? 'a field name is needed' : undefined) }));
      }
      const value = given.value ?? required(await ctx.ui.input({ title: `kvgit: ${t.mount}${t.key} → ${field}`, prompt: 'New value (not shown)', password: true }));
      return ctx.model.patchData(t.mount, t.key, { [field]: value }, current.metadata.version);
    },
  },
  {
    id: 'kvgit.copyField',
    async run(ctx, arg) {
      const given = (arg && typeof arg === 'object' ? arg : {}) as { field?: string };
      const l = loose(arg);
      const t = await keyTarget(ctx, arg);
      const r = await ctx.model.readData(t.mount, t.key, l.version);
      const field = given.field ?? required(await ctx.ui.pick(`kvgit: copy a field of ${t.mount}${t.key} v${r.metadata.version}`, Object.keys(r.data).map((name) => ({ label: name, value: name }))));
      if (!(field in r.data)) throw new Error(`${t.mount}${t.key} v${r.metadata.version} has no field "${field}"`);
      const v = r.data[field];
      await ctx.clipboard.copy(typeof v === 'string' ? v : JSON.stringify(v));
      const seconds = vscode.workspace.getConfiguration('kvgit').get<number>('clipboard.clearAfterSeconds', 45);
      void ctx.ui.info(`Copied "${field}" of ${t.mount}${t.key} v${r.metadata.version}.${seconds > 0 ? ` The clipboard is cleared in ${seconds} s.` : ''}`);
      return { field, version: r.metadata.version };
    },
  },
  {
    id: 'kvgit.editMetadata',
    async run(ctx, arg) {
      const t = await keyTarget(ctx, arg);
      return open(ctx, toUri({ kind: 'metadata', ...t }));
    },
  },
  {
    id: 'kvgit.editMountConfig',
    async run(ctx, arg) {
      const mount = await mountTarget(ctx, arg);
      return open(ctx, toUri({ kind: 'config', mount }));
    },
  },
  {
    id: 'kvgit.history',
    async run(ctx, arg) {
      const t = await keyTarget(ctx, arg);
      ctx.model.assertUnlocked();
      const doc = await vscode.workspace.openTextDocument(toUri({ kind: 'history', ...t }));
      await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
      return vscode.window.showTextDocument(doc, { preview: false });
    },
  },
];
