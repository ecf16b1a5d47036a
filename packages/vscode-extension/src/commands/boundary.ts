/**
 * The one place where a failure becomes words for the user. Handlers throw; this turns the core's
 * stable error codes (never message text) into a notification, with an action where one helps.
 */
import * as vscode from 'vscode';
import { type ErrorCode, isKvgitError } from '@kvgit/core';
import type { CommandContext, CommandDef } from './context';

const WORDS: Partial<Record<ErrorCode, string>> = {
  ERR_CAS_MISMATCH: 'Someone changed this key since it was read (check-and-set). Refresh and try again.',
  ERR_CAS_REQUIRED: 'This key requires check-and-set; write it from its latest version.',
  ERR_NOT_FOUND: 'Not found: the key or version is not there, or it is deleted or destroyed.',
  ERR_NO_IDENTITY: 'No identity to unlock the store with.',
  ERR_NOT_A_MEMBER: 'The identity found is not a member of this store.',
  ERR_LOCK_TIMEOUT: 'Another kvgit process holds the store lock; try again in a moment.',
  ERR_STORE_MODIFIED: 'The store\'s files have uncommitted changes in the work tree.',
  ERR_GIT_STATE: 'The repository is in a state kvgit cannot write in.',
  ERR_INTEGRITY: 'The store failed an integrity check.',
  ERR_CORRUPT: 'The store is damaged.',
  ERR_DECRYPT: 'A version could not be decrypted.',
};

/** The message shown for an error, or undefined for a cancelled prompt (not an error). */
export function describeError(e: unknown): { message: string; unlock: boolean } | undefined {
  const code = (e as { code?: unknown } | undefined)?.code;
  if (code === 'CANCELLED') return undefined;
  if (code === 'ERR_LOCKED') return { message: 'kvgit: the store is locked.', unlock: true };
  if (isKvgitError(e)) {
    const words = WORDS[e.code];
    const hint = e.details.hint ? ` (${e.details.hint})` : '';
    return { message: `kvgit: ${words ? `${words} ` : ''}${e.message}${hint}`, unlock: e.code === 'ERR_NO_IDENTITY' || e.code === 'ERR_NOT_A_MEMBER' };
  }
  return { message: `kvgit: ${e instanceof Error ? e.message : String(e)}`, unlock: false };
}

export function registerCommands(ctx: CommandContext, table: CommandDef[]): vscode.Disposable[] {
  return table.map((def) =>
    vscode.commands.registerCommand(def.id, async (...args: unknown[]) => {
      try {
        return await def.run(ctx, ...args);
      } catch (e) {
        const d = describeError(e);
        if (!d) return undefined;
        void ctx.ui.error(d.message, ...(d.unlock ? ['Unlock…'] : [])).then((a) => {
          if (a === 'Unlock…') void vscode.commands.executeCommand('kvgit.unlock');
        });
        return undefined;
      }
    }),
  );
}
