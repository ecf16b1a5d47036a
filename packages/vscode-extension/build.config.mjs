// The extension is one CommonJS bundle with `vscode` external; the core (ESM, incl. the ESM-only
// age-encryption) is bundled into it. The integration suite is bundled the same way, with `mocha`
// external (loaded from node_modules at run time) so the same file runs in any VS Code.
const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.cjs' },
  // ESM entry points first: jsonc-parser's UMD build requires its own files at run time.
  mainFields: ['module', 'main'],
  sourcemap: false,
  legalComments: 'none',
  logOverride: { 'empty-import-meta': 'silent' },
};

export const bundles = [
  {
    ...common,
    entryPoints: { extension: 'src/extension.ts' },
    outdir: 'dist',
    external: ['vscode'],
  },
  {
    ...common,
    entryPoints: {
      suite: 'test/suite/index.ts',
      tests: 'test/suite/all.ts',
      'run-electron': 'test/runners/electron.ts',
      runner: 'test/runners/inside.ts',
      fixture: 'test/runners/fixture.ts',
      inspect: 'test/runners/inspect.ts',
    },
    outdir: 'dist/test',
    external: ['vscode', 'mocha', '@vscode/test-electron', 'playwright-core'],
  },
];
