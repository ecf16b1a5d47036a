// Writes docs/CLI.md from the command definitions: builds the CLI, then saves `kvgit help -markdown`.
// The test suite checks that the committed file matches (test/cli/help.test.ts).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), 'cli'], { stdio: 'inherit' });
const markdown = execFileSync(process.execPath, [join(root, 'packages', 'cli', 'bin', 'kvgit.cjs'), 'help', '-markdown'], { encoding: 'utf8' });
writeFileSync(join(root, 'docs', 'CLI.md'), markdown);
console.log('wrote docs/CLI.md');
