/**
 * Vault's response shapes (reference §2.2): the envelope for handler data, `{"errors":[…]}` for
 * errors, 204 for nothing, and the "raw" 404s that carry an envelope or nothing at all. The one
 * place where a KvgitError becomes an HTTP status and words.
 */
import { randomUUID } from 'node:crypto';
import { type KvgitError, isKvgitError } from '@kvgit/core';
import type { HttpResponse } from '../http/server';

const JSON_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' };

export interface EnvelopeExtras {
  warnings?: string[] | null;
  auth?: unknown;
  leaseDuration?: number;
  mountType?: string;
  /** Fields Vault also puts at the top level for old clients (sys/mounts, sys/policy). */
  legacy?: Record<string, unknown>;
}

export function envelope(data: unknown, extras: EnvelopeExtras = {}): Record<string, unknown> {
  const body: Record<string, unknown> = {
    ...(extras.legacy ?? {}),
    request_id: randomUUID(),
    lease_id: '',
    renewable: false,
    lease_duration: extras.leaseDuration ?? 0,
    data: data ?? null,
    wrap_info: null,
    warnings: extras.warnings && extras.warnings.length > 0 ? extras.warnings : null,
    auth: extras.auth ?? null,
  };
  if (extras.mountType !== undefined) body.mount_type = extras.mountType;
  return body;
}

export function json(status: number, body: unknown): HttpResponse {
  return { status, headers: JSON_HEADERS, body: JSON.stringify(body) };
}

export function ok(data: unknown, extras: EnvelopeExtras = {}): HttpResponse {
  return json(200, envelope(data, extras));
}

export function noContent(): HttpResponse {
  return { status: 204, headers: { 'Cache-Control': 'no-store' } };
}

export function errors(status: number, messages: string[]): HttpResponse {
  return json(status, { errors: messages });
}

/** A 404 whose body is the full envelope (deleted/destroyed versions, pathInvalid). */
export function rawNotFound(data: unknown, extras: EnvelopeExtras = {}): HttpResponse {
  return json(404, envelope(data, extras));
}

/** `RespondWithStatusCode(nil, req, 404)`: a 404 with an empty body. */
export function emptyNotFound(): HttpResponse {
  return { status: 404, headers: JSON_HEADERS, body: '' };
}

export const PERMISSION_DENIED_ACL = '1 error occurred:\n\t* permission denied\n\n';

/** Failures the server raises itself, with Vault's status and text. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string | undefined, readonly response?: HttpResponse) {
    super(message ?? '');
  }

  toResponse(): HttpResponse {
    return this.response ?? errors(this.status, this.message === '' ? [] : [this.message]);
  }
}

export const badRequest = (message: string) => new HttpError(400, message);
export const unsupportedOperation = () => new HttpError(405, 'unsupported operation');

/** Statuses for the kvgit-only failures Vault has no word for. */
const LOCAL_STATUS: Partial<Record<string, number>> = {
  ERR_LOCK_TIMEOUT: 503,
  ERR_STORE_MODIFIED: 503,
  ERR_GIT_STATE: 503,
};

export function fromError(e: unknown, log: (line: string) => void): HttpResponse {
  if (e instanceof HttpError) return e.toResponse();
  if (isKvgitError(e)) return fromKvgitError(e, log);
  log(`internal error: ${(e as Error)?.name ?? 'Error'}: ${(e as Error)?.message ?? String(e)}`);
  return errors(500, ['internal error']);
}

function fromKvgitError(e: KvgitError, log: (line: string) => void): HttpResponse {
  if (e.code === 'ERR_NOT_FOUND') {
    // Core messages never hold secret values; the 404s with a body carry the version metadata.
    return e.details.data !== undefined ? rawNotFound(e.details.data, { mountType: 'kv' }) : errors(404, []);
  }
  const status = e.httpStatus ?? LOCAL_STATUS[e.code] ?? 500;
  if (status >= 500) log(`${e.code}: ${e.message}`);
  return errors(status, [e.message]);
}
