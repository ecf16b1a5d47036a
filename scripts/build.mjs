// One esbuild script for the workspace: each package lists its bundles in build.config.mjs.
import { build } from 'esbuild';
import { readdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2);
const started = Date.now();
for (const pkg of readdirSync(join(root, 'packages'))) {
  if (only.length > 0 && !only.includes(pkg)) continue;
  const config = join(root, 'packages', pkg, 'build.config.mjs');
  if (!existsSync(config)) continue;
  const { bundles, afterBuild } = await import(pathToFileURL(config).href);
  for (const options of bundles) {
    await build({ logLevel: 'warning', absWorkingDir: join(root, 'packages', pkg), ...options });
  }
  // e.g. the CLI's code cache, made by running what was just built
  if (afterBuild) await afterBuild(join(root, 'packages', pkg, bundles[0].outdir));
}
console.log(`built in ${Date.now() - started} ms`);
