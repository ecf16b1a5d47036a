/**
 * Destroy and metadata delete purge ciphertext from the whole history. On the directory layout
 * that rewrites the code branch too, so the core asks first: on a terminal the user answers; with
 * no terminal the command needs -y (a script that only ever ran against Vault never asked for
 * its repository history to be rewritten).
 */
import type { PurgePlan, PurgeReceipt, RewriteOptions } from '@kvgit/core';
import type { Context } from '../context';

/** Asks before a history rewrite, and shows its progress on a terminal; call finish() after it. */
export function confirmRewrite(ctx: Context, what: string): RewriteOptions & { finish(): void } {
  let progress: ReturnType<Context['progress']> | undefined;
  return {
    onProgress: (done, total) => (progress ??= ctx.progress('Rewriting history')).set(done, total),
    finish: () => progress?.done(),
    confirm: (plan: PurgePlan) =>
      ctx.confirm(
        `${what} removes its ciphertext from the whole history: ${plan.commits} commit(s) get new ids and ${plan.refs.length} ref(s) move (${plan.refs.join(', ')}). Continue?`,
        { whenNonInteractive: 'refuse' },
      ),
  };
}

/** The receipt as stderr lines: what was rewritten, and what kvgit could not reach. */
export function receiptNotices(r: PurgeReceipt | undefined): string[] {
  if (!r) return [];
  const lines = [`History rewritten: ${r.commitsRewritten} commit(s), ${r.refsMoved.length} ref(s) moved, ${r.objectsRemoved} object(s) removed, ${r.packsRewritten} pack(s) rewritten.`];
  for (const m of r.refsMoved) lines.push(`  moved ${m.ref} ${m.old.slice(0, 12)} -> ${m.new.slice(0, 12)}`);
  for (const m of r.remoteRefsRemoved) lines.push(`  removed the local copy of ${m.ref} (the remote still has it)`);
  for (const u of r.unreachable) lines.push(`Not reachable from here: ${u}`);
  return lines;
}
