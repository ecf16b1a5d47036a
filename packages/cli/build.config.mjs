// The CLI is ESM with code splitting, so a command loads only the modules it needs.
import { readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The core loads isomorphic-git with `await import('isomorphic-git')` and uses its named exports.
// Bundled from its CommonJS build into a split chunk, that namespace would hold only `default`;
// its ES module build keeps the named exports.
const coreRequire = createRequire(new URL('../core/package.json', import.meta.url));
const isomorphicGitEsm = join(dirname(coreRequire.resolve('isomorphic-git')), 'index.js');
const esmIsomorphicGit = {
  name: 'isomorphic-git-esm',
  setup(build) {
    build.onResolve({ filter: /^isomorphic-git$/ }, () => ({ path: isomorphicGitEsm }));
  },
};

// esbuild never removes chunks of earlier builds: after a build, remove the ones it did not write,
// so no stale chunk ships (done after writing, so a running kvgit never finds dist empty).
const chunksDir = join(dirname(fileURLToPath(import.meta.url)), 'dist', 'chunks');
const removeStaleChunks = {
  name: 'remove-stale-chunks',
  setup(build) {
    build.onEnd((result) => {
      if (result.errors.length > 0 || !result.metafile) return;
      const written = new Set(Object.keys(result.metafile.outputs).map((p) => basename(p)));
      for (const f of readdirSync(chunksDir)) if (!written.has(f)) rmSync(join(chunksDir, f), { force: true });
    });
  },
};

export const bundles = [
  {
    entryPoints: { kvgit: 'src/main.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    chunkNames: 'chunks/[name]-[hash]',
    banner: { js: "import { createRequire as __kvgitCreateRequire } from 'node:module'; const require = __kvgitCreateRequire(import.meta.url);" },
    legalComments: 'none',
    metafile: true,
    plugins: [esmIsomorphicGit, removeStaleChunks],
  },
];
