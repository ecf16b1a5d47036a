/**
 * Model-based property test: random sequences of every KV v2 operation (and clock advances) run
 * against the engine on a real store and against the in-memory model in ./model/kv.ts; every
 * result must agree: values, metadata, error codes, statuses, Vault's texts where the reference
 * gives them, and the data of 404 bodies. At the end of each sequence the whole mount is compared
 * (detailed metadata of every key, and every readable version).
 *
 * Sequences are independent: each gets its own fresh mount, disabled afterwards (which keeps the
 * directory layout's index small). The store is replaced every STORE_ROTATION sequences,
 * alternating the directory and branch layouts, so the history a destroy purges stays short.
 * The run prints how often each kind of result occurred.
 * KVGIT_PROPERTY_RUNS sets the number of sequences (default 2,000); KVGIT_PROPERTY_SEED replays one.
 */
import assert from 'node:assert/strict';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { KvgitError, type Layout, Store } from '@kvgit/core';
import { isolatedEnv, manualClock } from '../helpers/temp';
import { type Json, KvModel, ModelError } from './model/kv';

const RUNS = Number(process.env.KVGIT_PROPERTY_RUNS ?? 2000);
const SEED = process.env.KVGIT_PROPERTY_SEED ? Number(process.env.KVGIT_PROPERTY_SEED) : undefined;
const MAX_OPS = Number(process.env.KVGIT_PROPERTY_MAX_OPS ?? 16);
const STORE_ROTATION = 100;

/** Scratch stores live on tmpfs when there is one: real repositories, a third of the system time. */
function scratchBase(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

// ---- generators

const KEYS = ['a', 'b', 'a/b', 'a/c/d', 'c/x'];
const BAD_KEYS = ['', 'a/', 'a/../b', 'a//b', '.'];
// A few hot keys, so that sequences build up versions, settings and deletions on the same key.
const key = fc.oneof(
  { weight: 12, arbitrary: fc.constant('a') },
  { weight: 6, arbitrary: fc.constant('a/b') },
  { weight: 4, arbitrary: fc.constantFrom(...KEYS) },
  { weight: 1, arbitrary: fc.constantFrom(...BAD_KEYS) },
);
const prefix = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('', 'a/', 'a') }, { weight: 1, arbitrary: fc.constantFrom('a/c/', 'c', 'zz/') });

const field = fc.constantFrom('x', 'y', 'z', 'n');
const scalar: fc.Arbitrary<Json> = fc.oneof(fc.constantFrom('s', 'secret', 'ünï ✓', ''), fc.integer({ min: -5, max: 1000 }), fc.boolean(), fc.constant(null));
const { value } = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 2 }),
    fc.dictionary(field, tie('value'), { maxKeys: 3 }),
  ),
}));
const data = fc.dictionary(field, value, { maxKeys: 4 });
/** A merge patch: values may be null (removal) or nested objects. */
const patchData = fc.dictionary(field, fc.oneof(value, fc.constant(null), fc.dictionary(field, fc.oneof(scalar, fc.constant(null)), { maxKeys: 2 })), { maxKeys: 3 });

/** "current" is resolved at run time to the key's current version (0 for a new key), so most cas writes can succeed. */
const cas = fc.option(
  fc.oneof(
    { weight: 6, arbitrary: fc.constant('current') },
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 5 }) },
    { weight: 1, arbitrary: fc.constantFrom(-1, '1', '2', 'x', null, '') },
  ),
  { nil: undefined, freq: 2 },
);
const version = fc.option(fc.oneof({ weight: 8, arbitrary: fc.integer({ min: -1, max: 4 }) }, { weight: 1, arbitrary: fc.constantFrom('2', 'x') }), { nil: undefined });
const versions = fc.oneof(
  { weight: 8, arbitrary: fc.array(fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 7 }) }), { minLength: 1, maxLength: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>([], '1,2', 3, '', undefined) },
);
const durationIn = fc.constantFrom<unknown>(0, '0s', '30s', '1h', 3600, '2h', 90);
const customKey = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('team', 'owner', 'env') }, { weight: 1, arbitrary: fc.constantFrom('', 'k'.repeat(129), 'a\tb', 'zw\u200bsp') });
const customValue = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('x', 'jdoe', 'prod ✓') }, { weight: 1, arbitrary: fc.constantFrom<Json>('', 'v'.repeat(513), 'line\nbreak', 5, true) });
const custom = fc.dictionary(customKey, customValue, { maxKeys: 3 });
const customPatch = fc.dictionary(customKey, fc.oneof(customValue, fc.constant(null)), { maxKeys: 3 });

function optionalFields(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(fields, { requiredKeys: [] });
}
const metaBody = optionalFields({
  max_versions: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 4 }) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(-1, '2', 'many', null) }),
  cas_required: fc.oneof({ weight: 8, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constantFrom<unknown>('true', 'maybe', null) }),
  delete_version_after: fc.oneof({ weight: 8, arbitrary: durationIn }, { weight: 1, arbitrary: fc.constantFrom<unknown>('-1h', -5, 'soon', null) }),
  custom_metadata: fc.oneof({ weight: 8, arbitrary: custom }, { weight: 1, arbitrary: fc.constant(null) }),
});
const metaPatchBody = optionalFields({
  max_versions: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 4 }) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(null, -2, 'many') }),
  cas_required: fc.oneof({ weight: 8, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 'maybe') }),
  delete_version_after: fc.oneof({ weight: 8, arbitrary: durationIn }, { weight: 1, arbitrary: fc.constantFrom<unknown>(null, '-1h', 'soon') }),
  custom_metadata: fc.oneof({ weight: 8, arbitrary: customPatch }, { weight: 1, arbitrary: fc.constant(null) }),
});
const configBody = optionalFields({
  max_versions: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 4 }) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(-1, 'ten') }),
  cas_required: fc.boolean(),
  delete_version_after: fc.oneof({ weight: 8, arbitrary: durationIn }, { weight: 2, arbitrary: fc.constantFrom<unknown>(-1, '-1h') }, { weight: 1, arbitrary: fc.constant('bad') }),
});

type Op =
  | { op: 'write'; key: string; data: Json; cas?: unknown }
  | { op: 'patch'; key: string; data: Json; cas?: unknown }
  | { op: 'read'; key: string; version?: unknown }
  | { op: 'deleteLatest'; key: string }
  | { op: 'deleteVersions' | 'undelete' | 'destroy'; key: string; versions: unknown }
  | { op: 'subkeys'; key: string; version?: unknown; depth?: unknown }
  | { op: 'readMeta' | 'deleteMeta'; key: string }
  | { op: 'writeMeta' | 'patchMeta'; key: string; body: Record<string, unknown> }
  | { op: 'config'; body: Record<string, unknown> }
  | { op: 'readConfig' }
  | { op: 'list'; prefix: string; after?: string; limit?: unknown }
  | { op: 'scan'; prefix: string }
  | { op: 'detailed'; prefix: string; scan: boolean; after?: string; limit?: unknown }
  | { op: 'tick'; ms: number };

const SECOND = 1000;
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 14, arbitrary: fc.record({ op: fc.constant('write' as const), key, data, cas }, { requiredKeys: ['op', 'key', 'data'] }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('patch' as const), key, data: patchData, cas }, { requiredKeys: ['op', 'key', 'data'] }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('read' as const), key, version }, { requiredKeys: ['op', 'key'] }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('deleteLatest' as const), key }) },
  { weight: 8, arbitrary: fc.record({ op: fc.constantFrom('deleteVersions' as const, 'undelete' as const, 'destroy' as const), key, versions }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('subkeys' as const), key, version, depth: fc.option(fc.constantFrom<unknown>(-1, 0, 1, 2, 3, 'x'), { nil: undefined }) }, { requiredKeys: ['op', 'key'] }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('readMeta' as const), key }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('writeMeta' as const), key, body: metaBody }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('patchMeta' as const), key, body: metaPatchBody }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteMeta' as const), key }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('config' as const), body: configBody }) },
  { weight: 1, arbitrary: fc.constant({ op: 'readConfig' as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('list' as const), prefix, after: fc.constantFrom('', 'a', 'a/', 'b', 'c/', 'x'), limit: fc.constantFrom<unknown>(0, 1, 2, -1, '1') }, { requiredKeys: ['op', 'prefix'] }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('scan' as const), prefix }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('detailed' as const), prefix, scan: fc.boolean(), after: fc.constantFrom('a', 'b'), limit: fc.constantFrom<unknown>(0, 1, 2) }, { requiredKeys: ['op', 'prefix', 'scan'] }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('tick' as const), ms: fc.constantFrom(0, 1, SECOND, 29 * SECOND, 30 * SECOND, 31 * 60 * SECOND, 3600 * SECOND, 86400 * SECOND) }) },
);

/**
 * A sequence: often a mount config and settings of the hot key first (so that max_versions,
 * cas_required and delete_version_after of both levels interact), then random operations.
 */
const settings = { max_versions: fc.integer({ min: 0, max: 4 }), cas_required: fc.constantFrom(false, false, true), delete_version_after: fc.constantFrom<unknown>(0, '30s', '1h', '2h') };
const sequence = fc
  .tuple(
    fc.option(fc.record({ op: fc.constant('config' as const), body: optionalFields({ ...settings, delete_version_after: fc.constantFrom<unknown>(0, '30s', '1h', '2h', -1) }) }), { nil: undefined }),
    fc.option(fc.record({ op: fc.constant('writeMeta' as const), key: fc.constant('a'), body: optionalFields(settings) }), { nil: undefined }),
    fc.subarray(['a', 'a', 'a/b', 'c/x']).chain((keys) => fc.tuple(...keys.map((k) => data.map((d): Op => ({ op: 'write', key: k, data: d, cas: 'current' }))))),
    fc.array(op, { minLength: 1, maxLength: MAX_OPS }),
  )
  .map(([config, meta, writes, ops]): Op[] => [...(config ? [config] : []), ...(meta ? [meta] : []), ...writes, ...ops]);

// ---- running one operation on each side

type Outcome = { ok: unknown } | { err: { code: string; status: number | undefined; message: string; data: unknown } };

function params(o: Record<string, unknown>, ...names: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const n of names) if (o[n] !== undefined) out[n] = o[n];
  return out;
}

function body(o: { data: Json; cas?: unknown }): Record<string, unknown> {
  return o.cas === undefined ? { data: o.data } : { data: o.data, options: { cas: o.cas } };
}

const sortScan = (r: unknown) => {
  const x = r as { keys: string[]; key_info?: unknown };
  return { ...x, keys: [...x.keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))) };
};

async function engine(store: Store, m: string, o: Op): Promise<Outcome> {
  try {
    const ok = await (async (): Promise<unknown> => {
      switch (o.op) {
        case 'write': return store.writeData(m, o.key, body(o));
        case 'patch': return store.patchData(m, o.key, body(o));
        case 'read': return store.readData(m, o.key, params(o, 'version'));
        case 'deleteLatest': return store.deleteLatest(m, o.key);
        case 'deleteVersions': return store.deleteVersions(m, o.key, params(o, 'versions'));
        case 'undelete': return store.undeleteVersions(m, o.key, params(o, 'versions'));
        case 'destroy': return store.destroyVersions(m, o.key, params(o, 'versions')).then(() => undefined);
        case 'subkeys': return store.readSubkeys(m, o.key, params(o, 'version', 'depth'));
        case 'readMeta': return store.readMetadata(m, o.key);
        case 'writeMeta': return store.writeMetadata(m, o.key, o.body);
        case 'patchMeta': return store.patchMetadata(m, o.key, o.body);
        case 'deleteMeta': return store.deleteMetadata(m, o.key).then(() => undefined);
        case 'config': return store.writeConfig(m, o.body);
        case 'readConfig': return store.readConfig(m);
        case 'list': return store.list(m, o.prefix, params(o, 'after', 'limit'));
        case 'scan': return [...(await store.scan(m, o.prefix))].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
        case 'detailed': {
          const r = await store.detailedMetadata(m, o.prefix, params(o, 'after', 'limit'), o.scan);
          return o.scan ? sortScan(r) : r;
        }
        case 'tick': return undefined;
      }
    })();
    return { ok: ok === undefined ? undefined : JSON.parse(JSON.stringify(ok)) };
  } catch (e) {
    if (!(e instanceof KvgitError)) throw e;
    return { err: { code: e.code, status: e.httpStatus, message: e.message, data: e.details.data } };
  }
}

type ModelOutcome = { ok: unknown } | { err: ModelError };

function model(kv: KvModel, o: Op): ModelOutcome {
  try {
    const ok = ((): unknown => {
      switch (o.op) {
        case 'write': return kv.write(o.key, body(o));
        case 'patch': return kv.patch(o.key, body(o));
        case 'read': return kv.read(o.key, params(o, 'version'));
        case 'deleteLatest': return kv.deleteLatest(o.key);
        case 'deleteVersions': return kv.deleteVersions(o.key, params(o, 'versions'));
        case 'undelete': return kv.undelete(o.key, params(o, 'versions'));
        case 'destroy': return kv.destroy(o.key, params(o, 'versions'));
        case 'subkeys': return kv.subkeys(o.key, params(o, 'version', 'depth'));
        case 'readMeta': return kv.readMetadata(o.key);
        case 'writeMeta': return kv.writeMetadata(o.key, o.body);
        case 'patchMeta': return kv.patchMetadata(o.key, o.body);
        case 'deleteMeta': return kv.deleteMetadata(o.key);
        case 'config': return kv.writeConfig(o.body);
        case 'readConfig': return kv.readConfig();
        case 'list': return kv.list(o.prefix, params(o, 'after', 'limit'));
        case 'scan': return kv.scan(o.prefix);
        case 'detailed': return kv.detailed(o.prefix, params(o, 'after', 'limit'), o.scan);
        case 'tick': return undefined;
      }
    })();
    return { ok: ok === undefined ? undefined : JSON.parse(JSON.stringify(ok)) };
  } catch (e) {
    if (!(e instanceof ModelError)) throw e;
    return { err: e };
  }
}

function agree(actual: Outcome, expected: ModelOutcome, where: string): void {
  const show = (x: unknown) => JSON.stringify(x, (_k, v) => (v instanceof ModelError ? { code: v.code, status: v.status, exact: v.exact, prefix: v.prefix, data: v.data } : v));
  const context = `${where}\n  engine: ${show(actual)}\n  model:  ${show(expected)}`;
  if ('ok' in expected) {
    assert.ok('ok' in actual, `the engine failed where the model succeeded: ${context}`);
    assert.deepStrictEqual(actual.ok, expected.ok, `results differ: ${context}`);
    return;
  }
  assert.ok('err' in actual, `the engine succeeded where the model failed: ${context}`);
  const e = expected.err;
  assert.equal(actual.err.code, e.code, `error codes differ: ${context}`);
  assert.equal(actual.err.status, e.status, `statuses differ: ${context}`);
  if (e.exact !== undefined) assert.equal(actual.err.message, e.exact, `messages differ: ${context}`);
  else if (e.prefix !== undefined) assert.ok(actual.err.message.startsWith(e.prefix), `message does not start with ${JSON.stringify(e.prefix)}: ${context}`);
  assert.deepStrictEqual(actual.err.data, e.data === undefined ? undefined : JSON.parse(JSON.stringify(e.data)), `404 data differs: ${context}`);
}

describe('core: model-based property test (engine vs an in-memory KV v2 model)', function () {
  this.timeout(0);
  const clock = manualClock();
  let root: string | undefined;
  let sequences = 0;
  let operations = 0;
  let stores = 0;
  const outcomes = new Map<string, number>();
  const cleanup = () => root && rmSync(root, { recursive: true, force: true });

  after(cleanup);

  async function freshStore(): Promise<Store> {
    cleanup();
    root = mkdtempSync(join(scratchBase(), 'kvgit-model-'));
    const layout: Layout = stores++ % 2 === 0 ? 'branch' : 'directory';
    return (await Store.init({ path: join(root, 'repo'), env: isolatedEnv(root), clock, layout })).store;
  }

  function count(o: Op, r: ModelOutcome): void {
    const kind = 'ok' in r ? 'ok' : r.err.data !== undefined ? `${r.err.code}+data` : r.err.code;
    const name = `${o.op} ${kind}`;
    outcomes.set(name, (outcomes.get(name) ?? 0) + 1);
  }

  it(`agrees on every result for ${RUNS} random sequences of operations`, async () => {
    let store = await freshStore();
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(sequence, async (ops) => {
        if (++sequences % STORE_ROTATION === 0) store = await freshStore();
        const m = `p${sequences}`;
        await store.enableMount(m);
        const kv = new KvModel(clock.now);
        try {
          for (const [i, o] of ops.entries()) {
            if (o.op === 'tick') {
              clock.advance(o.ms);
              kv.now = clock.now;
              continue;
            }
            operations++;
            const concrete = (o.op === 'write' || o.op === 'patch') && o.cas === 'current' ? { ...o, cas: kv.keys.get(o.key)?.current ?? 0 } : o;
            const expected = model(kv, concrete);
            count(concrete, expected);
            agree(await engine(store, m, concrete), expected, `operation ${i} ${JSON.stringify(concrete)}`);
          }
          // The whole mount: every key's metadata, and every readable version.
          agree(await engine(store, m, { op: 'detailed', prefix: '', scan: true }), model(kv, { op: 'detailed', prefix: '', scan: true }), 'final: detailed metadata of every key');
          for (const [k, n] of kv.liveVersions()) {
            agree(await engine(store, m, { op: 'read', key: k, version: n }), model(kv, { op: 'read', key: k, version: n }), `final: read ${k} version ${n}`);
          }
        } finally {
          await store.disableMount(m);
        }
      }),
      { numRuns: RUNS, seed: SEED, verbose: 1 },
    );
    const seconds = (Date.now() - started) / 1000;
    console.log(`      ${sequences} sequences (${operations} operations, shrinking included) in ${seconds.toFixed(1)} s`);
    const rows = [...outcomes].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k}: ${n}`);
    console.log(`      outcomes: ${rows.join(', ')}`);
  });
});
