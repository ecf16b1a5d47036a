// The integration suite inside a real VS Code (code-server, from npm), once per fixture: a
// directory-layout store, and an empty repository where the suite creates a branch-layout store.
//
// How: the suite's bundle rides in a small "test runner" extension (test/runners/inside.ts)
// installed beside the packaged kvgit .vsix. code-server starts its extension host only when a
// workbench connects, so headless Chromium (Playwright) opens the workbench; the runner then runs
// mocha in the extension host and writes the results to a JSON file this script waits for.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createFixture, installCodeServer, installExtensions, launchChromium, openWorkbench, packageVsix, pkgDir, startCodeServer } from './code-server.mjs';

const started = Date.now();
const modes = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['directory', 'empty'];
const codeServer = installCodeServer();
const { vsix, runnerVsix } = packageVsix();
const browser = await launchChromium();
let passed = 0;
let failed = 0;
try {
  for (const mode of modes) {
    const fixtureFile = createFixture(mode);
    const fixture = JSON.parse(readFileSync(fixtureFile, 'utf8'));
    const results = join(fixture.root, 'results.json');
    const env = { ...fixture.env, KVGIT_TEST_FIXTURE: fixtureFile, KVGIT_TEST_RESULTS: results, KVGIT_TEST_PACKAGE_DIR: pkgDir };
    if (process.env.KVGIT_TEST_GREP) env.KVGIT_TEST_GREP = process.env.KVGIT_TEST_GREP;
    const extensionsDir = join(fixture.root, 'extensions');
    installExtensions(codeServer, env, extensionsDir, [vsix, runnerVsix]);
    const server = await startCodeServer(codeServer, { env, userDataDir: join(fixture.root, 'user-data'), extensionsDir, folder: fixture.repo, log: process.env.KVGIT_TEST_VERBOSE ? (l) => console.log(`  [code-server] ${l}`) : undefined });
    const { context, page } = await openWorkbench(browser, server.url, `http://127.0.0.1:${server.port}`);
    try {
      const deadline = Date.now() + 15 * 60_000;
      while (!existsSync(results)) {
        if (Date.now() > deadline) throw new Error(`no results from the ${mode} suite after 15 minutes`);
        await page.waitForTimeout(250);
      }
      const r = JSON.parse(readFileSync(results, 'utf8'));
      console.log(`\nkvgit extension suite in code-server (${mode} fixture): ${r.passed} passing, ${r.failed} failing (${(r.durationMs / 1000).toFixed(1)} s)`);
      for (const t of r.tests) {
        console.log(`  ${t.state === 'passed' ? '✓' : t.state === 'failed' ? '✗' : '-'} ${t.title}${t.durationMs ? ` (${t.durationMs} ms)` : ''}`);
        if (t.error) console.log(t.error.split('\n').slice(0, 12).map((l) => `      ${l}`).join('\n'));
      }
      passed += r.passed;
      failed += r.failed;
    } finally {
      await context.close();
      await server.stop();
      // The fixture holds a store and identities: gone with the suite (KVGIT_TEST_KEEP=1 keeps it).
      if (!process.env.KVGIT_TEST_KEEP) rmSync(fixture.root, { recursive: true, force: true });
    }
  }
} finally {
  await browser.close();
}
console.log(`\nextension suite: ${passed} passed, ${failed} failed (${((Date.now() - started) / 1000).toFixed(0)} s)`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
