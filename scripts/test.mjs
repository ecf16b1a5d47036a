// The README's test command: every mocha suite (core, keys, git, cli, server, team) on real
// repositories and processes, then the VS Code extension's suites in a real VS Code (code-server).
// Ends with one line "N passed, N failed[, N skipped]" for the whole run.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import Mocha from 'mocha';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2); // e.g. `pnpm test -- test/core` runs part of it

function testFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return testFiles(p);
    return name.endsWith('.test.ts') ? [p] : [];
  });
}

const files = testFiles(join(root, 'test')).filter((f) => only.length === 0 || only.some((o) => relative(root, f).startsWith(o)));
const mocha = new Mocha({ timeout: 60_000, reporter: 'spec' });
for (const f of files.sort()) mocha.addFile(f);
await mocha.loadFilesAsync();
const stats = await new Promise((resolve) => {
  const runner = mocha.run(() => resolve(runner.stats));
});

let { passes, failures, pending } = stats;
if (only.length === 0 && !process.env.KVGIT_SKIP_EXTENSION_TESTS) {
  const r = spawnSync(process.execPath, [join(root, 'packages/vscode-extension/scripts/test-all.mjs')], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 << 20 });
  process.stdout.write(r.stdout ?? '');
  const m = /(\d+) passed, (\d+) failed/.exec((r.stdout ?? '').split('\n').filter((l) => /passed, \d+ failed/.test(l)).pop() ?? '');
  if (m) {
    passes += Number(m[1]);
    failures += Number(m[2]);
  } else failures += 1;
  if (r.status !== 0 && !(m && Number(m[2]) > 0)) failures += 1;
}
console.log(`\nall suites:\n${passes} passed, ${failures} failed, ${pending} skipped`);
process.exit(failures > 0 ? 1 : 0);
