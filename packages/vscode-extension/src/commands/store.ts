/** Commands on the store itself: init, unlock and lock, refresh, members, rotation, conflicts. */
import * as vscode from 'vscode';
import { type Credential, isKvgitError } from '@kvgit/core';
import { identitiesFromFile, identitiesFromText } from '../model/credentials';
import type { CommandContext, CommandDef } from './context';
import { Cancelled, required } from './target';

export const REMEMBER = 'Remember in VS Code';
export const DONT_REMEMBER = 'Only for This Session';

type Source = 'file' | 'paste' | 'passphrase';

async function askCredential(ctx: CommandContext, source: Source): Promise<Credential[]> {
  switch (source) {
    case 'file': {
      const path = required(await ctx.ui.openFile('kvgit: identity file (age-keygen format)'));
      return identitiesFromFile(path);
    }
    case 'paste': {
      const text = required(await ctx.ui.input({ title: 'kvgit: age identity', prompt: 'AGE-SECRET-KEY-1… (not shown)', password: true }));
      return identitiesFromText(text, 'pasted identity');
    }
    case 'passphrase': {
      const passphrase = required(await ctx.ui.input({ title: 'kvgit: passphrase', prompt: 'The store passphrase (not shown)', password: true }));
      return [{ kind: 'passphrase', passphrase, source: 'passphrase prompt' }];
    }
  }
}

/** Unlock: environment and remembered identity first; otherwise ask, and remember only if told to. */
async function unlock(ctx: CommandContext, arg: unknown): Promise<unknown> {
  const given = (arg && typeof arg === 'object' ? arg : {}) as { source?: Source };
  const location = ctx.model.location;
  if (!location) {
    void ctx.ui.info('There is no kvgit store in this workspace to unlock.');
    return undefined;
  }
  if (!given.source) {
    try {
      const who = await ctx.model.unlock(await ctx.vault.remembered(location.gitdir));
      void ctx.ui.info(`kvgit unlocked as ${who.member} (identity from ${who.source}).`);
      return who;
    } catch (e) {
      if (!isKvgitError(e, 'ERR_NO_IDENTITY') && !isKvgitError(e, 'ERR_NOT_A_MEMBER')) throw e;
    }
  }
  const source =
    given.source ??
    required(
      await ctx.ui.pick<Source>('kvgit: unlock with', [
        { label: '$(file) Identity file…', description: 'an age-keygen identity file', value: 'file' },
        { label: '$(key) Paste an identity', description: 'AGE-SECRET-KEY-1…', value: 'paste' },
        { label: '$(lock) Passphrase', description: 'for a passphrase member', value: 'passphrase' },
      ]),
    );
  const credentials = await askCredential(ctx, source);
  const who = await ctx.model.unlock(credentials);
  const used = credentials.find((c) => c.source === who.source) ?? credentials[0]!;
  const answer = await ctx.ui.info(`kvgit unlocked as ${who.member}. Keep this ${used.kind === 'passphrase' ? 'passphrase' : 'identity'} in VS Code's secret storage for next time?`, REMEMBER, DONT_REMEMBER);
  if (answer === REMEMBER) await ctx.vault.remember(location.gitdir, used);
  return { ...who, remembered: answer === REMEMBER };
}

export const storeCommands: CommandDef[] = [
  {
    id: 'kvgit.init',
    async run(ctx, arg) {
      if (ctx.model.state.kind !== 'noStore') {
        void ctx.ui.info('This workspace already has a kvgit store.');
        return undefined;
      }
      const given = (arg && typeof arg === 'object' ? arg : {}) as { layout?: 'directory' | 'branch' };
      const layout =
        given.layout ??
        required(
          await ctx.ui.pick('kvgit: where to keep the store', [
            { label: 'A .kvgit folder on the current branch', description: 'reviewed beside the code', value: 'directory' as const },
            { label: 'A dedicated "kvgit" branch', description: 'no work-tree files', value: 'branch' as const },
          ]),
        );
      const result = await ctx.model.init(layout);
      void ctx.ui.info(`kvgit store created (${layout} layout); first member ${result.member}.${result.createdIdentity ? ` Your new identity is in ${result.createdIdentity}: back it up.` : ''}`);
      return { member: result.member, recipient: result.recipient, createdIdentity: result.createdIdentity, layout };
    },
  },
  { id: 'kvgit.unlock', run: unlock },
  {
    id: 'kvgit.lock',
    async run(ctx) {
      ctx.model.lock();
      return ctx.model.state.kind;
    },
  },
  {
    id: 'kvgit.refresh',
    async run(ctx) {
      await ctx.model.refresh(true);
      return ctx.model.state.kind;
    },
  },
  {
    id: 'kvgit.addMember',
    async run(ctx, arg) {
      const given = (arg && typeof arg === 'object' ? arg : {}) as { name?: string; recipient?: string };
      const name = given.name ?? required(await ctx.ui.input({ title: 'kvgit: add a member', prompt: 'Member name', validate: (v) => (/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/.test(v) ? undefined : 'letters, digits, . _ @ - (up to 64)') }));
      const recipient = given.recipient ?? required(await ctx.ui.input({ title: `kvgit: ${name}'s public key`, prompt: 'age1… (from age-keygen -y)', validate: (v) => (/^age1[02-9ac-hj-np-z]{58}$/.test(v.trim()) ? undefined : 'an age X25519 recipient: age1…') }));
      await ctx.model.addMember(name, recipient.trim());
      void ctx.ui.info(`${name} is now a member of the kvgit store.`);
      return { name };
    },
  },
  {
    id: 'kvgit.rotate',
    async run(ctx) {
      const result = await ctx.model.rotate();
      void ctx.ui.info('The store key was rotated.');
      return result;
    },
  },
  {
    id: 'kvgit.forgetIdentity',
    async run(ctx) {
      const location = ctx.model.location;
      if (!location) return false;
      await ctx.vault.forget(location.gitdir);
      void ctx.ui.info('The identity kept in VS Code\'s secret storage for this repository is forgotten.');
      return true;
    },
  },
  {
    id: 'kvgit.retrySave',
    async run(ctx, arg) {
      const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
      if (!uri) throw new Cancelled();
      return ctx.conflicts.retry(uri);
    },
  },
];
