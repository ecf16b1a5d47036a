/**
 * Destroy in histories of 1,000 and 10,000 commits beside `git filter-repo` removing the same
 * blob (version 1 of the first key, introduced in the first store commit, so every later commit
 * is rewritten). Each run works on a fresh copy of a pristine template; the copy is not timed.
 * Both purge: kvgit from history, reflogs and packs; filter-repo expires reflogs and runs gc.
 */
import { join } from 'node:path';
import type { Ctx } from '../lib/context';
import { MOUNT, keyName, type KvStore } from '../lib/gen';
import { run } from '../lib/proc';
import { type Cmd, sample } from '../lib/sample';
import { type Section, type Target, fmtRatio, ratio, ratioCell, table, timeCell } from '../lib/report';

export function destroySuite(ctx: Ctx, templates: Array<{ store: KvStore; template: string }>, roundsAsked: number): { section: Section; missed: Cmd[] } {
  const rows: string[][] = [];
  const targets: Target[] = [];
  const missed: Cmd[] = [];
  const notes: string[] = [];
  for (const { store, template } of templates) {
    const path = `.kvgit/mounts/secret/${keyName(0)}.kv/1.age`;
    const blob = run('git', ['rev-parse', `HEAD:${path}`], { cwd: template, env: ctx.env }).stdout.trim();
    const idsFile = join(ctx.tmp, `strip-${store.commits}.txt`);
    run('sh', ['-c', `echo ${blob} > "${idsFile}"`]);
    const work = join(ctx.tmp, `destroy-run-${store.commits}`);
    const fresh = () => {
      run('rm', ['-rf', work]);
      run('cp', ['-a', template, work]);
    };
    // Proof that each run really removed the blob; git fsck on the last round only (it is slow).
    const proof = (id: string) => (round: number) => {
      const still = run('git', ['cat-file', '-e', blob], { cwd: work, env: ctx.env, allowFail: true }).status === 0;
      if (still) notes.push(`${id} at ${store.commits} commits, round ${round}: blob ${blob.slice(0, 12)} **still present**`);
      if (round === rounds - 1) {
        const fsck = run('git', ['fsck', '--full', '--no-dangling'], { cwd: work, env: ctx.env, allowFail: true }).status === 0;
        notes.push(`${id} at ${store.commits} commits: blob ${blob.slice(0, 12)} ${still ? '**still present**' : 'gone'} after every round; \`git fsck --full\` ${fsck ? 'clean' : '**reports problems**'}`);
      }
    };
    const kv: Cmd = { id: 'kvgit', argv: [...ctx.kvgit, 'kv', 'destroy', '-y', '-versions=1', `${MOUNT}${keyName(0)}`], cwd: work, env: ctx.env, prepare: fresh, after: proof('kvgit destroy') };
    const cmds: Cmd[] = [kv];
    if (!ctx.missing.has('git-filter-repo')) cmds.push({ id: 'filter-repo', argv: ['git', 'filter-repo', '--force', '--quiet', '--strip-blobs-with-ids', idsFile], cwd: work, env: ctx.env, prepare: fresh, after: proof('git filter-repo') });
    const rounds = store.commits >= 10_000 ? Math.min(roundsAsked, 2) : roundsAsked;
    ctx.log(`destroy: history of ${store.commits} commits, ${rounds} rounds`);
    const s = sample(cmds, { rounds, warmup: 0, raw: true, log: ctx.log });
    rows.push([String(store.commits), timeCell(s.get('kvgit')), timeCell(s.get('filter-repo')), ratioCell(ratio(s.get('kvgit'), s.get('filter-repo'))), String(rounds)]);
    const r = ratio(s.get('kvgit'), s.get('filter-repo'));
    if (store.commits >= 10_000) {
      const met = r ? r.median <= 1.0 : undefined;
      targets.push({ name: `destroy over ${store.commits} commits vs \`git filter-repo\``, goal: '≤ 1.0×', measured: r ? `${fmtRatio(r.median)} (${fmtRatio(r.p25)}–${fmtRatio(r.p75)})` : `not measured: ${ctx.missing.get('git-filter-repo') ?? s.get('kvgit')?.error ?? 'failed'}`, met });
      if (met === false) missed.push(kv);
    }
  }
  if (!templates.some((t) => t.store.commits >= 10_000)) targets.push({ name: 'destroy over 10,000 commits vs `git filter-repo`', goal: '≤ 1.0×', measured: 'not measured: quick mode has no 10,000-commit history', met: undefined });
  const body = [
    `\`kvgit kv destroy -y -versions=1 ${MOUNT}${keyName(0)}\` (history rewrite + purge of reflogs, loose objects and packs) vs \`git filter-repo --force --strip-blobs-with-ids\` (rewrite, reflog expire, gc --prune=now) on copies of the same packed repository (directory layout), fresh for every run; paired rounds, alternated.`, '',
    ...table(['commits', 'kvgit destroy', 'git filter-repo', 'kvgit / filter-repo', 'rounds'], rows), '',
    ...notes.map((n) => `- ${n}`),
  ];
  return { section: { title: 'Destroy (history rewrite)', body, targets }, missed };
}
