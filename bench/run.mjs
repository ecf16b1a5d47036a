#!/usr/bin/env node
// `pnpm bench`: bundles the bench (bench/main.ts and its child scripts) with esbuild, builds a
// copy of the CLI (bin/kvgit.cjs, its bundle and code cache) and one with source maps for the CPU
// profiles, then runs bench/.build/main.mjs.
// Settings are environment variables; see docs/PERFORMANCE.md.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const out = join(here, '.build');
const banner = { js: "import { createRequire as __benchCreateRequire } from 'node:module'; const require = __benchCreateRequire(import.meta.url);" };
await build({
  entryPoints: { main: join(here, 'main.ts'), 'core-op': join(here, 'children/core-op.ts'), unlock: join(here, 'children/unlock.ts'), ...(process.env.BENCH_EXTRA ? { extra: process.env.BENCH_EXTRA } : {}) },
  outdir: out,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  banner,
  logLevel: 'warning',
  legalComments: 'none',
});
// The CLI from the same sources and options as scripts/build.mjs (bundle, then its code cache),
// into the bench's own folder with a copy of bin/kvgit.cjs: the shared packages/cli/dist may be
// rebuilt by others while a run goes on, and the measured code must stay the code of the run's
// start. A second copy has source maps (profiles only).
const { bundles, afterBuild } = await import(pathToFileURL(join(root, 'packages/cli/build.config.mjs')).href);
for (const [name, extra] of [['kvgit', {}], ['kvgit-prof', { sourcemap: true }]]) {
  const dir = join(out, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'bin'), { recursive: true });
  copyFileSync(join(root, 'packages/cli/bin/kvgit.cjs'), join(dir, 'bin', 'kvgit.cjs'));
  for (const options of bundles) await build({ logLevel: 'warning', absWorkingDir: join(root, 'packages/cli'), ...options, ...extra, outdir: join(dir, 'dist') });
  await afterBuild(join(dir, 'dist'));
}
const git = (args) => spawnSync('git', args, { cwd: root, encoding: 'utf8' }).stdout.trim();
writeFileSync(join(out, 'build-info.json'), JSON.stringify({
  commit: git(['rev-parse', '--short', 'HEAD']),
  dirty: git(['status', '--porcelain', '--', 'packages']).split('\n').filter(Boolean).length,
  builtAt: new Date().toISOString(),
}));
const r = spawnSync(process.execPath, [join(out, process.env.BENCH_EXTRA ? 'extra.mjs' : 'main.mjs'), ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
