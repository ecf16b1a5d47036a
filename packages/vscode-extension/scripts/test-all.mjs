// Everything the extension's CI runs: the integration suite in code-server (two fixtures), then the
// browser test and the leak test. Prints one closing line "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pkgDir } from './code-server.mjs';

const started = Date.now();
let passed = 0;
let failed = 0;
let exit = 0;
for (const script of ['test-code-server.mjs', 'browser-test.mjs']) {
  const r = spawnSync(process.execPath, [join(pkgDir, 'scripts', script)], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 << 20 });
  process.stdout.write(r.stdout ?? '');
  const m = /(\d+) passed, (\d+) failed/.exec((r.stdout ?? '').split('\n').filter((l) => /passed, \d+ failed/.test(l)).pop() ?? '');
  if (m) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  } else failed += 1;
  if (r.status !== 0) exit = 1;
}
console.log(`\nvscode-extension (${((Date.now() - started) / 1000).toFixed(0)} s):`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(exit || (failed > 0 ? 1 : 0));
