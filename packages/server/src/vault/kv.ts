/**
 * The KV engines behind /v1/<mount>/: version 2 routed as the plugin routes (reference §3:
 * config, data/, metadata/, detailed-metadata/, destroy/, subkeys/, delete/, undelete/, then
 * pathInvalid), version 1 as Vault's passthrough engine. Thin: the core decodes, validates and
 * answers; this file picks the operation, the cache policy and the response shape.
 */
import { type Mount, isKvgitError } from '@kvgit/core';
import type { Generation, StoreState } from '../state';
import type { LogicalRequest } from './request';
import { HttpError, emptyNotFound, noContent, ok, rawNotFound, unsupportedOperation } from './respond';
import type { HttpResponse } from '../http/server';

export interface Route {
  /** The path the ACL is checked against. */
  aclPath: string;
  /** Resolves create vs update for POST/PUT (Vault's existence check); absent: always update. */
  exists?: () => Promise<boolean>;
  /** Root-protected path: non-root tokens also need `sudo`. */
  sudo?: boolean;
  /** Any valid token may call it (no ACL check). */
  public?: boolean;
  run: () => Promise<HttpResponse>;
}

const KV_MOUNT_TYPE = 'kv';
/** KV v1 reads carry the mount's default lease (Vault's 768h). */
const V1_LEASE_SECONDS = 2_764_800;

const FIELDS: Record<string, string[]> = {
  config: ['max_versions', 'cas_required', 'delete_version_after'],
  data: ['path', 'version', 'options', 'data'],
  metadata: ['path', 'cas_required', 'max_versions', 'delete_version_after', 'custom_metadata', 'after', 'limit'],
  'detailed-metadata': ['path', 'after', 'limit'],
  delete: ['path', 'versions'],
  undelete: ['path', 'versions'],
  destroy: ['path', 'versions'],
  subkeys: ['path', 'version', 'depth'],
};

/** sdk/framework's warning for request fields an endpoint does not know. */
function ignoredWarning(endpoint: string, data: Record<string, unknown>): string[] {
  const known = FIELDS[endpoint] ?? [];
  const ignored = Object.keys(data).filter((k) => !known.includes(k)).sort();
  return ignored.length > 0 ? [`Endpoint ignored these unrecognized parameters: [${ignored.join(' ')}]`] : [];
}

const INVALID_ROOT = 'Non-listing operations on the root of a K/V v2 mount are not supported.';
const CLI_SUB: Record<string, string> = { update: 'put', patch: 'patch', read: 'get', list: 'list', delete: 'delete', scan: 'scan' };

function pathInvalid(enginePath: string, op: string): HttpResponse {
  const warning = ['metadata', 'data', 'delete', 'undelete', 'destroy'].includes(enginePath)
    ? INVALID_ROOT
    : `Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv ${CLI_SUB[op] ?? 'get'}' for this operation.`;
  return rawNotFound(null, { warnings: [warning], mountType: KV_MOUNT_TYPE });
}

const ENDPOINTS = ['metadata', 'detailed-metadata', 'destroy', 'subkeys', 'delete', 'undelete'] as const;

/** Splits an engine path into endpoint and key, as the plugin's routes match (reference §3). */
function matchV2(enginePath: string): { endpoint: string; key: string } | undefined {
  if (enginePath === 'config') return { endpoint: 'config', key: '' };
  if (enginePath.startsWith('data/')) {
    const key = enginePath.slice(5);
    if (key !== '' && !key.endsWith('/')) return { endpoint: 'data', key };
  }
  for (const e of ENDPOINTS) if (enginePath.startsWith(`${e}/`)) return { endpoint: e, key: enginePath.slice(e.length + 1) };
  return undefined;
}

function deletionExpiry(r: { metadata: { deletion_time: string } }): number | undefined {
  return r.metadata.deletion_time ? Date.parse(r.metadata.deletion_time) : undefined;
}

export function kvRoute(state: StoreState, gen: Generation, mount: Mount, lr: LogicalRequest): Route {
  const enginePath = lr.path.slice(mount.path.length);
  return mount.version === 2 ? v2Route(state, gen, mount, enginePath, lr) : v1Route(state, gen, mount, enginePath, lr);
}

function v2Route(state: StoreState, gen: Generation, mount: Mount, enginePath: string, lr: LogicalRequest): Route {
  const store = state.store;
  const m = mount.path;
  const op = lr.op === 'head' ? 'read' : lr.op;
  const route: Route = { aclPath: lr.path, run: async () => pathInvalid(enginePath, op) };
  const match = matchV2(enginePath);
  if (!match) return route;
  const { endpoint, key } = match;
  const data = lr.data;
  const memoKey = (kind: string) => `kv2\0${kind}\0${m}\0${key}\0${JSON.stringify(data)}`;
  const metadataExists = async (): Promise<boolean> => {
    try {
      await state.memo(gen, `kv2\0meta\0${m}\0${key}\0{}`, () => store.readMetadata(m, key));
      return true;
    } catch (e) {
      if (isKvgitError(e, 'ERR_NOT_FOUND')) return false;
      // A key the core refuses (empty, trailing slash, …): the write itself answers 400.
      if (isKvgitError(e, 'ERR_INVALID_REQUEST')) return true;
      throw e;
    }
  };
  const warn = () => ({ warnings: ignoredWarning(endpoint, data), mountType: KV_MOUNT_TYPE });
  const write = <T>(fn: () => Promise<T>) => state.write(fn);

  switch (endpoint) {
    case 'config':
      if (op === 'read') route.run = async () => ok(await state.memo(gen, memoKey('config'), () => store.readConfig(m)), warn());
      else if (op === 'update') route.run = async () => (await write(() => store.writeConfig(m, data)), noContent());
      else route.run = async () => { throw unsupportedOperation(); };
      return route;
    case 'data':
      route.exists = metadataExists;
      if (op === 'read') {
        route.run = async () => ok(await state.memo(gen, memoKey('data'), () => store.readData(m, key, data), deletionExpiry), warn());
      } else if (op === 'update') {
        route.run = async () => ok(await write(() => store.writeData(m, key, data)), warn());
      } else if (op === 'patch') {
        route.run = async () => {
          try {
            return ok(await write(() => store.patchData(m, key, data)), warn());
          } catch (e) {
            // A missing key or current version: RespondWithStatusCode(nil, 404), an empty body.
            if (isKvgitError(e, 'ERR_NOT_FOUND') && e.details.data === undefined) return emptyNotFound();
            throw e;
          }
        };
      } else if (op === 'delete') {
        route.run = async () => (await write(() => store.deleteLatest(m, key)), noContent());
      } else route.run = async () => { throw unsupportedOperation(); };
      return route;
    case 'metadata':
      route.exists = metadataExists;
      if (op === 'read') {
        route.run = async () => ok(await state.memo(gen, `kv2\0meta\0${m}\0${key}\0{}`, () => store.readMetadata(m, key)), warn());
      } else if (op === 'update') {
        route.run = async () => warningsOrNoContent(await write(() => store.writeMetadata(m, key, data)));
      } else if (op === 'patch') {
        route.run = async () => {
          try {
            return warningsOrNoContent(await write(() => store.patchMetadata(m, key, data)));
          } catch (e) {
            if (isKvgitError(e, 'ERR_NOT_FOUND') && e.details.data === undefined) return emptyNotFound();
            throw e;
          }
        };
      } else if (op === 'delete') {
        route.run = async () => (await write(() => store.deleteMetadata(m, key)), noContent());
      } else if (op === 'list') {
        route.run = async () => ok({ keys: await state.memo(gen, memoKey('list'), () => store.list(m, key, data)) }, warn());
      } else if (op === 'scan') {
        route.run = async () => {
          const keys = await state.memo(gen, memoKey('scan'), () => store.scan(m, key));
          // An empty scan is a 200 with no keys (the list-404 rule covers list only).
          return ok(keys.length > 0 ? { keys } : {}, warn());
        };
      } else route.run = async () => { throw unsupportedOperation(); };
      return route;
    case 'detailed-metadata':
      if (op === 'list' || op === 'scan') {
        route.run = async () => {
          const r = await state.memo(gen, memoKey(`detailed-${op}`), () => store.detailedMetadata(m, key, data, op === 'scan'));
          return ok(op === 'scan' && r.keys.length === 0 ? {} : r, warn());
        };
      } else route.run = async () => { throw unsupportedOperation(); };
      return route;
    case 'delete':
    case 'undelete':
    case 'destroy':
      if (op === 'update') {
        route.run = async () => {
          // destroy purges the blobs from history; over HTTP there is no one to confirm, as in Vault.
          if (endpoint === 'delete') await write(() => store.deleteVersions(m, key, data));
          else if (endpoint === 'undelete') await write(() => store.undeleteVersions(m, key, data));
          else await write(() => store.destroyVersions(m, key, data));
          return noContent();
        };
      } else route.run = async () => { throw unsupportedOperation(); };
      return route;
    case 'subkeys':
      if (op === 'read') {
        route.run = async () => ok(await state.memo(gen, memoKey('subkeys'), () => store.readSubkeys(m, key, data), deletionExpiry), warn());
      } else route.run = async () => { throw unsupportedOperation(); };
      return route;
  }
  return route;
}

function warningsOrNoContent(r: { warnings: string[] }): HttpResponse {
  return r.warnings.length > 0 ? ok(null, { warnings: r.warnings, mountType: KV_MOUNT_TYPE }) : noContent();
}

function v1Route(state: StoreState, gen: Generation, mount: Mount, key: string, lr: LogicalRequest): Route {
  const store = state.store;
  const m = mount.path;
  const op = lr.op === 'head' ? 'read' : lr.op;
  const route: Route = {
    aclPath: lr.path,
    exists: async () => {
      try {
        await state.memo(gen, `kv1\0read\0${m}\0${key}`, () => store.v1Read(m, key));
        return true;
      } catch (e) {
        if (isKvgitError(e, 'ERR_NOT_FOUND')) return false;
        if (isKvgitError(e, 'ERR_INVALID_REQUEST')) return true;
        throw e;
      }
    },
    run: async () => {
      throw unsupportedOperation();
    },
  };
  const extras = { mountType: KV_MOUNT_TYPE };
  switch (op) {
    case 'read':
      route.run = async () => ok(await state.memo(gen, `kv1\0read\0${m}\0${key}`, () => store.v1Read(m, key)), { ...extras, leaseDuration: V1_LEASE_SECONDS });
      break;
    case 'list':
      route.run = async () => ok({ keys: await state.memo(gen, `kv1\0list\0${m}\0${key}\0${JSON.stringify(lr.data)}`, () => store.list(m, key, lr.data)) }, extras);
      break;
    case 'scan':
      route.run = async () => {
        const keys = await state.memo(gen, `kv1\0scan\0${m}\0${key}`, () => store.scan(m, key));
        return ok(keys.length > 0 ? { keys } : {}, extras);
      };
      break;
    case 'update':
      route.run = async () => {
        if (Object.keys(lr.data).length === 0) throw new HttpError(400, 'missing data fields');
        await state.write(() => store.v1Write(m, key, lr.data));
        return noContent();
      };
      break;
    case 'delete':
      route.run = async () => (await state.write(() => store.v1Delete(m, key)), noContent());
      break;
  }
  return route;
}
