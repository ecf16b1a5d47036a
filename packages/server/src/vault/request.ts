/**
 * From an HTTP request to Vault's logical request (OB-HTTP/V-HTTP buildLogicalRequestNoAuth,
 * reference §2.1): the operation from the method, the path under /v1/, the data from the JSON
 * body or the query string, and the errors Vault raises before authentication.
 */
import { setOwn } from '@kvgit/core/json';
import type { HttpRequest } from '../http/server';
import { HttpError, errors } from './respond';

export type LogicalOp = 'read' | 'list' | 'scan' | 'update' | 'patch' | 'delete' | 'head';

export interface LogicalRequest {
  op: LogicalOp;
  /** URL-decoded path under /v1/, with "/" appended for list and scan. */
  path: string;
  data: Record<string, unknown>;
  /** Whether a body (POST/PUT/PATCH) was present, as opposed to query data. */
  hasBody: boolean;
  token: string | undefined;
  wrapTtl: string | undefined;
}

function parseQuery(query: string): Record<string, unknown> {
  const params = new URLSearchParams(query);
  const out: Record<string, unknown> = {};
  for (const k of new Set(params.keys())) {
    if (k === 'help') continue;
    const all = params.getAll(k);
    setOwn(out, k, all.length === 1 ? all[0] : all);
  }
  return out;
}

/** Go's strconv.ParseBool. */
function parseBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

function parseJsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'error parsing JSON');
  }
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new HttpError(400, 'error parsing JSON');
  return parsed as Record<string, unknown>;
}

function parseForm(body: Buffer): Record<string, unknown> {
  return parseQuery(body.toString('utf8'));
}

/** Go's mime.ParseMediaType, as far as the type itself goes. */
function mediaType(header: string | undefined): string {
  const raw = (header ?? '').split(';')[0]!.trim().toLowerCase();
  if (raw === '') throw new HttpError(400, 'mime: no media type');
  if (!/^[!#$%&'*+\-.^_`|~0-9a-z]+\/[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(raw)) throw new HttpError(400, 'mime: expected slash after first token');
  return raw;
}

/**
 * Vault's isForm: a form only when declared so and the body does not look like JSON, since
 * clients (curl -d) send JSON with the form content type by default.
 */
function bodyData(req: HttpRequest): Record<string, unknown> {
  const ct = (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const looksJson = /^\s*[{[]/.test(req.body.subarray(0, 512).toString('latin1'));
  return ct === 'application/x-www-form-urlencoded' && !looksJson ? parseForm(req.body) : parseJsonBody(req.body);
}

/** Whether a path has "." or ".." segments after decoding (OpenBao's IsRelativePath). */
export function isRelativePath(path: string): boolean {
  return path.split('/').some((s) => s === '.' || s === '..');
}

export function toLogical(req: HttpRequest): LogicalRequest {
  const q = req.target.indexOf('?');
  const rawPath = q === -1 ? req.target : req.target.slice(0, q);
  const query = q === -1 ? '' : req.target.slice(q + 1);
  if (!rawPath.startsWith('/v1/')) throw new HttpError(404, undefined, errors(404, []));
  let path: string;
  try {
    path = decodeURIComponent(rawPath.slice(4));
  } catch {
    throw new HttpError(400, 'invalid URL escape in path');
  }
  if (isRelativePath(path)) throw new HttpError(400, 'relative paths not supported');
  const token = tokenOf(req);
  const wrapTtl = req.headers.get('x-vault-wrap-ttl');
  let op: LogicalOp;
  let data: Record<string, unknown> = {};
  let hasBody = false;
  switch (req.method) {
    case 'GET': {
      const params = new URLSearchParams(query);
      op = 'read';
      const list = params.get('list');
      const scan = params.get('scan');
      let isList = false;
      let isScan = false;
      if (list !== null && list !== '') {
        const b = parseBool(list);
        if (b === undefined) throw new HttpError(400, undefined, errors(400, []));
        isList = b;
        if (b) params.delete('list');
      }
      if (scan !== null && scan !== '') {
        const b = parseBool(scan);
        if (b === undefined) throw new HttpError(400, undefined, errors(400, []));
        isScan = b;
        if (b) params.delete('scan');
      }
      if (isList && isScan) throw new HttpError(400, 'list and scan cannot both be requested');
      if (isList) op = 'list';
      if (isScan) op = 'scan';
      if (op !== 'read' && !path.endsWith('/')) path += '/';
      data = parseQuery(params.toString());
      break;
    }
    case 'HEAD':
      op = 'head';
      break;
    case 'LIST':
    case 'SCAN':
      op = req.method === 'LIST' ? 'list' : 'scan';
      if (!path.endsWith('/')) path += '/';
      data = parseQuery(query);
      break;
    case 'POST':
    case 'PUT':
      op = 'update';
      data = bodyData(req);
      hasBody = true;
      break;
    case 'PATCH': {
      op = 'patch';
      const type = mediaType(req.headers.get('content-type'));
      if (type !== 'application/merge-patch+json') {
        throw new HttpError(415, `PATCH requires Content-Type of application/merge-patch+json, provided ${type}`);
      }
      data = parseJsonBody(req.body);
      hasBody = true;
      break;
    }
    case 'DELETE':
      op = 'delete';
      data = parseQuery(query);
      break;
    default:
      throw new HttpError(405, undefined, errors(405, []));
  }
  return { op, path, data, hasBody, token, wrapTtl };
}

function tokenOf(req: HttpRequest): string | undefined {
  const t = req.headers.get('x-vault-token');
  if (t) return t;
  const auth = req.headers.get('authorization');
  if (auth) {
    const m = /^Bearer\s+(.+)$/i.exec(auth);
    if (m) return m[1]!.trim();
  }
  return undefined;
}
