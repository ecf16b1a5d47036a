/**
 * Every failure the core reports is a KvgitError with a stable `code`. Front ends map codes to
 * words, HTTP statuses and exit codes; nothing may branch on message text. Messages never hold
 * secret values: they name mounts, paths, versions and files only.
 */
export type ErrorCode =
  // Errors Vault reports as API errors (HTTP 4xx); messages are Vault's own texts.
  | 'ERR_INVALID_REQUEST'
  | 'ERR_CAS_MISMATCH'
  | 'ERR_CAS_REQUIRED'
  | 'ERR_NOT_FOUND'
  | 'ERR_UNSUPPORTED_OPERATION'
  | 'ERR_NO_ROUTE'
  | 'ERR_MOUNT_CONFLICT'
  // What Vault does not have.
  | 'ERR_NOT_A_STORE'
  | 'ERR_STORE_EXISTS'
  | 'ERR_NO_IDENTITY'
  | 'ERR_NOT_A_MEMBER'
  | 'ERR_DECRYPT'
  | 'ERR_INTEGRITY'
  | 'ERR_BLOB_MISPLACED'
  | 'ERR_METADATA_TAMPERED'
  | 'ERR_METADATA_ROLLBACK'
  | 'ERR_KEYRING_TAMPERED'
  | 'ERR_MOUNTS_TAMPERED'
  | 'ERR_EXT_TAMPERED'
  | 'ERR_CORRUPT'
  | 'ERR_LOCK_TIMEOUT'
  | 'ERR_STORE_MODIFIED'
  | 'ERR_GIT_STATE'
  | 'ERR_CONFIRMATION_REFUSED'
  | 'ERR_UNSUPPORTED_FORMAT';

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  ERR_INVALID_REQUEST: 400,
  ERR_CAS_MISMATCH: 400,
  ERR_CAS_REQUIRED: 400,
  ERR_NOT_FOUND: 404,
  ERR_UNSUPPORTED_OPERATION: 405,
  ERR_NO_ROUTE: 404,
  ERR_MOUNT_CONFLICT: 400,
};

export interface ErrorDetails {
  /** For 404s that Vault answers with a body (deleted or destroyed versions): that body's `data`. */
  data?: unknown;
  mount?: string;
  path?: string;
  version?: number;
  file?: string;
  hint?: string;
}

// A second copy of this module (a test runner loading a lazily imported file on its own, two
// bundles in one process) must still recognise the first's errors: `instanceof` checks a brand.
const BRAND = Symbol.for('kvgit.KvgitError');

export class KvgitError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;
  readonly [BRAND] = true;

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message);
    this.name = 'KvgitError';
    this.code = code;
    this.details = details;
  }

  /** The HTTP status Vault would answer with, or undefined for kvgit-only failures. */
  get httpStatus(): number | undefined {
    return HTTP_STATUS[this.code];
  }
}

export function invalidRequest(message: string, details?: ErrorDetails): KvgitError {
  return new KvgitError('ERR_INVALID_REQUEST', message, details);
}

/** A 404; `data` set means Vault answers with a full envelope carrying it (deleted/destroyed). */
export function notFound(details: ErrorDetails = {}): KvgitError {
  const where = details.mount !== undefined && details.path !== undefined ? ` at ${details.mount}${details.path}` : '';
  const version = details.version ? ` (version ${details.version})` : '';
  return new KvgitError('ERR_NOT_FOUND', `no value found${where}${version}`, details);
}

export function isKvgitError(e: unknown, code?: ErrorCode): e is KvgitError {
  return e instanceof KvgitError && (code === undefined || e.code === code);
}
