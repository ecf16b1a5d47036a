/**
 * A small HTTP/1.1 server on `net`/`tls`. Node's own `http` server answers any method outside
 * its fixed list with 400 before a handler runs, and Vault's API needs LIST (and OpenBao's SCAN),
 * which real clients send. This one accepts any method token, keeps connections alive, handles
 * pipelining one request at a time, Content-Length and chunked bodies, `Expect: 100-continue`,
 * size limits, and a graceful close that lets in-flight requests finish.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';

export interface HttpRequest {
  method: string;
  /** The request target as sent: path and query. */
  target: string;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Map<string, string>;
  body: Buffer;
  remoteAddress: string | undefined;
}

export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** For HEAD: send the headers only. */
  omitBody?: boolean;
}

export type Handler = (req: HttpRequest) => Promise<HttpResponse>;

export interface Limits {
  maxHeaderBytes: number;
  maxBodyBytes: number;
  /** A connection that sends no complete request head within this time is closed. */
  headersTimeoutMs: number;
  /** An idle kept-alive connection is closed after this time. */
  keepAliveTimeoutMs: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxHeaderBytes: 16 * 1024,
  // Vault's default max_request_size.
  maxBodyBytes: 32 * 1024 * 1024,
  headersTimeoutMs: 60_000,
  keepAliveTimeoutMs: 30_000,
};

const REASONS: Record<number, string> = {
  100: 'Continue', 200: 'OK', 204: 'No Content', 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 408: 'Request Timeout', 409: 'Conflict', 413: 'Payload Too Large',
  415: 'Unsupported Media Type', 429: 'Too Many Requests', 431: 'Request Header Fields Too Large',
  500: 'Internal Server Error', 501: 'Not Implemented', 503: 'Service Unavailable', 505: 'HTTP Version Not Supported',
};

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const CRLFCRLF = Buffer.from('\r\n\r\n');

/** A protocol error: answered with `status` and the connection is closed. */
class ProtocolError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export interface ServerOptions {
  tls?: { cert: Buffer; key: Buffer };
  limits?: Partial<Limits>;
  /** What a protocol error (bad request line, size limit) is answered with. */
  errorBody?: (status: number, message: string) => { contentType: string; body: string };
}

export class HttpServer {
  private readonly server: net.Server;
  private readonly connections = new Set<Connection>();
  private readonly limits: Limits;
  private closing = false;

  constructor(readonly handler: Handler, readonly options: ServerOptions = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    const onSocket = (socket: net.Socket) => {
      const c = new Connection(this, socket, this.limits);
      this.connections.add(c);
      socket.once('close', () => this.connections.delete(c));
      if (this.closing) c.closeWhenIdle();
    };
    if (options.tls) {
      this.server = tls.createServer({ cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2', ALPNProtocols: ['http/1.1'] });
      this.server.on('secureConnection', onSocket);
      // A failed handshake is the client's problem; it must not take the server down.
      this.server.on('tlsClientError', () => {});
    } else {
      this.server = net.createServer(onSocket);
    }
  }

  get isClosing(): boolean {
    return this.closing;
  }

  listen(host: string, port: number): Promise<net.AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port, exclusive: true }, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as net.AddressInfo);
      });
    });
  }

  /**
   * Stops accepting connections, lets every request already being handled finish and be
   * answered, closes idle connections, and resolves when no connection is left. After
   * `forceAfterMs` the remaining connections are destroyed.
   */
  async close(forceAfterMs = 30_000): Promise<void> {
    this.closing = true;
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.connections) c.closeWhenIdle();
    const timer = setTimeout(() => {
      for (const c of this.connections) c.destroy();
    }, forceAfterMs);
    timer.unref();
    await stopped;
    clearTimeout(timer);
  }

  errorResponse(status: number, message: string): HttpResponse {
    const e = this.options.errorBody?.(status, message) ?? { contentType: 'text/plain; charset=utf-8', body: `${message}\n` };
    return { status, headers: { 'Content-Type': e.contentType }, body: e.body };
  }
}

type State =
  | { kind: 'head' }
  | { kind: 'length'; req: Partial<HttpRequest>; remaining: number; chunks: Buffer[] }
  | { kind: 'chunked'; req: Partial<HttpRequest>; chunks: Buffer[]; size: number; phase: 'size' | 'data' | 'data-crlf' | 'trailers' };

class Connection {
  private buf: Buffer = Buffer.alloc(0);
  private state: State = { kind: 'head' };
  private busy = false;
  private closeAfter = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly queue: Array<{ req: HttpRequest; keepAlive: boolean }> = [];

  constructor(private readonly server: HttpServer, private readonly socket: net.Socket, private readonly limits: Limits) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.destroy());
    socket.on('end', () => {
      // The client half-closed: answer what is queued, then close.
      this.closeAfter = true;
      if (!this.busy && this.queue.length === 0) this.destroy();
    });
    socket.on('close', () => {
      this.closed = true;
      this.clearTimer();
    });
    this.arm(limits.headersTimeoutMs);
  }

  private arm(ms: number): void {
    this.clearTimer();
    this.timer = setTimeout(() => this.destroy(), ms);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  destroy(): void {
    if (!this.closed) this.socket.destroy();
    this.closed = true;
    this.clearTimer();
  }

  closeWhenIdle(): void {
    this.closeAfter = true;
    if (!this.busy && this.queue.length === 0 && this.state.kind === 'head' && this.buf.length === 0) this.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    try {
      this.parse();
    } catch (e) {
      if (e instanceof ProtocolError) this.fail(e.status, e.message);
      else this.fail(400, 'malformed request');
    }
    // Back-pressure: a client pipelining faster than we answer waits.
    if (this.queue.length > 16) this.socket.pause();
  }

  private fail(status: number, message: string): void {
    this.closeAfter = true;
    this.buf = Buffer.alloc(0);
    this.state = { kind: 'head' };
    if (this.busy || this.queue.length > 0) {
      // Answer the queued requests first; the error answer would be out of order otherwise.
      this.socket.pause();
      this.pendingError = { status, message };
      return;
    }
    this.write(this.server.errorResponse(status, message), false, false);
    this.socket.end();
  }

  private pendingError: { status: number; message: string } | undefined;

  private parse(): void {
    for (;;) {
      if (this.state.kind === 'head') {
        if (this.buf.length === 0) return;
        const end = this.buf.indexOf(CRLFCRLF);
        if (end === -1) {
          if (this.buf.length > this.limits.maxHeaderBytes) throw new ProtocolError(431, 'request header too large');
          return;
        }
        if (end > this.limits.maxHeaderBytes) throw new ProtocolError(431, 'request header too large');
        const head = this.buf.subarray(0, end).toString('latin1');
        this.buf = this.buf.subarray(end + 4);
        this.startRequest(head);
        continue;
      }
      if (this.state.kind === 'length') {
        const s = this.state;
        const take = Math.min(s.remaining, this.buf.length);
        if (take > 0) {
          s.chunks.push(this.buf.subarray(0, take));
          this.buf = this.buf.subarray(take);
          s.remaining -= take;
        }
        if (s.remaining > 0) return;
        this.finishRequest(s.req, Buffer.concat(s.chunks));
        continue;
      }
      // chunked
      const s = this.state;
      if (s.phase === 'size') {
        const nl = this.buf.indexOf('\r\n');
        if (nl === -1) {
          if (this.buf.length > 1024) throw new ProtocolError(400, 'bad chunk size');
          return;
        }
        const line = this.buf.subarray(0, nl).toString('latin1').split(';')[0]!.trim();
        this.buf = this.buf.subarray(nl + 2);
        if (!/^[0-9a-fA-F]{1,8}$/.test(line)) throw new ProtocolError(400, 'bad chunk size');
        s.size = parseInt(line, 16);
        const total = s.chunks.reduce((n, c) => n + c.length, 0) + s.size;
        if (total > this.limits.maxBodyBytes) throw new ProtocolError(413, 'request body too large');
        s.phase = s.size === 0 ? 'trailers' : 'data';
        continue;
      }
      if (s.phase === 'data') {
        const take = Math.min(s.size, this.buf.length);
        if (take > 0) {
          s.chunks.push(this.buf.subarray(0, take));
          this.buf = this.buf.subarray(take);
          s.size -= take;
        }
        if (s.size > 0) return;
        s.phase = 'data-crlf';
        continue;
      }
      if (s.phase === 'data-crlf') {
        if (this.buf.length < 2) return;
        if (this.buf[0] !== 13 || this.buf[1] !== 10) throw new ProtocolError(400, 'bad chunk');
        this.buf = this.buf.subarray(2);
        s.phase = 'size';
        continue;
      }
      // Trailers: header lines until an empty line; ignored.
      const nl = this.buf.indexOf('\r\n');
      if (nl === -1) {
        if (this.buf.length > this.limits.maxHeaderBytes) throw new ProtocolError(431, 'trailers too large');
        return;
      }
      const empty = nl === 0;
      this.buf = this.buf.subarray(nl + 2);
      if (empty) this.finishRequest(s.req, Buffer.concat(s.chunks));
    }
  }

  private startRequest(head: string): void {
    const lines = head.split('\r\n');
    const requestLine = lines.shift() ?? '';
    const m = /^(\S+) (\S+) HTTP\/(\d)\.(\d)$/.exec(requestLine);
    if (!m || !TOKEN.test(m[1]!)) throw new ProtocolError(400, 'malformed request line');
    if (m[3] !== '1') throw new ProtocolError(505, 'HTTP version not supported');
    const headers = new Map<string, string>();
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new ProtocolError(400, 'malformed header');
      const name = line.slice(0, colon).toLowerCase();
      if (!TOKEN.test(name)) throw new ProtocolError(400, 'malformed header');
      const value = line.slice(colon + 1).trim();
      const prev = headers.get(name);
      headers.set(name, prev === undefined ? value : `${prev}, ${value}`);
    }
    const http10 = m[4] === '0';
    const connection = (headers.get('connection') ?? '').toLowerCase();
    const keepAlive = http10 ? connection.includes('keep-alive') : !connection.includes('close');
    const req: Partial<HttpRequest> & { keepAlive: boolean } = {
      method: m[1]!,
      target: m[2]!,
      headers,
      remoteAddress: this.socket.remoteAddress,
      keepAlive,
    };
    const te = headers.get('transfer-encoding');
    const cl = headers.get('content-length');
    if (te !== undefined) {
      // Both headers, or any coding but chunked, are request-smuggling material: refuse.
      if (cl !== undefined || te.toLowerCase() !== 'chunked') throw new ProtocolError(400, 'unsupported transfer encoding');
      this.continueIfExpected(headers);
      this.state = { kind: 'chunked', req, chunks: [], size: 0, phase: 'size' };
      return;
    }
    let length = 0;
    if (cl !== undefined) {
      if (!/^\d{1,15}$/.test(cl)) throw new ProtocolError(400, 'bad content-length');
      length = Number(cl);
      if (length > this.limits.maxBodyBytes) throw new ProtocolError(413, 'request body too large');
    }
    if (length > 0) {
      this.continueIfExpected(headers);
      this.state = { kind: 'length', req, remaining: length, chunks: [] };
    } else {
      this.finishRequest(req, Buffer.alloc(0));
    }
  }

  private continueIfExpected(headers: Map<string, string>): void {
    if ((headers.get('expect') ?? '').toLowerCase() === '100-continue') this.socket.write('HTTP/1.1 100 Continue\r\n\r\n');
  }

  private finishRequest(partial: Partial<HttpRequest> & { keepAlive?: boolean }, body: Buffer): void {
    this.state = { kind: 'head' };
    const { keepAlive, ...rest } = partial;
    this.queue.push({ req: { ...(rest as HttpRequest), body }, keepAlive: keepAlive ?? false });
    this.clearTimer();
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    while (this.queue.length > 0 && !this.closed) {
      const { req, keepAlive } = this.queue.shift()!;
      let res: HttpResponse;
      try {
        res = await this.server.handler(req);
      } catch {
        res = this.server.errorResponse(500, 'internal error');
      }
      if (this.closed) break;
      const last = !keepAlive || (this.closeAfter && this.queue.length === 0) || this.server.isClosing;
      this.write(res, !last, req.method === 'HEAD');
      if (last) {
        this.queue.length = 0;
        this.socket.end();
        this.busy = false;
        return;
      }
      if (this.socket.isPaused() && this.queue.length <= 16 && !this.pendingError) this.socket.resume();
    }
    this.busy = false;
    if (this.closed) return;
    if (this.pendingError) {
      this.write(this.server.errorResponse(this.pendingError.status, this.pendingError.message), false, false);
      this.socket.end();
      return;
    }
    if (this.closeAfter && this.state.kind === 'head' && this.buf.length === 0) {
      this.socket.end();
      return;
    }
    this.arm(this.state.kind === 'head' && this.buf.length === 0 ? this.limits.keepAliveTimeoutMs : this.limits.headersTimeoutMs);
  }

  private write(res: HttpResponse, keepAlive: boolean, head: boolean): void {
    const body = res.body === undefined ? Buffer.alloc(0) : typeof res.body === 'string' ? Buffer.from(res.body, 'utf8') : res.body;
    const noBody = res.status === 204 || res.status === 304 || (res.status >= 100 && res.status < 200);
    let out = `HTTP/1.1 ${res.status} ${REASONS[res.status] ?? 'Status'}\r\n`;
    for (const [k, v] of Object.entries(res.headers ?? {})) {
      if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) continue;
      out += `${k}: ${v}\r\n`;
    }
    out += `Date: ${new Date().toUTCString()}\r\n`;
    if (!noBody) out += `Content-Length: ${body.length}\r\n`;
    out += keepAlive ? `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(this.limits.keepAliveTimeoutMs / 1000)}\r\n` : 'Connection: close\r\n';
    out += '\r\n';
    if (noBody || head || res.omitBody || body.length === 0) this.socket.write(out);
    else this.socket.write(Buffer.concat([Buffer.from(out, 'latin1'), body]));
  }
}
