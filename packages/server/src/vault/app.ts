/**
 * The request pipeline, in Vault's order (vault/request_handling.go): decode the HTTP request
 * (method, body, relative paths: answered before authentication), authenticate the token, route,
 * decide create vs update with the route's existence check, check the ACL, then run the handler.
 */
import { randomUUID } from 'node:crypto';
import { type Mount, parseDurationSeconds } from '@kvgit/core';
import { CAP, PolicyError, parsePolicy } from '../acl/policy';
import { Auth, type TokenEntry, newAccessor, newTokenSecret, normalisePolicyName, validPolicyName } from '../auth/tokens';
import type { HttpRequest, HttpResponse } from '../http/server';
import type { Generation, StoreState } from '../state';
import { type Route, kvRoute } from './kv';
import { type LogicalRequest, toLogical } from './request';
import { HttpError, PERMISSION_DENIED_ACL, badRequest, errors, fromError, json, noContent, ok, unsupportedOperation } from './respond';

export const SERVER_VERSION = '0.1.0+kvgit';

export interface AppOptions {
  log: (line: string) => void;
  clusterId?: string;
}

export class VaultApp {
  private readonly clusterId: string;

  constructor(readonly state: StoreState, readonly auth: Auth, private readonly options: AppOptions) {
    this.clusterId = options.clusterId ?? randomUUID();
  }

  handle = (req: HttpRequest): Promise<HttpResponse> =>
    this.state.track(async () => {
      try {
        return await this.dispatch(req);
      } catch (e) {
        return fromError(e, this.options.log);
      }
    });

  private async dispatch(req: HttpRequest): Promise<HttpResponse> {
    const lr = toLogical(req);
    if (lr.path === 'sys/health') return this.health(lr);
    if (lr.path === 'sys/seal-status' && lr.op === 'read') return json(200, this.sealStatus());
    if (lr.op === 'head') throw new HttpError(405, undefined, errors(405, []));
    if (lr.wrapTtl) throw badRequest('response wrapping is not supported by kvgit serve');
    const gen = await this.state.current();
    const token = lr.token ? await this.auth.lookup(gen, lr.token) : undefined;
    if (!token || !lr.token) throw new HttpError(403, 'permission denied');
    const route = await this.route(gen, lr, token, lr.token);
    if (!token.root && !route.public) await this.authorize(gen, lr, route, token);
    return route.run();
  }

  private async authorize(gen: Generation, lr: LogicalRequest, route: Route, token: TokenEntry): Promise<void> {
    const acl = await this.auth.acl(gen, token.policies);
    const perms = acl.permissionsFor(route.aclPath, lr.op === 'list');
    let op: 'read' | 'list' | 'scan' | 'create' | 'update' | 'patch' | 'delete' = lr.op === 'head' ? 'read' : (lr.op as 'read');
    if (lr.op === 'update') {
      const bits = perms?.bits ?? 0;
      const either = Boolean(bits & CAP.create) !== Boolean(bits & CAP.update);
      // The existence check only matters when the rule grants one of create/update.
      op = either && route.exists && !(await route.exists()) ? 'create' : 'update';
    }
    const decision = acl.allow(route.aclPath, op, lr.data);
    if (!decision.allowed || (route.sudo && !(decision.bits & CAP.sudo))) {
      throw new HttpError(403, PERMISSION_DENIED_ACL);
    }
  }

  private async route(gen: Generation, lr: LogicalRequest, token: TokenEntry, secret: string): Promise<Route> {
    const path = lr.path;
    if (path === 'sys' || path.startsWith('sys/')) return this.sysRoute(gen, lr, token);
    if (path.startsWith('auth/token/')) return this.tokenRoute(gen, lr, token, secret);
    const mounts = await this.state.mounts(gen);
    const mount = findMount(mounts, path);
    if (!mount) return { aclPath: path, run: async () => errors(404, [`no handler for route "${path}". route entry not found.`]) };
    return kvRoute(this.state, gen, mount, { ...lr, path: path.startsWith(mount.path) ? path : `${path}/` });
  }

  // ---- sys/

  private health(lr: LogicalRequest): HttpResponse {
    if (lr.op !== 'read' && lr.op !== 'head') throw new HttpError(405, undefined, errors(405, []));
    const body = {
      initialized: true,
      sealed: false,
      standby: false,
      performance_standby: false,
      replication_performance_mode: 'disabled',
      replication_dr_mode: 'disabled',
      server_time_utc: Math.floor(Date.now() / 1000),
      version: SERVER_VERSION,
      cluster_name: 'kvgit',
      cluster_id: this.clusterId,
    };
    return lr.op === 'head' ? { ...json(200, body), omitBody: true } : json(200, body);
  }

  private sealStatus() {
    return {
      type: 'shamir', initialized: true, sealed: false, t: 1, n: 1, progress: 0, nonce: '', version: SERVER_VERSION,
      build_date: '', migration: false, cluster_name: 'kvgit', cluster_id: this.clusterId, recovery_seal: false, storage_type: 'git',
    };
  }

  private sysRoute(gen: Generation, lr: LogicalRequest, token: TokenEntry): Route {
    const path = lr.path;
    const sub = path.slice(4);
    const route: Route = { aclPath: path, run: async () => errors(404, ['unsupported path']) };
    const store = this.state.store;
    const op = lr.op;
    const unsupported = async (): Promise<HttpResponse> => {
      throw unsupportedOperation();
    };

    if (sub === 'mounts') {
      route.run = op === 'read' ? async () => {
        const table = Object.fromEntries((await this.state.mounts(gen)).map((m) => [m.path, mountEntry(m)]));
        return ok(table, { legacy: table });
      } : unsupported;
      return route;
    }
    let m = /^mounts\/(.+?)\/tune$/.exec(sub);
    if (m) {
      const mountPath = normaliseMountPath(m[1]!);
      if (op === 'read') {
        route.run = async () => {
          const mount = (await this.state.mounts(gen)).find((x) => x.path === mountPath);
          if (!mount) throw badRequest(`cannot fetch sysview for path "${mountPath}"`);
          return ok({
            default_lease_ttl: 2_764_800, max_lease_ttl: 2_764_800, force_no_cache: false,
            description: mount.description, options: { version: String(mount.version) },
          });
        };
      } else if (op === 'update') {
        route.run = async () => {
          const mount = (await this.state.mounts(gen)).find((x) => x.path === mountPath);
          if (!mount) throw badRequest(`cannot tune "${mountPath}": no secrets engine is mounted there`);
          const options = isObject(lr.data.options) ? lr.data.options : {};
          if (options.version !== undefined && options.version !== null && options.version !== '') {
            const v = String(options.version);
            if (v !== '1' && v !== '2') throw badRequest(`invalid KV version "${v}"`);
            if (v === '1' && mount.version === 2) throw badRequest('cannot downgrade a KV version 2 mount to version 1');
            if (v === '2' && mount.version === 1) await this.state.write(() => store.upgradeMount(mountPath));
          }
          return noContent();
        };
      } else route.run = unsupported;
      return route;
    }
    m = /^mounts\/(.+)$/.exec(sub);
    if (m) {
      const mountPath = normaliseMountPath(m[1]!);
      if (op === 'read') {
        route.run = async () => {
          const mount = (await this.state.mounts(gen)).find((x) => x.path === mountPath);
          if (!mount) throw badRequest(`No secret engine mount at ${mountPath}`);
          return ok(mountEntry(mount));
        };
      } else if (op === 'update') {
        route.run = async () => {
          const type = typeof lr.data.type === 'string' ? lr.data.type : '';
          const options = isObject(lr.data.options) ? lr.data.options : {};
          const description = typeof lr.data.description === 'string' ? lr.data.description : '';
          let version: string;
          if (type === 'kv-v2') version = '2';
          else if (type === 'kv') version = options.version === undefined || options.version === null || options.version === '' ? '1' : String(options.version);
          else if (type === '') throw badRequest('backend type must be specified as a string');
          else throw badRequest(`plugin not found in the catalog: ${type}`);
          if (version !== '1' && version !== '2') throw badRequest(`invalid KV version "${version}"`);
          await this.state.write(() => store.enableMount(mountPath, { version, description }));
          return noContent();
        };
      } else if (op === 'delete') {
        route.run = async () => (await this.state.write(() => store.disableMount(mountPath)), noContent());
      } else route.run = unsupported;
      return route;
    }
    if (sub === 'remount') {
      route.sudo = true;
      route.run = op === 'update' ? async () => {
        const from = typeof lr.data.from === 'string' ? lr.data.from : '';
        const to = typeof lr.data.to === 'string' ? lr.data.to : '';
        if (from === '' || to === '') throw badRequest('both "from" and "to" must be specified as mount paths');
        await this.state.write(() => store.moveMount(from, to));
        return ok({ migration_id: randomUUID() });
      } : unsupported;
      return route;
    }
    if (sub === 'policies/acl' || sub === 'policies/acl/') {
      route.run = op === 'list' ? async () => ok({ keys: await this.auth.policyNames(gen) }) : unsupported;
      return route;
    }
    if (sub === 'policy') {
      route.run = op === 'read' ? async () => {
        const names = await this.auth.policyNames(gen);
        return ok({ keys: names, policies: names }, { legacy: { keys: names, policies: names } });
      } : unsupported;
      return route;
    }
    m = /^(policies\/acl|policy)\/(.+)$/.exec(sub);
    if (m) {
      const legacy = m[1] === 'policy';
      const name = normalisePolicyName(m[2]!);
      const textField = legacy ? 'rules' : 'policy';
      if (op === 'read') {
        route.run = async () => {
          const text = name === 'root' ? '' : await this.auth.policyText(gen, name);
          if (text === undefined) return errors(404, []);
          const data = { name, [textField]: text };
          return ok(data, legacy ? { legacy: data } : {});
        };
      } else if (op === 'update') {
        route.run = async () => {
          if (!validPolicyName(name)) throw badRequest(`invalid policy name "${name}"`);
          if (name === 'root') throw badRequest('cannot update "root" policy');
          let text = typeof lr.data.policy === 'string' ? lr.data.policy : legacy && typeof lr.data.rules === 'string' ? lr.data.rules : '';
          if (text.trim() === '') throw badRequest("'policy' parameter not supplied or empty");
          // Vault accepts the policy base64-encoded as well.
          if (/^[A-Za-z0-9+/]+={0,2}$/.test(text.trim()) && text.trim().length % 4 === 0) {
            const decoded = Buffer.from(text.trim(), 'base64').toString('utf8');
            if (!decoded.includes('\ufffd')) text = decoded;
          }
          try {
            parsePolicy(name, text);
          } catch (e) {
            if (e instanceof PolicyError) throw badRequest(e.message);
            throw e;
          }
          await this.auth.writePolicy(name, text);
          return noContent();
        };
      } else if (op === 'delete') {
        route.run = async () => {
          if (name === 'root' || name === 'default') throw badRequest(`cannot delete "${name}" policy`);
          await this.auth.deletePolicy(name);
          return noContent();
        };
      } else route.run = unsupported;
      return route;
    }
    if (sub === 'capabilities-self') {
      route.run = op === 'update' ? async () => {
        const raw = lr.data.paths ?? lr.data.path;
        const paths = (Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : []).map((p) => String(p).trim()).filter((p) => p !== '');
        if (paths.length === 0) throw badRequest("'path' or 'paths' must be specified");
        const acl = await this.auth.acl(gen, token.policies);
        const data: Record<string, string[]> = {};
        for (const p of paths) data[p] = acl.capabilities(p);
        if (paths.length === 1) data.capabilities = data[paths[0]!]!;
        return ok(data, { legacy: data });
      } : unsupported;
      return route;
    }
    m = /^internal\/ui\/mounts\/(.+)$/.exec(sub);
    if (m) {
      const target = m[1]!;
      route.run = op === 'read' ? async () => {
        const mount = findMount(await this.state.mounts(gen), target.replace(/^\/+/, ''));
        // A mount the token cannot use gets the same answer as one that does not exist.
        if (!mount || !(await this.auth.acl(gen, token.policies)).hasMountAccess(mount.path)) {
          throw new HttpError(403, `preflight capability check returned 403, please ensure client's policies grant access to path "${target.replace(/\/?$/, '/')}"`);
        }
        return ok({ ...mountEntry(mount), path: mount.path });
      } : unsupported;
      // Vault answers this path for any valid token whose policies reach the mount.
      route.public = true;
      return route;
    }
    return route;
  }

  // ---- auth/token/

  private tokenRoute(gen: Generation, lr: LogicalRequest, token: TokenEntry, secret: string): Route {
    const sub = lr.path.slice('auth/token/'.length);
    const op = lr.op;
    const route: Route = { aclPath: lr.path, run: async () => errors(404, ['unsupported path']) };
    const unsupported = async (): Promise<HttpResponse> => {
      throw unsupportedOperation();
    };
    switch (sub) {
      case 'lookup-self':
        route.run = op === 'read' || op === 'update' ? async () => ok(lookupData(token, secret)) : unsupported;
        return route;
      case 'lookup':
        route.run = op === 'update' ? async () => {
          const t = typeof lr.data.token === 'string' ? lr.data.token : '';
          if (t === '') throw badRequest('missing token to look up');
          const entry = await this.auth.lookup(gen, t);
          if (!entry) throw badRequest('bad token');
          return ok(lookupData(entry, t));
        } : unsupported;
        return route;
      case 'create':
      case 'create-orphan':
        if (sub === 'create-orphan') route.sudo = true;
        route.run = op === 'update' ? async () => this.createToken(gen, lr, token, sub === 'create-orphan') : unsupported;
        return route;
      case 'revoke-self':
        route.run = op === 'update' ? async () => {
          if (token.root) throw badRequest('the root token of kvgit serve cannot be revoked; restart the server with another one');
          await this.auth.revokeToken(secret);
          return noContent();
        } : unsupported;
        return route;
      case 'revoke':
        route.run = op === 'update' ? async () => {
          const t = typeof lr.data.token === 'string' ? lr.data.token : '';
          if (t === '') throw badRequest('missing token');
          if (this.auth.isRootSecret(t)) throw badRequest('the root token of kvgit serve cannot be revoked; restart the server with another one');
          await this.auth.revokeToken(t);
          return noContent();
        } : unsupported;
        return route;
    }
    return route;
  }

  private async createToken(gen: Generation, lr: LogicalRequest, parent: TokenEntry, orphanPath: boolean): Promise<HttpResponse> {
    const d = lr.data;
    const raw = d.policies;
    let policies = (Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(',') : [])
      .map(normalisePolicyName).filter((p) => p !== '');
    const isRootParent = Boolean(parent.root) || parent.policies.includes('root');
    if (d.num_uses !== undefined && Number(d.num_uses) !== 0) throw badRequest('num_uses is not supported by kvgit serve');
    if (d.type !== undefined && d.type !== 'service' && d.type !== 'default') throw badRequest('only service tokens are supported by kvgit serve');
    if (d.period !== undefined && d.period !== '' && d.period !== 0) throw badRequest('periodic tokens are not supported by kvgit serve');
    if (d.id !== undefined && d.id !== '' && !isRootParent) throw badRequest('root or sudo privileges required to specify token id');
    if (policies.length === 0) policies = parent.policies.filter((p) => p !== 'default' || !d.no_default_policy);
    const requested = policies.filter((p) => p !== 'default');
    if (!isRootParent && !requested.every((p) => parent.policies.includes(p))) throw badRequest('child policies must be subset of parent');
    for (const p of policies) if (p !== 'root' && !validPolicyName(p)) throw badRequest(`invalid policy name "${p}"`);
    const noDefault = d.no_default_policy === true || d.no_default_policy === 'true';
    if (!policies.includes('root') && !noDefault && !policies.includes('default')) policies.push('default');
    if (noDefault) policies = policies.filter((p) => p !== 'default');
    policies = [...new Set(policies)].sort();
    let ttl = 0;
    if (d.ttl !== undefined && d.ttl !== null && d.ttl !== '') {
      try {
        ttl = parseDurationSeconds(d.ttl);
      } catch {
        throw badRequest(`invalid ttl "${String(d.ttl)}"`);
      }
      if (ttl < 0) throw badRequest('ttl cannot be negative');
    }
    let meta: Record<string, string> | null = null;
    if (isObject(d.meta)) meta = Object.fromEntries(Object.entries(d.meta).map(([k, v]) => [k, String(v)]));
    const displayName = typeof d.display_name === 'string' && d.display_name !== ''
      ? `token-${d.display_name.replace(/[^a-zA-Z0-9-]/g, '-')}`.replace(/-+$/, '')
      : 'token';
    const secret = typeof d.id === 'string' && d.id !== '' ? d.id : newTokenSecret();
    const now = Math.floor(Date.now() / 1000);
    const orphan = orphanPath || d.no_parent === true || d.no_parent === 'true';
    const entry: TokenEntry = {
      accessor: newAccessor(),
      policies,
      display_name: displayName,
      meta,
      creation_time: now,
      expire_time: ttl > 0 ? now + ttl : 0,
      creation_ttl: ttl,
      path: orphanPath ? 'auth/token/create-orphan' : 'auth/token/create',
      orphan,
    };
    if (this.auth.isRootSecret(secret) || (await this.auth.lookup(gen, secret))) throw badRequest('cannot create a token with a duplicate ID');
    await this.auth.saveToken(secret, entry);
    return ok(null, {
      auth: {
        client_token: secret,
        accessor: entry.accessor,
        policies,
        token_policies: policies,
        metadata: meta,
        lease_duration: ttl,
        renewable: false,
        entity_id: '',
        token_type: 'service',
        orphan,
        mfa_requirement: null,
        num_uses: 0,
      },
    });
  }
}

function lookupData(t: TokenEntry, secret: string) {
  const now = Math.floor(Date.now() / 1000);
  return {
    accessor: t.accessor,
    creation_time: t.creation_time,
    creation_ttl: t.creation_ttl,
    display_name: t.display_name,
    entity_id: '',
    expire_time: t.expire_time > 0 ? new Date(t.expire_time * 1000).toISOString() : null,
    explicit_max_ttl: 0,
    id: secret,
    meta: t.meta,
    num_uses: 0,
    orphan: t.orphan,
    path: t.path,
    policies: t.policies,
    renewable: false,
    ttl: t.expire_time > 0 ? Math.max(0, t.expire_time - now) : 0,
    type: 'service',
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function normaliseMountPath(p: string): string {
  return `${p.replace(/^\/+/, '').replace(/\/+$/, '')}/`;
}

/** The longest mount whose path prefixes the request path ("secret" also finds "secret/"). */
export function findMount(mounts: Mount[], path: string): Mount | undefined {
  let best: Mount | undefined;
  for (const m of mounts) {
    if ((path.startsWith(m.path) || `${path}/` === m.path) && (!best || m.path.length > best.path.length)) best = m;
  }
  return best;
}

function mountEntry(m: Mount) {
  return {
    accessor: `kv_${m.uuid.replace(/-/g, '').slice(0, 8)}`,
    config: { default_lease_ttl: 0, force_no_cache: false, max_lease_ttl: 0 },
    deprecation_status: 'supported',
    description: m.description,
    external_entropy_access: false,
    local: false,
    options: { version: String(m.version) },
    plugin_version: '',
    running_plugin_version: '',
    running_sha256: '',
    seal_wrap: false,
    type: 'kv',
    uuid: m.uuid,
  };
}

