/**
 * Core operations the CLI does not offer (yet), run as a fresh process like a CLI call:
 *   node core-op.mjs rotate <store dir>
 * It prints what it did as JSON on stdout.
 */
import { Store } from '@kvgit/core';

const [op, dir] = process.argv.slice(2);
const store = await Store.open({ path: dir, env: process.env });
if (op === 'rotate') {
  const r = await store.rotate();
  process.stdout.write(`${JSON.stringify(r)}\n`);
} else {
  process.stderr.write(`unknown op ${op}\n`);
  process.exitCode = 1;
}
