/** Commands on versions: delete, undelete, destroy, delete the key, roll back, compare. */
import * as vscode from 'vscode';
import { toUri } from '../fs/uris';
import { versionStatus, versionsOf } from '../views/tree';
import type { DestroyOutcome } from '../model/storeModel';
import { type ConfirmRewrite, type PurgePlan, isKvgitError } from '@kvgit/core';
import type { CommandContext, CommandDef } from './context';
import { Cancelled, keyTarget, loose, required, versionTarget } from './target';

const isLive = (s: string) => s === 'live' || s === 'scheduled';

export const DESTROY = 'Destroy';
export const DELETE_KEY = 'Delete Key';
export const REWRITE = 'Rewrite History';

/**
 * The second question of destroy and key deletion, as the CLI asks it: the ciphertext leaves the
 * history only by rewriting it, and on the directory layout that rewrites code commits too.
 */
function confirmRewrite(ui: CommandContext['ui']): ConfirmRewrite {
  return async (plan: PurgePlan) => {
    const refs = plan.refs.length ? ` These refs move: ${plan.refs.join(', ')}.` : '';
    const answer = await ui.confirm(
      `Rewrite ${plan.commits} commit(s) of this repository's history?`,
      `The ciphertext is removed from every commit that holds it, so those commits and the ones after them (code commits too) get new ids.${refs} Other clones and remotes keep the old history until they fetch the rewritten one; kvgit says what to run afterwards.`,
      REWRITE,
    );
    return answer === REWRITE;
  };
}

/** A refused rewrite changed nothing: the same as a dismissed question. */
async function unlessRefused<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (isKvgitError(e, 'ERR_CONFIRMATION_REFUSED')) throw new Cancelled();
    throw e;
  }
}

/** Words for what a destroy did, from the core's receipt when it gives one. */
export function describeDestroy(where: string, o: DestroyOutcome): string {
  const parts = [`Destroyed v${o.versions.join(', v')} of ${where}.`];
  if (o.log) parts.push(`Commit ${o.log.commit.slice(0, 12)} (${o.log.operation}${o.log.removed.length ? `, blobs removed: v${o.log.removed.join(', v')}` : ''}).`);
  const r = o.receipt as Partial<{ commitsRewritten: number; refsMoved: unknown[]; objectsRemoved: number; packsRewritten: number; unreachable: string[]; remoteRefsRemoved: unknown[] }> | undefined;
  if (r && typeof r === 'object') {
    if (typeof r.commitsRewritten === 'number') parts.push(`History rewritten: ${r.commitsRewritten} commit(s), ${r.refsMoved?.length ?? 0} ref(s) moved, ${r.objectsRemoved ?? 0} object(s) removed, ${r.packsRewritten ?? 0} pack(s) rewritten.`);
    if (r.remoteRefsRemoved?.length) parts.push(`${r.remoteRefsRemoved.length} remote-tracking ref(s) dropped locally.`);
    if (r.unreachable?.length) parts.push(`Not reachable from here: ${r.unreachable.join('; ')}.`);
  } else {
    parts.push('This kvgit core returned no receipt: earlier commits may still hold the ciphertext until history is rewritten.');
  }
  return parts.join(' ');
}

export const versionCommands: CommandDef[] = [
  {
    id: 'kvgit.deleteVersion',
    async run(ctx, arg) {
      const l = loose(arg);
      if (l.version === undefined && l.mount && l.key !== undefined) {
        await ctx.model.deleteLatest(l.mount, l.key);
        return { mount: l.mount, key: l.key, latest: true };
      }
      const t = await versionTarget(ctx, arg, isLive);
      await ctx.model.deleteVersions(t.mount, t.key, [t.version]);
      return t;
    },
  },
  {
    id: 'kvgit.undeleteVersion',
    async run(ctx, arg) {
      const t = await versionTarget(ctx, arg, (s) => s === 'deleted' || s === 'scheduled');
      await ctx.model.undeleteVersions(t.mount, t.key, [t.version]);
      return t;
    },
  },
  {
    id: 'kvgit.destroyVersion',
    async run(ctx, arg) {
      const t = await versionTarget(ctx, arg, (s) => s !== 'destroyed');
      const where = `${t.mount}${t.key}`;
      const answer = await ctx.ui.confirm(
        `Destroy version ${t.version} of ${where}?`,
        'Its ciphertext is removed from the store for good; the version stays in the metadata as destroyed. Other clones and remotes keep what they already have.',
        DESTROY,
      );
      if (answer !== DESTROY) throw new Cancelled();
      const outcome = await unlessRefused(() => ctx.model.destroyVersions(t.mount, t.key, [t.version], confirmRewrite(ctx.ui)));
      const message = describeDestroy(where, outcome);
      void ctx.ui.info(message);
      return { ...outcome, message };
    },
  },
  {
    id: 'kvgit.deleteKey',
    async run(ctx, arg) {
      const t = await keyTarget(ctx, arg);
      const meta = await ctx.model.readMetadata(t.mount, t.key);
      const n = Object.keys(meta.versions).length;
      const answer = await ctx.ui.confirm(`Delete ${t.mount}${t.key} and all its ${n} version(s)?`, 'The metadata and every version are removed in one commit, and their ciphertext from the history.', DELETE_KEY);
      if (answer !== DELETE_KEY) throw new Cancelled();
      const receipt = await unlessRefused(() => ctx.model.deleteKey(t.mount, t.key, confirmRewrite(ctx.ui)));
      if (receipt) void ctx.ui.info(`Deleted ${t.mount}${t.key}. History rewritten: ${receipt.commitsRewritten} commit(s), ${receipt.refsMoved.length} ref(s) moved.${receipt.unreachable.length ? ` Not reachable from here: ${receipt.unreachable.join('; ')}.` : ''}`);
      return t;
    },
  },
  {
    id: 'kvgit.rollback',
    async run(ctx, arg) {
      const t = await versionTarget(ctx, arg, isLive);
      const old = await ctx.model.readData(t.mount, t.key, t.version);
      const meta = await ctx.model.readMetadata(t.mount, t.key);
      const written = await ctx.model.writeData(t.mount, t.key, old.data, meta.current_version);
      void ctx.ui.info(`${t.mount}${t.key}: v${written.version} now holds the data of v${t.version}.`);
      return written;
    },
  },
  {
    id: 'kvgit.compareWithPrevious',
    async run(ctx, arg) {
      const t = await versionTarget(ctx, arg, isLive);
      const meta = await ctx.model.readMetadata(t.mount, t.key);
      const previous = versionsOf(meta).find((v) => v.version < t.version && isLive(versionStatus(v)));
      if (!previous) {
        void ctx.ui.info(`${t.mount}${t.key} v${t.version} has no earlier readable version.`);
        return undefined;
      }
      const right = t.version === meta.current_version ? toUri({ kind: 'data', mount: t.mount, key: t.key }) : toUri({ kind: 'data', ...t });
      await vscode.commands.executeCommand('vscode.diff', toUri({ kind: 'data', ...t, version: previous.version }), right, `${t.key}: v${previous.version} ↔ v${t.version}`, { preview: false });
      return { left: previous.version, right: t.version };
    },
  },
  {
    id: 'kvgit.compareVersions',
    async run(ctx, arg, other) {
      const t = await versionTarget(ctx, arg, isLive);
      const meta = await ctx.model.readMetadata(t.mount, t.key);
      const candidates = versionsOf(meta).filter((v) => v.version !== t.version && isLive(versionStatus(v)));
      const with_ =
        typeof other === 'number'
          ? other
          : required(await ctx.ui.pick(`kvgit: compare ${t.mount}${t.key} v${t.version} with`, candidates.map((v) => ({ label: `v${v.version}`, description: v.created_time, value: v.version }))));
      const [a, b] = [Math.min(t.version, with_), Math.max(t.version, with_)];
      await vscode.commands.executeCommand('vscode.diff', toUri({ kind: 'data', ...t, version: a }), toUri({ kind: 'data', ...t, version: b }), `${t.key}: v${a} ↔ v${b}`, { preview: false });
      return { left: a, right: b };
    },
  },
];
