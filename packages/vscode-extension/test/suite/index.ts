/**
 * The integration suite's entry inside VS Code: `run()` is what @vscode/test-electron calls
 * (extensionTestsPath) and what the code-server runner extension calls. Results go to the file
 * named by KVGIT_TEST_RESULTS (JSON) as well as to the console.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type MochaType from 'mocha';

/** mocha from this package's node_modules, wherever the suite's bundle was copied to. */
function loadMocha(): typeof MochaType {
  try {
    return require('mocha') as typeof MochaType;
  } catch {
    const dir = process.env.KVGIT_TEST_PACKAGE_DIR;
    if (!dir) throw new Error('mocha not found: set KVGIT_TEST_PACKAGE_DIR to packages/vscode-extension');
    return createRequire(join(dir, 'package.json'))('mocha') as typeof MochaType;
  }
}

export interface SuiteResult {
  passed: number;
  failed: number;
  pending: number;
  durationMs: number;
  tests: Array<{ title: string; state: 'passed' | 'failed' | 'pending'; durationMs?: number; error?: string }>;
}

export function run(testsFile = join(__dirname, 'tests.cjs')): Promise<void> {
  const Mocha = loadMocha();
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec', grep: process.env.KVGIT_TEST_GREP });
  mocha.addFile(testsFile);
  const started = Date.now();
  const result: SuiteResult = { passed: 0, failed: 0, pending: 0, durationMs: 0, tests: [] };
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      result.durationMs = Date.now() - started;
      const out = process.env.KVGIT_TEST_RESULTS;
      if (out) writeFileSync(out, JSON.stringify(result, null, 2));
      if (failures > 0) reject(new Error(`${failures} test(s) failed`));
      else resolve();
    });
    runner.on('pass', (t) => {
      result.passed++;
      result.tests.push({ title: t.fullTitle(), state: 'passed', durationMs: t.duration });
    });
    runner.on('fail', (t, err: Error) => {
      result.failed++;
      result.tests.push({ title: t.fullTitle(), state: 'failed', error: `${err?.message ?? err}\n${err?.stack ?? ''}` });
    });
    runner.on('pending', (t) => {
      result.pending++;
      result.tests.push({ title: t.fullTitle(), state: 'pending' });
    });
  });
}
