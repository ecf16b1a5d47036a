/**
 * The integration suite in a desktop VS Code downloaded by @vscode/test-electron (where a download
 * is possible): `node dist/test/run-electron.cjs`. The same suite runs in code-server through
 * scripts/test-code-server.mjs, where no VS Code can be downloaded.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { type FixtureMode, createFixture } from '../fixture';

async function main(): Promise<void> {
  const extensionDevelopmentPath = resolve(__dirname, '..', '..');
  let failed = 0;
  for (const mode of ['directory', 'empty'] as FixtureMode[]) {
    const f = await createFixture(mode);
    const fixtureFile = join(f.root, 'fixture.json');
    writeFileSync(fixtureFile, JSON.stringify(f), { mode: 0o600 });
    const userData = join(f.root, 'user-data');
    mkdirSync(userData, { recursive: true });
    try {
      await runTests({
        version: process.env.KVGIT_VSCODE_VERSION ?? 'stable',
        extensionDevelopmentPath,
        extensionTestsPath: join(__dirname, 'suite.cjs'),
        launchArgs: [f.repo, '--user-data-dir', userData, '--extensions-dir', join(f.root, 'extensions'), '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
        extensionTestsEnv: { ...f.env, KVGIT_TEST_FIXTURE: fixtureFile, KVGIT_TEST_RESULTS: join(f.root, 'results.json') },
      });
    } catch {
      failed++;
    } finally {
      if (!process.env.KVGIT_TEST_KEEP) rmSync(f.root, { recursive: true, force: true });
    }
  }
  process.exit(failed > 0 ? 1 : 0);
}

void main();
