/** Errors the CLI itself raises; core errors (KvgitError) pass through to reportError untouched. */
import { EXIT } from './exitCodes';

/** A failure with its own words and exit code (Vault's `c.UI.Error(…); return N`). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.USAGE,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function usageError(message: string, hint?: string): CliError {
  return new CliError(message, EXIT.USAGE, hint);
}

/**
 * A core error met while doing something the user named, e.g. "Error writing data to
 * secret/data/foo": reportError prefixes Vault's API error text with it.
 */
export class ContextError extends Error {
  constructor(
    readonly context: string,
    override readonly cause: unknown,
  ) {
    super(context);
    this.name = 'ContextError';
  }
}

export async function during<T>(context: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw new ContextError(context, e);
  }
}

/** The fields of a core KvgitError that the CLI reads (duck-typed so main.ts need not load the core). */
export interface CoreError {
  name: 'KvgitError';
  code: string;
  message: string;
  httpStatus: number | undefined;
  details: { data?: unknown; hint?: string; mount?: string; path?: string; version?: number; file?: string };
}

export function isCoreError(e: unknown, code?: string): e is CoreError {
  return e instanceof Error && e.name === 'KvgitError' && typeof (e as Partial<CoreError>).code === 'string' && (code === undefined || (e as CoreError).code === code);
}
