/**
 * kvgit's benchmark suite (issue 9): kvgit beside the tools users would pick instead, on real
 * repositories and real processes, in one run, with paired ratios. Run with `pnpm bench`.
 *
 * Settings (environment):
 *   BENCH_QUICK=1        small sizes and few rounds, for development (a few minutes)
 *   BENCH_SIZES=100,1000 store sizes in keys (10 versions each); default 100,1000,10000
 *   BENCH_ONLY=cold,exec suites to run: unlock, destroy, cold, exec, import, rotate, serve
 *   BENCH_ROUNDS=N       rounds of the cold CLI suite (others scale from the mode)
 *   BENCH_TMP=DIR        where the throwaway data goes (default: the OS temp folder)
 *   BENCH_KEEP=1         keep the throwaway data
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newX25519Identity } from '../packages/core/src/crypto/age';
import { type Ctx, childEnv } from './lib/context';
import { type KvStore, type PassStore, gpgFingerprints, initStore, keyName, makeKvStore, makePassStore } from './lib/gen';
import { ensurePeers, have, run } from './lib/proc';
import { type ProfileSummary, profileMarkdown, profileNode, summarise } from './lib/profile';
import { type Section, type Target, verdict } from './lib/report';
import { coldSuite } from './suites/cold';
import { destroySuite } from './suites/destroy';
import { execSuite } from './suites/exec';
import { importSuite, rotateSuite } from './suites/bulk';
import { load, serveSuite, startServer, stopServer } from './suites/serve';
import { unlockSuite } from './suites/unlock';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const started = new Date();
const t0 = performance.now();
const quick = process.env.BENCH_QUICK === '1';
const sizes = (process.env.BENCH_SIZES ?? (quick ? '100,1000' : '100,1000,10000')).split(',').map(Number).filter((n) => n > 0).sort((a, b) => a - b);
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : undefined;
const want = (s: string) => !only || only.has(s);
const R = {
  cold: Number(process.env.BENCH_ROUNDS ?? (quick ? 6 : 25)),
  exec: quick ? 6 : 20,
  destroy: quick ? 2 : 3,
  bulk: quick ? 1 : 2,
  serveSeconds: quick ? 1 : 5,
  unlock: quick ? 2 : 5,
  importCount: quick ? 100 : 1000,
};
const log = (s: string) => process.stdout.write(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${s}\n`);

// The CLI bundle bench/run.mjs built at the start (same sources and options as packages/cli/dist).
const cliBin = join(repoRoot, 'bench/.build/kvgit/bin/kvgit.cjs');
if (!existsSync(cliBin)) {
  console.error('bench/.build/kvgit/bin/kvgit.cjs is missing: run the bench through `node bench/run.mjs` (pnpm bench does).');
  process.exit(1);
}
const buildInfo = JSON.parse(readFileSync(join(repoRoot, 'bench/.build/build-info.json'), 'utf8')) as { commit: string; dirty: number; builtAt: string };

log(`kvgit bench (${quick ? 'quick' : 'full'} mode): sizes ${sizes.join(', ')}; suites ${only ? [...only].join(', ') : 'all'}`);
const missing = ensurePeers([
  { cmd: 'git', pkg: 'git' },
  { cmd: 'age', pkg: 'age' },
  { cmd: 'gpg', pkg: 'gnupg' },
  { cmd: 'pass', pkg: 'pass' },
  { cmd: 'git-filter-repo', pkg: 'git-filter-repo' },
], log);
if (missing.has('git')) { console.error('git is required'); process.exit(1); }
if (missing.has('gpg')) missing.set('pass', missing.get('gpg')!);

const tmp = mkdtempSync(join(process.env.BENCH_TMP ?? tmpdir(), 'kvgit-pnpm-bench-'));
const identity = await newX25519Identity();
const identityFile = join(tmp, 'identity.txt');
writeFileSync(identityFile, `${identity}\n`, { mode: 0o600 });
const ctx: Ctx = { repoRoot, tmp, quick, kvgit: [process.execPath, cliBin], identity, identityFile, env: childEnv(tmp, identity), log, missing };
const profDir = join(tmp, 'profiles');
const cliProf = join(repoRoot, 'bench/.build/kvgit-prof/bin/kvgit.cjs');

const sections: Section[] = [];
const profiles: string[] = [];
const facts: string[] = [];
const ver = (cmd: string, args: string[]) => (have(cmd) ? run(cmd, args, { allowFail: true }).stdout.split('\n')[0]!.trim() : 'not installed');

async function main(): Promise<void> {
  // ---- data
  const kv = new Map<number, KvStore>();
  const pass = new Map<number, PassStore>();
  const needKv = new Set<number>();
  if (want('cold')) sizes.forEach((n) => needKv.add(n));
  const mid = sizes.includes(1000) ? 1000 : sizes[sizes.length - 1]!;
  if (want('exec') || want('serve') || want('unlock')) needKv.add(mid);
  if (want('rotate')) needKv.add(quick ? sizes[0]! : mid);
  if (want('destroy')) { needKv.add(100); if (!quick) needKv.add(1000); }
  for (const n of [...needKv].sort((a, b) => a - b)) {
    log(`generating a kvgit store of ${n} keys × 10 versions`);
    kv.set(n, await makeKvStore(ctx, join(tmp, `kv-${n}`), n, 10));
    log(`  ${n} keys: ${kv.get(n)!.commits} commits, pack ${(kv.get(n)!.packBytes / 2 ** 20).toFixed(1)} MiB, ${kv.get(n)!.genSeconds.toFixed(0)} s`);
  }
  if (!missing.has('pass')) {
    const needPass = new Set<number>();
    if (want('cold')) sizes.forEach((n) => needPass.add(n));
    if (want('exec')) needPass.add(mid);
    if (want('rotate')) needPass.add(quick ? sizes[0]! : mid);
    for (const n of [...needPass].sort((a, b) => a - b)) {
      log(`generating a pass store of ${n} keys`);
      pass.set(n, makePassStore(ctx, join(tmp, `pass-${n}`), n));
    }
  }
  // Pristine copies for the suites that rewrite history (taken before anything else writes).
  const destroyTemplates: Array<{ store: KvStore; template: string }> = [];
  if (want('destroy')) {
    for (const n of quick ? [100] : [100, 1000]) {
      const template = join(tmp, `destroy-template-${n}`);
      run('cp', ['-a', kv.get(n)!.dir, template]);
      destroyTemplates.push({ store: kv.get(n)!, template });
    }
  }
  const s0 = kv.get(Math.min(...kv.keys()));
  const storeIdFile = join(tmp, 'store-identity-unlock.txt');
  const blobFile = join(tmp, 'blob-unlock.age');
  if (s0) {
    writeFileSync(storeIdFile, `${s0.storeIdentity}\n`, { mode: 0o600 });
    run('sh', ['-c', `git cat-file blob HEAD:.kvgit/mounts/secret/${keyName(0)}.kv/10.age > "${blobFile}"`], { cwd: s0.dir, env: ctx.env });
  }

  // ---- suites
  if (want('unlock') && s0) sections.push(await unlockSuite(ctx, kv.get(mid)!.dir, blobFile, storeIdFile, R.unlock));

  if (want('destroy')) {
    const d = destroySuite(ctx, destroyTemplates, R.destroy);
    sections.push(d.section);
    for (const c of d.missed) {
      const work = join(tmp, 'destroy-profile');
      const tpl = destroyTemplates[destroyTemplates.length - 1]!.template;
      run('rm', ['-rf', work]);
      run('cp', ['-a', tpl, work]);
      addProfile(`kvgit destroy, ${destroyTemplates[destroyTemplates.length - 1]!.store.commits} commits`, profileNode([cliProf, ...c.argv.slice(2)], { cwd: work, env: ctx.env, dir: join(profDir, 'destroy'), repoRoot }), d.section);
    }
  }

  if (want('cold')) {
    const c = coldSuite(ctx, kv, pass, R.cold);
    sections.push(c.section);
    const done = new Set<string>();
    for (const m of c.missed) {
      if (done.has(m.id)) continue;
      done.add(m.id);
      const argv = m.cmd.argvFor ? m.cmd.argvFor(999) : m.cmd.argv;
      const input = typeof m.cmd.input === 'function' ? m.cmd.input(999) : m.cmd.input;
      addProfile(`kvgit ${argv.slice(2).join(' ')} (${m.id})`, profileNode([cliProf, ...argv.slice(2)], { cwd: m.cmd.cwd!, env: ctx.env, input, dir: join(profDir, m.id), repoRoot, runs: 5 }), c.section);
    }
  }

  if (want('exec') && kv.has(mid)) {
    const e = execSuite(ctx, kv.get(mid)!, pass.get(mid), R.exec);
    sections.push(e.section);
    if (e.missedCmd) addProfile('kvgit exec (20 secrets)', profileNode([cliProf, ...e.missedCmd.argv.slice(2)], { cwd: e.missedCmd.cwd!, env: ctx.env, dir: join(profDir, 'exec'), repoRoot, runs: 5 }), e.section);
  }

  if (want('import')) {
    const emptyKv = join(tmp, 'empty-kv');
    initStore(ctx, emptyKv);
    let emptyPass: string | undefined;
    if (!missing.has('pass')) {
      emptyPass = join(tmp, 'empty-pass');
      const env = { ...ctx.env, PASSWORD_STORE_DIR: emptyPass };
      run('pass', ['init', gpgFingerprints(ctx)[0]!], { env });
      run('pass', ['git', 'init'], { env });
    }
    const i = importSuite(ctx, emptyKv, emptyPass, R.importCount, R.bulk);
    sections.push(i.section);
    // Profiled at 100 secrets: the per-secret work is the same, and the run is short.
    const work = join(tmp, 'import-profile');
    run('rm', ['-rf', work]);
    run('cp', ['-a', emptyKv, work]);
    const json = join(tmp, 'import-profile.json');
    writeFileSync(json, JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(readFileSync(i.cmd.argv[i.cmd.argv.length - 1]!, 'utf8'))).slice(0, 100))));
    addProfile('kvgit import (100 secrets)', profileNode([cliProf, 'import', json], { cwd: work, env: ctx.env, dir: join(profDir, 'import'), repoRoot }), i.section);
  }

  const rotN = quick ? sizes[0]! : mid;
  if (want('rotate') && kv.has(rotN)) {
    const r = rotateSuite(ctx, kv.get(rotN)!, pass.get(rotN), R.bulk);
    sections.push(r.section);
    // Profiled on the smallest store: the per-blob work is the same, and the run is short.
    const small = kv.get(Math.min(...kv.keys()))!;
    const work = join(tmp, 'rotate-profile');
    run('rm', ['-rf', work]);
    run('cp', ['-a', small.dir, work]);
    const script = r.cmd.argv[1]!.endsWith('core-op.mjs') ? [r.cmd.argv[1]!, 'rotate', work] : [cliProf, ...r.cmd.argv.slice(2)];
    addProfile(`rotate (${small.keys} keys × 10 versions)`, profileNode(script, { cwd: work, env: ctx.env, dir: join(profDir, 'rotate'), repoRoot }), r.section);
  }

  if (want('serve') && kv.has(mid)) {
    const s = await serveSuite(ctx, kv.get(mid)!, R.serveSeconds);
    sections.push(s.section);
    if (s.readMissed) {
      // The server under the profiler, 10 clients reading for a few seconds.
      const dir = join(profDir, 'serve');
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      try {
        const srv = await startServer(ctx, s.dir, ['--cpu-prof', '--cpu-prof-interval', '250', '--cpu-prof-dir', dir], [cliProf]);
        const tl = performance.now();
        await load(srv.host, srv.port, 'read', 10, Math.max(2, R.serveSeconds) * 1000, s.keys);
        await stopServer(srv.child);
        const f = readdirSync(dir).filter((x) => x.endsWith('.cpuprofile'));
        addProfile('kvgit serve under 10 reading clients', f.length ? summarise(join(dir, f[0]!), repoRoot, performance.now() - tl) : { error: 'no profile written' }, s.section);
      } catch (e) {
        addProfile('kvgit serve', { error: (e as Error).message }, s.section);
      }
    }
  }

  const stores = [...kv.values()].map((s) => `${s.keys} keys: ${s.commits} commits, pack ${(s.packBytes / 2 ** 20).toFixed(1)} MiB, generated in ${s.genSeconds.toFixed(0)} s`);
  const passes = [...pass.values()].map((p) => `${p.keys} keys in ${p.genSeconds.toFixed(0)} s`);
  facts.push(`kvgit stores: ${stores.join('; ') || 'none'}.`, `pass stores: ${passes.join('; ') || 'none'}.`);
}

function addProfile(title: string, s: ProfileSummary | { error: string }, section: Section): void {
  const md = profileMarkdown(title, s);
  profiles.push(md);
  const last = section.body[section.body.length - 1] ?? '';
  if (last.startsWith('Profiles: ')) section.body[section.body.length - 1] = `${last.slice(0, -1)}; ${title}.`;
  else section.body.push('', `Profiles: see "Where the time goes" → ${title}.`);
  log(`  profiled: ${title}`);
}

function report(): string {
  const targets: Target[] = sections.flatMap((s) => s.targets);
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    `# kvgit benchmark — ${started.toISOString().replace(/\.\d+Z$/, 'Z')}`, '',
    `${quick ? '**Quick mode** (BENCH_QUICK=1): small sizes, few rounds; not for publishing.' : 'Full run.'} Took ${((performance.now() - t0) / 60000).toFixed(1)} min.`, '',
    `- Machine: ${cpus().length} × ${cpu}, Node ${process.version}, ${ver('git', ['--version'])}, age ${ver('age', ['--version'])}, ${ver('gpg', ['--version'])}, pass ${have('pass') ? run('sh', ['-c', 'pass version | grep -o "v[0-9.]*"'], { allowFail: true }).stdout.trim() : 'not installed'}, ${ver('git-filter-repo', ['--version']) === 'not installed' ? 'git-filter-repo not installed' : `git-filter-repo ${ver('git-filter-repo', ['--version'])}`}.`,
    `- kvgit at ${buildInfo.commit}${buildInfo.dirty ? ` plus ${buildInfo.dirty} uncommitted file(s) in packages/` : ''} (bundled at ${buildInfo.builtAt.replace(/\.\d+Z$/, 'Z')} into bench/.build/kvgit with the CLI's own build options and code cache, run as \`node bin/kvgit.cjs …\`, identity in \`KVGIT_IDENTITY\`).`,
    ...facts.map((f) => `- ${f}`),
    ...[...missing].map(([c, why]) => `- **Peer not available: ${c}** (${why}); its rows are marked "not measured".`),
    '', '## Targets (issue 9)', '',
    '| target | goal | measured | verdict |', '| --- | --- | --- | --- |',
    ...targets.map((t) => `| ${t.name} | ${t.goal} | ${t.measured} | ${verdict(t.met)} |`),
    '',
  ];
  for (const s of sections) lines.push(`## ${s.title}`, '', ...s.body, '');
  if (profiles.length) {
    lines.push('## Where the time goes', '', 'CPU profiles (`node --cpu-prof`, 250 µs sampling; five runs summed for short commands, one for long ones) of a copy of the CLI bundle built with source maps, self time summed by source module and by function. `(program)` is V8 compiling and Node internals without a JavaScript frame; `(garbage collector)` is GC.', '');
    lines.push(...profiles);
  }
  lines.push('', '## Reproduce', '', '```sh', 'pnpm bench                      # full run; writes bench/results/<time>.md and latest.md', 'BENCH_QUICK=1 pnpm bench        # a few minutes, small sizes', 'BENCH_ONLY=cold,exec pnpm bench # some suites only', '```', '');
  return lines.join('\n');
}

// Interrupted: still stop the GnuPG agent and remove the throwaway data.
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    if (have('gpgconf')) run('gpgconf', ['--kill', 'all'], { env: ctx.env, allowFail: true });
    if (process.env.BENCH_KEEP !== '1') rmSync(tmp, { recursive: true, force: true });
    process.exit(130);
  });
}

try {
  await main();
} catch (e) {
  log(`bench failed: ${(e as Error).stack ?? e}`);
  sections.push({ title: 'Bench failure', body: ['```', String((e as Error).stack ?? e), '```'], targets: [] });
  process.exitCode = 1;
} finally {
  const md = report();
  const dir = join(repoRoot, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${started.toISOString().replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.md`);
  writeFileSync(file, md);
  writeFileSync(join(dir, 'latest.md'), md);
  if (have('gpgconf')) run('gpgconf', ['--kill', 'all'], { env: ctx.env, allowFail: true });
  if (process.env.BENCH_KEEP !== '1') rmSync(tmp, { recursive: true, force: true });
  else log(`kept ${tmp}`);
  log(`report: ${file} (and bench/results/latest.md)`);
}

