/** `kvgit exec` with 20 secrets against 20 `pass show` calls (what a pre-deploy hook does). */
import type { Ctx } from '../lib/context';
import { MOUNT, type KvStore, type PassStore } from '../lib/gen';
import { run } from '../lib/proc';
import { type Cmd, sample } from '../lib/sample';
import { type Section, fmtRatio, ratio, ratioCell, table, timeCell } from '../lib/report';

export function execSuite(ctx: Ctx, kv: KvStore, pass: PassStore | undefined, rounds: number): { section: Section; missedCmd?: Cmd } {
  // Twenty secrets of one deployment, each with its own variable names (as exec requires),
  // written through the CLI (values on stdin) and the same into the pass store.
  const names = Array.from({ length: 20 }, (_, i) => `deploy/app-${String(i).padStart(2, '0')}`);
  names.forEach((name, i) => {
    const data = { [`APP${i}_DB_PASSWORD`]: `db-${i}-${'x'.repeat(24)}`, [`APP${i}_API_TOKEN`]: `tok-${i}-${'y'.repeat(32)}` };
    run(ctx.kvgit[0]!, [...ctx.kvgit.slice(1), 'kv', 'put', `${MOUNT}${name}`, '-'], { cwd: kv.dir, env: ctx.env, input: JSON.stringify(data) });
    if (pass) run('pass', ['insert', '-m', '-f', name], { env: pass.env, input: `${Object.values(data).join('\n')}\n` });
  });
  const exec: Cmd = { id: 'kvgit-exec', argv: [...ctx.kvgit, 'exec', ...names.map((n) => `${MOUNT}${n}`), '--', 'true'], cwd: kv.dir, env: ctx.env };
  const cmds: Cmd[] = [exec];
  if (pass) {
    // Each value into a variable, as a hook would; the loop's shell is one extra process.
    const script = `for k in ${names.join(' ')}; do v=$(pass show "$k") || exit 1; done`;
    cmds.push({ id: 'pass-show-20', argv: ['sh', '-c', script], env: pass.env });
  }
  ctx.log(`exec: 20 secrets, ${rounds} rounds`);
  const s = sample(cmds, { rounds, warmup: 1, log: ctx.log });
  const r = ratio(s.get('kvgit-exec'), s.get('pass-show-20'));
  const met = r ? r.median <= 0.3 : undefined;
  const body = [
    `Store of ${kv.keys} keys × ${kv.versions} versions plus 20 secrets \`deploy/app-NN\` with two variables each, named on the command line; the command run is \`true\`. pass: a \`sh\` loop of \`v=$(pass show deploy/app-NN)\`.`, '',
    ...table(['', 'time (p25–p75)', 'ratio'], [
      ['`kvgit exec` 20 secrets -- true', timeCell(s.get('kvgit-exec')), ratioCell(r)],
      ['20 × `pass show` in sh', timeCell(s.get('pass-show-20')), '1'],
    ]),
  ];
  return {
    section: { title: 'exec with 20 secrets', body, targets: [{ name: '`exec` with 20 secrets vs twenty `pass show`', goal: '≤ 0.3×', measured: r ? `${fmtRatio(r.median)} (${fmtRatio(r.p25)}–${fmtRatio(r.p75)})` : `not measured: ${ctx.missing.get('pass') ?? s.get('kvgit-exec')?.error ?? 'failed'}`, met }] },
    missedCmd: met === false ? exec : undefined,
  };
}
