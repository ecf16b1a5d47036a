#!/usr/bin/env node
'use strict';
// Starts the CLI bundle (dist/kvgit.cjs). Compiling the bundle was most of a cold start, so it is
// compiled through node:vm with the code cache the build left in dist/kvgit.cache; V8 checks that
// cache against its own version and flags and compiles normally when it does not fit.
const { readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

const STAMP = '\n//# kvgit-build ';

/**
 * Compiles and runs a CommonJS bundle; with `cacheFile`, uses the code cache in it when that was
 * made for this very bundle. Returns the bundle's exports and its script.
 */
function load(bundle, cacheFile) {
  const text = readFileSync(bundle, 'latin1');
  const cachedData = cacheFile === undefined ? undefined : cacheFor(text, cacheFile);
  // The bundle is a function expression taking what Module.wrap gives a module (build.config.mjs).
  const script = new (require('node:vm').Script)(text, { filename: bundle, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, require, module, bundle, dirname(bundle));
  return { exports: module.exports, script };
}

/** The build id the build appends to the bundle (a hash of its text). */
function buildId(text) {
  const at = text.lastIndexOf(STAMP);
  return at < 0 ? undefined : text.slice(at + STAMP.length).trim();
}

/**
 * The code cache in `file` if it starts with the bundle's build id. V8 itself only compares the
 * source's length, so a cache left by an earlier build would otherwise run that build's code.
 */
function cacheFor(text, file) {
  const id = buildId(text);
  let bytes;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined; // no cache: plain compilation
  }
  return id && bytes.length > id.length && bytes.toString('latin1', 0, id.length) === id ? bytes.subarray(id.length) : undefined;
}

if (require.main === module) {
  const dist = join(__dirname, '..', 'dist');
  load(join(dist, 'kvgit.cjs'), join(dist, 'kvgit.cache')).exports.run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
} else {
  module.exports = { STAMP, buildId, load };
}
