// Builds the extension and packages it as a .vsix with @vscode/vsce (no network needed), plus the
// test-runner extension the code-server suite installs beside it. Prints the two paths.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = join(pkgDir, '..', '..');
const vsce = join(pkgDir, 'node_modules', '@vscode', 'vsce', 'vsce');
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));

execFileSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs'), 'vscode-extension'], { stdio: 'inherit' });

const vsix = join(pkgDir, 'dist', `${pkg.name}-${pkg.version}.vsix`);
const flags = ['--no-dependencies', '--skip-license', '--allow-missing-repository', '--allow-star-activation'];
execFileSync(process.execPath, [vsce, 'package', ...flags, '--out', vsix], { cwd: pkgDir, stdio: ['ignore', 'ignore', 'inherit'] });

// The test runner: a tiny extension holding the suite's bundles (see test/runners/inside.ts).
const runnerDir = join(pkgDir, 'dist', 'test-runner');
rmSync(runnerDir, { recursive: true, force: true });
mkdirSync(runnerDir, { recursive: true });
for (const f of ['runner.cjs', 'tests.cjs']) cpSync(join(pkgDir, 'dist', 'test', f), join(runnerDir, f));
writeFileSync(join(runnerDir, 'README.md'), '# kvgit test runner\nRuns the kvgit integration suite inside code-server. Not for users.\n');
writeFileSync(
  join(runnerDir, 'package.json'),
  JSON.stringify({
    name: 'kvgit-test-runner', displayName: 'kvgit test runner', publisher: 'kvgit', version: pkg.version, private: true,
    engines: pkg.engines, main: './runner.cjs', activationEvents: ['onStartupFinished'], extensionKind: ['workspace'],
    files: ['runner.cjs', 'tests.cjs', 'README.md'],
  }, null, 2),
);
const runnerVsix = join(pkgDir, 'dist', 'kvgit-test-runner.vsix');
execFileSync(process.execPath, [vsce, 'package', ...flags, '--out', runnerVsix], { cwd: runnerDir, stdio: ['ignore', 'ignore', 'inherit'] });
process.stdout.write(`${vsix}\n${runnerVsix}\n`);
