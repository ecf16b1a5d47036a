/** `kvgit serve`: Vault's KV v2 HTTP API over a store (issue 6; being built). */
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

/** Runs until SIGTERM/SIGINT; resolves with the process exit code. */
export async function runServe(_options: ServeOptions): Promise<number> {
  throw new Error('kvgit serve is not built yet');
}
