/** `node dist/test/fixture.cjs <mode> [parent]`: creates a fixture and prints its JSON file's path. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FixtureMode, createFixture } from '../fixture';

async function main(): Promise<void> {
  const mode = (process.argv[2] ?? 'directory') as FixtureMode;
  const f = await createFixture(mode, process.argv[3]);
  const file = join(f.root, 'fixture.json');
  writeFileSync(file, JSON.stringify(f, null, 2), { mode: 0o600 });
  process.stdout.write(`${file}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
