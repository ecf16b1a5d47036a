/**
 * `node dist/test/inspect.cjs <fixture.json> <command> …`: what the browser test checks in the
 * store, without ever printing a value (the leak test looks for values in every file, logs included).
 *   versions <mount> <key>                 → {"current":n,"versions":{"1":"live"|"deleted"|"destroyed"}}
 *   has <mount> <key> <field>              → "match" | "mismatch" (expected value in KVGIT_EXPECT)
 */
import { readFileSync } from 'node:fs';
import { Store } from '@kvgit/core';
import { type Fixture, otherWriterEnv } from '../fixture';

async function main(): Promise<void> {
  const [file, command, mount, key, field] = process.argv.slice(2);
  const f = JSON.parse(readFileSync(file!, 'utf8')) as Fixture;
  const store = await Store.open({ path: f.repo, env: otherWriterEnv(f) });
  if (command === 'versions') {
    const meta = await store.readMetadata(mount!, key!);
    const versions: Record<string, string> = {};
    for (const [n, v] of Object.entries(meta.versions)) versions[n] = v.destroyed ? 'destroyed' : v.deletion_time ? 'deleted' : 'live';
    process.stdout.write(`${JSON.stringify({ current: meta.current_version, versions })}\n`);
  } else if (command === 'has') {
    const r = await store.readData(mount!, key!);
    process.stdout.write(r.data[field!] === process.env.KVGIT_EXPECT ? 'match\n' : 'mismatch\n');
  } else throw new Error(`unknown command ${command}`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
