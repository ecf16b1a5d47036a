// The CLI is ESM with code splitting, so a command loads only the modules it needs.
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
  },
];
