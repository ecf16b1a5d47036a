/** `kvgit serve`: Vault's KV v2 HTTP API over a store (issue 6). */
import { promises as fsp } from 'node:fs';
import { isIP } from 'node:net';
import { Store, isKvgitError } from '@kvgit/core';
import { Auth, newTokenSecret } from './auth/tokens';
import { type Limits, HttpServer } from './http/server';
import { StoreState } from './state';
import { VaultApp } from './vault/app';

export interface ServeOptions {
  /** --store / KVGIT_STORE, else the nearest store above cwd. */
  storePath?: string;
  /** host:port, default 127.0.0.1:8200. */
  address: string;
  tlsCert?: string;
  tlsKey?: string;
  /** A file holding the root token (else KVGIT_ROOT_TOKEN, else one is generated and printed once). */
  rootTokenFile?: string;
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface StartOptions extends ServeOptions {
  limits?: Partial<Limits>;
}

export interface RunningServer {
  /** e.g. http://127.0.0.1:8200 */
  url: string;
  host: string;
  port: number;
  store: Store;
  /** Stops accepting, finishes in-flight requests and queued writes, then resolves. */
  close(): Promise<void>;
}

/** A failure to start, reported as one line and an exit code. */
export class ServeError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

export const DEFAULT_ADDRESS = '127.0.0.1:8200';

export function parseAddress(address: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(address) ?? /^([^:]*):(\d+)$/.exec(address);
  if (!m) throw new ServeError(`invalid address "${address}": use host:port (e.g. 127.0.0.1:8200)`, 1);
  const port = Number(m[2]);
  if (port > 65535) throw new ServeError(`invalid port in "${address}"`, 1);
  return { host: m[1] === '' ? '127.0.0.1' : m[1]!, port };
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

async function rootTokenOf(options: ServeOptions): Promise<{ secret: string; generated: boolean }> {
  if (options.rootTokenFile) {
    let text: string;
    try {
      text = await fsp.readFile(options.rootTokenFile, 'utf8');
    } catch (e) {
      throw new ServeError(`cannot read the root token file ${options.rootTokenFile}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, 1);
    }
    const secret = text.trim();
    if (secret === '') throw new ServeError(`the root token file ${options.rootTokenFile} is empty`, 1);
    return { secret, generated: false };
  }
  const fromEnv = options.env.KVGIT_ROOT_TOKEN?.trim();
  if (fromEnv) return { secret: fromEnv, generated: false };
  return { secret: newTokenSecret(), generated: true };
}

/** Starts the server (used by runServe and by tests); prints the address and a generated root token. */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const { host, port } = parseAddress(options.address || DEFAULT_ADDRESS);
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
    throw new ServeError('TLS needs both --tls-cert and --tls-key', 1);
  }
  let tls: { cert: Buffer; key: Buffer } | undefined;
  if (options.tlsCert && options.tlsKey) {
    try {
      tls = { cert: await fsp.readFile(options.tlsCert), key: await fsp.readFile(options.tlsKey) };
    } catch (e) {
      throw new ServeError(`cannot read the TLS certificate or key: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, 1);
    }
  }
  if (!tls && !isLoopback(host)) {
    throw new ServeError(`refusing to serve plain HTTP on ${host}: give --tls-cert and --tls-key, or listen on a loopback address`, 1);
  }
  const root = await rootTokenOf(options);
  const store = await Store.open({ path: options.storePath, env: options.env });
  // Unlock now: a missing identity should stop the start, not fail the first request.
  await store.unlock();
  const state = new StoreState(store);
  const log = (line: string) => options.stderr.write(`kvgit serve: ${line}\n`);
  const app = new VaultApp(state, new Auth(state, root.secret), { log });
  const server = new HttpServer(app.handle, {
    tls,
    limits: options.limits,
    errorBody: (status, message) => ({
      contentType: 'application/json',
      // An oversized body is what Vault reports as a JSON parsing failure (with 413).
      body: JSON.stringify({ errors: [status === 413 ? 'error parsing JSON' : message] }),
    }),
  });
  let info;
  try {
    info = await server.listen(host, port);
  } catch (e) {
    throw new ServeError(`cannot listen on ${options.address || DEFAULT_ADDRESS}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 1);
  }
  const shownHost = info.family === 'IPv6' ? `[${info.address}]` : info.address;
  const url = `${tls ? 'https' : 'http'}://${shownHost}:${info.port}`;
  options.stdout.write(`kvgit serve: listening on ${url} (store: ${store.location.worktree ?? store.location.gitdir})\n`);
  if (root.generated) {
    options.stdout.write(`Root Token: ${root.secret}\n(generated for this run and shown only once; set KVGIT_ROOT_TOKEN or --root-token-file to choose one)\n`);
  }
  let closing: Promise<void> | undefined;
  return {
    url,
    host: info.address,
    port: info.port,
    store,
    close: () => {
      closing ??= (async () => {
        await server.close();
        await state.drained();
      })();
      return closing;
    },
  };
}

/** Runs until SIGTERM/SIGINT; resolves with the process exit code. */
export async function runServe(options: ServeOptions): Promise<number> {
  let running: RunningServer;
  try {
    running = await startServer(options);
  } catch (e) {
    if (e instanceof ServeError) {
      options.stderr.write(`kvgit serve: ${e.message}\n`);
      return e.exitCode;
    }
    if (isKvgitError(e)) {
      options.stderr.write(`kvgit serve: ${e.message}\n${e.details.hint ? `hint: ${e.details.hint}\n` : ''}`);
      return 2;
    }
    throw e;
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      options.stderr.write(`kvgit serve: ${signal} received; finishing requests in flight\n`);
      resolve();
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
  });
  await running.close();
  options.stderr.write('kvgit serve: stopped\n');
  return 0;
}
