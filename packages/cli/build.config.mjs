// The CLI is ESM with code splitting, so a command loads only the modules it needs.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

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

// Chunk names carry a content hash and no build deletes them, so a kvgit.mjs written by one build
// always finds its chunks even while another engineer's build runs in the same checkout. Old
// chunks therefore pile up in dist/ while developing; `npm pack` rebuilds it from empty (prepack).
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
    metafile: false,
    plugins: [esmIsomorphicGit],
  },
];
