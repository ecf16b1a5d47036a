/** What a command handler may use: the model and the editor-side services, nothing global. */
import type * as vscode from 'vscode';
import type { CredentialVault } from '../model/credentials';
import type { StoreModel } from '../model/storeModel';
import type { ConflictResolver } from '../fs/conflicts';
import type { Ui } from '../views/ui';
import type { ClipboardGuard } from './clipboard';

export interface CommandContext {
  model: StoreModel;
  ui: Ui;
  vault: CredentialVault;
  conflicts: ConflictResolver;
  clipboard: ClipboardGuard;
}

/** A command is data plus a handler; the handler returns a result and never reports errors itself. */
export interface CommandDef {
  id: string;
  run(ctx: CommandContext, ...args: unknown[]): Promise<unknown>;
}

export type Args = unknown[];
export type UriLike = vscode.Uri;
