/**
 * Cold CLI: `kvgit get`, `put` and `list` as fresh processes, beside `node -e ''` (the floor of
 * any Node program), `pass show` / `pass insert` / `pass ls` and `age -d`, at every store size,
 * all alternated in one run so that every ratio is paired round by round.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ctx } from '../lib/context';
import { GROUP, MOUNT, branchLayoutCopy, keyName, type KvStore, type PassStore } from '../lib/gen';
import { run } from '../lib/proc';
import { type Cmd, type Series, sample, stat } from '../lib/sample';
import { type Section, type Target, fmtMs, fmtRatio, ratio, ratioCell, table, timeCell } from '../lib/report';

export interface ColdResult { section: Section; series: Map<string, Series>; missed: Array<{ id: string; cmd: Cmd }> }

export function coldSuite(ctx: Ctx, kv: Map<number, KvStore>, pass: Map<number, PassStore>, rounds: number): ColdResult {
  const sizes = [...kv.keys()].sort((a, b) => a - b);
  const small = sizes[0]!;
  const big = sizes[sizes.length - 1]!;
  const cmds: Cmd[] = [];
  const k = ctx.kvgit;
  const keyFor = (n: number) => (round: number) => keyName(((round + 3) * 37) % n);
  cmds.push({ id: 'node', argv: [process.execPath, '-e', ''], env: ctx.env });
  // The CLI's own start-up (its entry module and one small command), without any store work.
  cmds.push({ id: 'version', argv: [...k, '--version'], env: ctx.env });
  // The stock age decrypting one version blob with the store identity: the native floor of a get.
  const s0 = kv.get(small)!;
  const idFile = join(ctx.tmp, 'store-identity.txt');
  writeFileSync(idFile, `${s0.storeIdentity}\n`, { mode: 0o600 });
  const blob = join(ctx.tmp, 'blob.age');
  run('sh', ['-c', `git cat-file blob HEAD:.kvgit/mounts/secret/${keyName(0)}.kv/10.age > "${blob}"`], { cwd: s0.dir, env: ctx.env });
  if (!ctx.missing.has('age')) cmds.push({ id: 'age-d', argv: ['age', '-d', '-i', idFile, blob], env: ctx.env });
  for (const n of sizes) {
    const s = kv.get(n)!;
    const p = pass.get(n);
    const folder = `${MOUNT}${keyName(0).split('/')[0]}/`;
    cmds.push({ id: `get-${n}`, argv: [], argvFor: (r) => [...k, 'kv', 'get', '-field=password', `${MOUNT}${keyFor(n)(r)}`], cwd: s.dir, env: ctx.env });
    cmds.push({ id: `put-${n}`, argv: [], argvFor: (r) => [...k, 'kv', 'put', `${MOUNT}${keyFor(n)(r)}`, 'password=-'], input: (r) => `put-value-${r}`, cwd: s.dir, env: ctx.env });
    cmds.push({ id: `list-${n}`, argv: [...k, 'kv', 'list', folder], cwd: s.dir, env: ctx.env });
    if (n > GROUP) cmds.push({ id: `listroot-${n}`, argv: [...k, 'kv', 'list', MOUNT], cwd: s.dir, env: ctx.env });
    if (p) {
      cmds.push({ id: `pass-show-${n}`, argv: [], argvFor: (r) => ['pass', 'show', keyFor(n)(r)], env: p.env });
      cmds.push({ id: `pass-insert-${n}`, argv: [], argvFor: (r) => ['pass', 'insert', '-m', '-f', keyFor(n)(r)], input: (r) => `insert-value-${r}\n`, env: p.env });
      cmds.push({ id: `pass-ls-${n}`, argv: ['pass', 'ls', keyName(0).split('/')[0]!], env: p.env });
    }
  }
  // The branch layout (the store on its own branch, no work-tree files) has no git index entries
  // to rewrite: `put` on copies of the smallest and largest stores in that layout.
  const branchSizes = small === big ? [small] : [small, big];
  for (const n of branchSizes) {
    const dir = branchLayoutCopy(ctx, kv.get(n)!, join(ctx.tmp, `kv-${n}-branch`));
    cmds.push({ id: `putbranch-${n}`, argv: [], argvFor: (r) => [...k, 'kv', 'put', `${MOUNT}${keyFor(n)(r)}`, 'password=-'], input: (r) => `put-value-${r}`, cwd: dir, env: ctx.env });
  }
  ctx.log(`cold CLI: ${cmds.length} commands × ${rounds} rounds (sizes ${sizes.join(', ')})`);
  const series = sample(cmds, { rounds, warmup: 2, log: ctx.log });
  const S = (id: string) => series.get(id);

  const body: string[] = [];
  body.push(`Each cell: median wall time of a fresh process (p25–p75), ${rounds} rounds, every command once per round in rotating order; spawn cost of \`/bin/true\` (${fmtMs(stat(series.get('__spawn_floor__')!.ms).median)}) subtracted. Ratios are medians of per-round ratios (p25–p75).`, '');
  body.push(`Floors: \`node -e ''\` ${timeCell(S('node'))}; \`kvgit --version\` (the CLI's start-up, no store) ${timeCell(S('version'))}, ${ratioCell(ratio(S('version'), S('node')))} of node; \`age -d\` of one version blob ${timeCell(S('age-d'))}.`, '');
  body.push(...table(
    ['keys (×10 versions)', 'kvgit get', 'pass show', 'get / node', 'get / pass show', 'get / age -d'],
    sizes.map((n) => [String(n), timeCell(S(`get-${n}`)), timeCell(S(`pass-show-${n}`)), ratioCell(ratio(S(`get-${n}`), S('node'))), ratioCell(ratio(S(`get-${n}`), S(`pass-show-${n}`))), ratioCell(ratio(S(`get-${n}`), S('age-d')))]),
  ));
  body.push('');
  body.push(...table(
    ['keys (×10 versions)', 'kvgit put', 'pass insert (git)', 'put / pass insert', 'put / node'],
    sizes.map((n) => [String(n), timeCell(S(`put-${n}`)), timeCell(S(`pass-insert-${n}`)), ratioCell(ratio(S(`put-${n}`), S(`pass-insert-${n}`))), ratioCell(ratio(S(`put-${n}`), S('node')))]),
  ));
  body.push('', 'The same `put` on the branch layout (`kvgit init --layout branch`: the store on its own branch, so no git index entries to rewrite), on copies of the same stores:', '');
  body.push(...table(
    ['keys (×10 versions)', 'kvgit put (branch layout)', 'pass insert (git)', 'put / pass insert', `put / put (branch layout) at ${small} keys`],
    branchSizes.map((n) => [String(n), timeCell(S(`putbranch-${n}`)), timeCell(S(`pass-insert-${n}`)), ratioCell(ratio(S(`putbranch-${n}`), S(`pass-insert-${n}`))), ratioCell(ratio(S(`putbranch-${n}`), S(`putbranch-${small}`)))]),
  ));
  body.push('');
  body.push(...table(
    ['keys (×10 versions)', 'kvgit list (100-key folder)', 'pass ls (same folder)', 'list / pass ls', 'list / node', 'kvgit list secret/ (all folders)'],
    sizes.map((n) => [String(n), timeCell(S(`list-${n}`)), timeCell(S(`pass-ls-${n}`)), ratioCell(ratio(S(`list-${n}`), S(`pass-ls-${n}`))), ratioCell(ratio(S(`list-${n}`), S('node'))), n > GROUP ? timeCell(S(`listroot-${n}`)) : 'same']),
  ));
  body.push('', 'Growth with store size (paired, same rounds):', '');
  body.push(...table(
    ['op', ...sizes.slice(1).map((n) => `${n} / ${small} keys`)],
    ['get', 'put', 'list', 'pass-show', 'pass-insert', 'pass-ls'].map((op) => [op.startsWith('pass') ? op.replace('-', ' ') : `kvgit ${op}`, ...sizes.slice(1).map((n) => ratioCell(ratio(S(`${op}-${n}`), S(`${op}-${small}`))))]),
  ));
  body.push('');
  body.push(`Stores: ${sizes.map((n) => `${n} keys = ${kv.get(n)!.commits} commits, pack ${(kv.get(n)!.packBytes / 2 ** 20).toFixed(1)} MiB`).join('; ')}. Directory layout (\`.kvgit/\` on the checked-out branch), packed as after a clone; puts made during the run stay loose. pass stores hold the same key names, one commit (\`pass git init\`), so each \`pass insert\` also commits.`);

  const targets: Target[] = [];
  const missed: ColdResult['missed'] = [];
  const byId = new Map(cmds.map((c) => [c.id, c]));
  const judge = (name: string, goal: number, a: string, b: string, note = '') => {
    const r = ratio(S(a), S(b));
    const met = r ? r.median <= goal : undefined;
    targets.push({ name, goal: `≤ ${goal.toFixed(1)}×`, measured: r ? `${fmtRatio(r.median)} (${fmtRatio(r.p25)}–${fmtRatio(r.p75)})${note}` : `not measured: ${S(a)?.error ?? S(b)?.error ?? 'missing'}`, met });
    if (met === false) missed.push({ id: a, cmd: byId.get(a)! });
  };
  for (const n of sizes) judge(`cold \`get\` vs \`node -e ''\` (${n} keys)`, 1.3, `get-${n}`, 'node');
  if (pass.has(big)) judge(`\`put\` vs \`pass insert\` at ${big} keys`, 1.0, `put-${big}`, `pass-insert-${big}`);
  else targets.push({ name: `\`put\` vs \`pass insert\` at ${big} keys`, goal: '≤ 1.0×', measured: `not measured: ${ctx.missing.get('pass') ?? 'no pass store'}`, met: undefined });
  if (big !== small) for (const op of ['get', 'put', 'list']) judge(`\`${op}\` at ${big} keys vs ${small} keys`, 1.2, `${op}-${big}`, `${op}-${small}`);
  // The same two put targets on the branch layout (the rows above are the default, directory layout).
  if (pass.has(big)) judge(`\`put\` vs \`pass insert\` at ${big} keys, branch layout`, 1.0, `putbranch-${big}`, `pass-insert-${big}`);
  if (big !== small) judge(`\`put\` at ${big} keys vs ${small} keys, branch layout`, 1.2, `putbranch-${big}`, `putbranch-${small}`);
  return { section: { title: 'Cold CLI: get, put, list', body, targets }, series, missed };
}
