/**
 * What a handler may use of the outside world. main.ts builds it; handlers never touch argv,
 * stdout, stderr or the exit code themselves.
 */
import type { Store } from '@kvgit/core';

export interface Progress {
  /** Advance by n (default 1). */
  tick(n?: number): void;
  /** Say where the work is, for callers that count themselves (the core's onProgress). */
  set(done: number, total: number): void;
  /** Clear the progress line. */
  done(): void;
}

export interface ConfirmOptions {
  /**
   * What happens when nobody can be asked (stdin or stderr not a terminal) and -y was not given:
   * Vault's own verbs proceed, as `vault kv` does, so its scripts keep working; kvgit-only
   * destructive commands refuse.
   */
  whenNonInteractive: 'proceed' | 'refuse';
}

export interface Context {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** --store, else KVGIT_STORE, else undefined (the nearest store above cwd). */
  storePath: string | undefined;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** All of stdin as text (read once; later calls get the same text). */
  readStdin(): Promise<string>;
  /** Opens the store (loading the core on first use). */
  openStore(): Promise<Store>;
  /** True when confirmed (-y, or "y" on the terminal); false when refused or nobody could be asked. */
  confirm(question: string, options: ConfirmOptions): Promise<boolean>;
  /** A progress line on stderr when it is a terminal; does nothing otherwise. */
  progress(label: string, total?: number): Progress;
  /** Asks for a secret on the terminal without echo (throws when there is no terminal). */
  promptSecret(question: string): Promise<string>;
  /** A line on stderr right away (Vault's ui.Warn). */
  warn(text: string): void;
  /** The process's streams, for `serve`, which logs for as long as it runs. */
  streams: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };
}
