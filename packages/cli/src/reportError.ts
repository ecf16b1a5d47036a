/**
 * The one place that turns an error into words and an exit code. Core errors are matched on their
 * stable `code`, never on message text; their messages name mounts, paths, versions and files,
 * never values. Anything unexpected is reported without its message (which could quote input) unless
 * KVGIT_DEBUG is set.
 */
import type { ErrorCode } from '@kvgit/core';
import { CliError, ContextError, isCoreError, type CoreError } from './errors';
import { EXIT } from './exitCodes';

/**
 * Exit codes of the core's kvgit-only errors. Typed against the core's ErrorCode, so a new code
 * fails the typecheck here until it is given its exit code.
 */
const EXIT_BY_CODE: Record<Exclude<ErrorCode, ApiErrorCode>, number> = {
  ERR_NOT_A_STORE: EXIT.NOT_A_STORE,
  ERR_STORE_EXISTS: EXIT.NOT_A_STORE,
  ERR_NO_IDENTITY: EXIT.NO_IDENTITY,
  ERR_NOT_A_MEMBER: EXIT.NO_IDENTITY,
  ERR_DECRYPT: EXIT.INTEGRITY,
  ERR_INTEGRITY: EXIT.INTEGRITY,
  ERR_BLOB_MISPLACED: EXIT.INTEGRITY,
  ERR_METADATA_TAMPERED: EXIT.INTEGRITY,
  ERR_METADATA_ROLLBACK: EXIT.INTEGRITY,
  ERR_KEYRING_TAMPERED: EXIT.INTEGRITY,
  ERR_MOUNTS_TAMPERED: EXIT.INTEGRITY,
  ERR_EXT_TAMPERED: EXIT.INTEGRITY,
  ERR_CORRUPT: EXIT.INTEGRITY,
  ERR_UNSUPPORTED_FORMAT: EXIT.INTEGRITY,
  ERR_LOCK_TIMEOUT: EXIT.LOCK_TIMEOUT,
  ERR_STORE_MODIFIED: EXIT.STORE_STATE,
  ERR_GIT_STATE: EXIT.STORE_STATE,
  ERR_CONFIRMATION_REFUSED: EXIT.CONFIRMATION_REFUSED,
};

/** The core's errors that carry an HTTP status: Vault's API errors, exit 2. */
type ApiErrorCode = 'ERR_INVALID_REQUEST' | 'ERR_CAS_MISMATCH' | 'ERR_CAS_REQUIRED' | 'ERR_NOT_FOUND' | 'ERR_UNSUPPORTED_OPERATION' | 'ERR_NO_ROUTE' | 'ERR_MOUNT_CONFLICT';

export interface Report {
  message: string;
  exitCode: number;
}

export function reportError(error: unknown, env: NodeJS.ProcessEnv = {}): Report {
  let context: string | undefined;
  let e = error;
  if (e instanceof ContextError) {
    context = e.context;
    e = e.cause;
  }
  if (e instanceof CliError) {
    return { message: withHint(context ? `${context}: ${e.message}` : e.message, e.hint), exitCode: e.exitCode };
  }
  if (isCoreError(e)) return reportCoreError(e, context);
  const sys = e as NodeJS.ErrnoException;
  if (e instanceof Error && typeof sys.code === 'string' && typeof sys.syscall === 'string') {
    // A system error names a syscall and a path, not a value.
    return { message: context ? `${context}: ${e.message}` : e.message, exitCode: EXIT.USAGE };
  }
  const detail = env.KVGIT_DEBUG ? `\n${e instanceof Error ? e.stack ?? e.message : String(e)}` : ' (set KVGIT_DEBUG=1 for details)';
  return { message: `Internal error${e instanceof Error ? ` (${e.name})` : ''}${detail}`, exitCode: EXIT.INTERNAL };
}

function reportCoreError(e: CoreError, context: string | undefined): Report {
  const status = e.httpStatus;
  if (status !== undefined) {
    // Vault's api.ResponseError text, without the URL line: there is no server.
    const text = `Code: ${status}. Errors:\n\n* ${e.message}`;
    return { message: withHint(context ? `${context}: ${text}` : e.message, e.details.hint), exitCode: EXIT.API };
  }
  const exitCode = (EXIT_BY_CODE as Record<string, number>)[e.code] ?? EXIT.USAGE;
  const hint = e.details.hint ?? (e.code === 'ERR_CONFIRMATION_REFUSED' ? 'answer y on the terminal, or pass -y (needed when stdin is not a terminal)' : undefined);
  return { message: withHint(context ? `${context}: ${e.message}` : e.message, hint), exitCode };
}

function withHint(message: string, hint: string | undefined): string {
  return hint ? `${message}\nHint: ${hint}` : message;
}
