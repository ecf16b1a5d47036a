#!/usr/bin/env node
'use strict';
// Starts the CLI bundle (dist/kvgit.cjs). Compiling the bundle was most of a cold start, so it is
// compiled through node:vm with the code cache the build left in dist/kvgit.cache; V8 checks that
// cache against its own version and flags and compiles normally when it does not fit.
const { readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

/** Compiles and runs a CommonJS bundle, using `cachedData` when given; returns its exports and script. */
function load(bundle, cachedData) {
  const { Script } = require('node:vm');
  // Module.wrap's text, written out: loading node:module would load the ES module loader too.
  const source = `(function (exports, require, module, __filename, __dirname) { ${readFileSync(bundle, 'latin1')}\n});`;
  const script = new Script(source, { filename: bundle, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, require, module, bundle, dirname(bundle));
  return { exports: module.exports, script };
}

if (require.main === module) {
  const dist = join(__dirname, '..', 'dist');
  let cache;
  try {
    cache = readFileSync(join(dist, 'kvgit.cache'));
  } catch {
    // No cache (a build without one): plain compilation.
  }
  load(join(dist, 'kvgit.cjs'), cache).exports.run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
} else {
  module.exports = { load };
}
