/** A real server on a real temporary store, and a plain HTTP client that can send any method. */
import * as http from 'node:http';
import * as https from 'node:https';
import { Writable } from 'node:stream';
import { type RunningServer, type StartOptions, startServer } from '../../packages/server/src/index';
import { type TempStore, tempStore } from '../helpers/temp';

export const ROOT_TOKEN = 'root-token-for-tests';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The parsed body, or undefined when it is empty or not JSON. */
  body: any;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is (for malformed bodies). */
  raw?: string | Buffer;
  token?: string | null;
  headers?: Record<string, string>;
}

export class Client {
  constructor(readonly url: string, public token: string | null = ROOT_TOKEN, readonly ca?: Buffer) {}

  request(method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
    // The path is sent exactly as given (a URL object would normalise "%2E%2E" away).
    const u = new URL(this.url);
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? this.token : options.token;
    if (token) headers['X-Vault-Token'] ??= token;
    let payload: Buffer | undefined;
    if (options.raw !== undefined) payload = Buffer.from(options.raw);
    else if (options.body !== undefined) {
      payload = Buffer.from(JSON.stringify(options.body));
      headers['Content-Type'] ??= method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
    }
    if (payload) headers['Content-Length'] = String(payload.length);
    const mod = u.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request({ protocol: u.protocol, hostname: u.hostname, port: u.port, path, method, headers, agent: false, ca: this.ca }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: any;
          try {
            body = text === '' ? undefined : JSON.parse(text);
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode!, headers: res.headers, text, body });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  get = (path: string, o?: RequestOptions) => this.request('GET', path, o);
  put = (path: string, body?: unknown, o?: RequestOptions) => this.request('PUT', path, { ...o, body });
  post = (path: string, body?: unknown, o?: RequestOptions) => this.request('POST', path, { ...o, body });
  patch = (path: string, body?: unknown, o?: RequestOptions) => this.request('PATCH', path, { ...o, body });
  del = (path: string, o?: RequestOptions) => this.request('DELETE', path, o);
  list = (path: string, o?: RequestOptions) => this.request('LIST', path, o);
}

export class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString('utf8');
    cb();
  }
}

export interface TestServer {
  t: TempStore;
  server: RunningServer;
  client: Client;
  stdout: Sink;
  stderr: Sink;
  close(): Promise<void>;
}

/** A fresh store and a server on an ephemeral loopback port, with ROOT_TOKEN as its root token. */
export async function startTestServer(options: Partial<StartOptions> & { layout?: 'directory' | 'branch' } = {}): Promise<TestServer> {
  const { layout, ...rest } = options;
  const t = await tempStore({ layout });
  const stdout = new Sink();
  const stderr = new Sink();
  const server = await startServer({
    storePath: t.repo,
    address: '127.0.0.1:0',
    env: { ...t.env, KVGIT_ROOT_TOKEN: ROOT_TOKEN },
    stdout,
    stderr,
    ...rest,
  });
  return {
    t,
    server,
    client: new Client(server.url),
    stdout,
    stderr,
    close: async () => {
      await server.close();
      t.cleanup();
    },
  };
}
