// The CLI is one CommonJS bundle, loaded by bin/kvgit.cjs (isomorphic-git, which only `init` uses,
// sits beside it in its own file). A command still runs only its own
// modules: every command (and every heavy part of the core) is reached through a dynamic import,
// which esbuild turns into a module that is initialised on first use. One file lets bin/kvgit.cjs
// hand V8 a code cache made at build time (afterBuild below), so a cold `kvgit get` compiles
// almost nothing: compiling was most of its start-up (docs/PERFORMANCE.md).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const { STAMP } = createRequire(import.meta.url)('./bin/kvgit.cjs');

/**
 * isomorphic-git is half of the bundle's text but only `init` uses it (to create a repository), so
 * it is bundled into its own file and required from there on first use: every other command reads
 * and V8-checks half the bytes at start.
 */
const isomorphicGitApart = {
  name: 'isomorphic-git-apart',
  setup(build) {
    build.onResolve({ filter: /^isomorphic-git$/ }, () => ({ path: 'isomorphic-git', namespace: 'apart' }));
    build.onLoad({ filter: /.*/, namespace: 'apart' }, () => ({
      // __dirname is dist/ whether bin/kvgit.cjs or node runs the bundle.
      contents: "module.exports = require(require('node:path').join(__dirname, 'isomorphic-git.cjs'));",
      loader: 'js',
    }));
  },
};

const commonJsForNode = {
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // No comments or indentation: less to read on every start. Names are kept (readable traces).
  minifyWhitespace: true,
  legalComments: 'none',
};

export const bundles = [
  {
    ...commonJsForNode,
    entryPoints: { kvgit: 'src/main.ts' },
    // ASCII only (esbuild escapes strings; afterBuild the few regular expressions it leaves), so
    // the loader can read the bundle as latin1: a one-byte string, no UTF-8 decoding at start.
    charset: 'ascii',
    minifySyntax: true,
    metafile: false,
    plugins: [isomorphicGitApart],
    // The file is the function bin/kvgit.cjs compiles and calls (the text of Module.wrap), so the
    // loader hands V8 the file's text as it was read, with no 400 KB copy to wrap it. Run by node
    // itself (`node dist/kvgit.cjs`, as git drivers of older setups do), it calls itself.
    banner: { js: `(function (body) { if (typeof module === 'object' && typeof require === 'function' && require.main === module) body(exports, require, module, __filename, __dirname); return body; })(function (exports, require, module, __filename, __dirname) {` },
    footer: { js: '})' },
  },
  {
    ...commonJsForNode,
    entryPoints: { 'isomorphic-git': createRequire(join(here, '..', 'core', 'package.json')).resolve('isomorphic-git') },
  },
];

/**
 * After bundling into `outdir`: escapes what esbuild left non-ASCII (characters in regular
 * expression literals, where `\uXXXX` means the same), stamps the bundle with a build id (a hash
 * of its text; the cache must start with it to be used), then writes `kvgit.cache`, V8's code
 * cache for the functions that a warm-up run of the common commands compiled (scripts/code-cache.cjs,
 * in its own process, on a throwaway store). V8 checks the cache against its version and flags and
 * ignores it when they differ, so a cache made by another Node only costs the time it saves.
 */
export function afterBuild(outdir) {
  const bundle = join(outdir, 'kvgit.cjs');
  const text = readFileSync(bundle, 'utf8');
  const ascii = text.replace(/[^\0-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const id = createHash('sha256').update(ascii).digest('hex').slice(0, 32);
  writeFileSync(bundle, `${ascii}${STAMP}${id}\n`);
  const r = spawnSync(process.execPath, [join(here, 'scripts', 'code-cache.cjs'), bundle], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`code cache for ${bundle} failed:\n${r.stderr}${r.stdout}`);
}
