/** The HTTP layer and robustness: bodies, limits, methods, keep-alive, concurrency, git underneath, TLS. */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as net from 'node:net';
import { join } from 'node:path';
import { Store } from '@kvgit/core';
import { startServer } from '../../packages/server/src/index';
import { Client, ROOT_TOKEN, Sink, type TestServer, startTestServer } from './helpers';
import { tempDir } from '../helpers/temp';

/** Sends raw bytes and collects everything until the server closes or `until` matches. */
function raw(url: string, bytes: string | Buffer, until?: (text: string) => boolean): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), hostname);
    let text = '';
    sock.on('data', (c) => {
      text += c.toString('latin1');
      if (until?.(text)) {
        sock.destroy();
        resolve(text);
      }
    });
    sock.on('end', () => resolve(text));
    sock.on('close', () => resolve(text));
    sock.on('error', reject);
    sock.write(bytes);
  });
}

describe('server: HTTP layer and robustness', function () {
  let s: TestServer;
  let c: Client;

  before(async () => {
    s = await startTestServer({ limits: { maxBodyBytes: 64 * 1024 } });
    c = s.client;
  });
  after(async () => s.close());

  it('malformed or non-object JSON is a 400 "error parsing JSON"', async () => {
    for (const body of ['{"data":', '[1,2]', '"str"']) {
      const r = await c.request('POST', '/v1/secret/data/x', { raw: body, headers: { 'Content-Type': 'application/json' } });
      assert.equal(r.status, 400);
      assert.deepEqual(r.body, { errors: ['error parsing JSON'] });
    }
  });

  it('JSON sent with the form content type (curl -d) is JSON; a real form body is a form', async () => {
    const r = await c.request('PUT', '/v1/secret/data/curl', { raw: '{"data":{"a":1}}', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.equal(r.status, 200);
    const f = await c.request('POST', '/v1/secret/config', { raw: 'max_versions=7', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.equal(f.status, 204);
    assert.equal((await c.get('/v1/secret/config')).body.data.max_versions, 7);
    await c.post('/v1/secret/config', { max_versions: 0 });
  });

  it('a body over the limit is a 413, by Content-Length and by chunks', async () => {
    const big = JSON.stringify({ data: { v: 'x'.repeat(70 * 1024) } });
    const r = await c.request('POST', '/v1/secret/data/big', { raw: big, headers: { 'Content-Type': 'application/json' } });
    assert.equal(r.status, 413);
    const chunk = 'x'.repeat(40 * 1024);
    const reply = await raw(s.server.url, `POST /v1/secret/data/big HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${ROOT_TOKEN}\r\nTransfer-Encoding: chunked\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`);
    assert.match(reply, /^HTTP\/1\.1 413 /);
    assert.equal((await c.get('/v1/secret/data/big')).status, 404);
  });

  it('a chunked body and Expect: 100-continue are accepted', async () => {
    const body = JSON.stringify({ data: { chunked: true } });
    const half = Math.floor(body.length / 2);
    const reply = await raw(
      s.server.url,
      `PUT /v1/secret/data/chunked HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${ROOT_TOKEN}\r\nExpect: 100-continue\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n${half.toString(16)}\r\n${body.slice(0, half)}\r\n${(body.length - half).toString(16)}\r\n${body.slice(half)}\r\n0\r\n\r\n`,
    );
    assert.match(reply, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
    assert.deepEqual((await c.get('/v1/secret/data/chunked')).body.data.data, { chunked: true });
  });

  it('unknown methods are 405, paths outside /v1/ are 404, bad request lines and huge headers are refused', async () => {
    const r = await c.request('BREW', '/v1/secret/data/x');
    assert.equal(r.status, 405);
    assert.equal((await c.get('/ui/')).status, 404);
    assert.match(await raw(s.server.url, 'this is not http\r\n\r\n'), /^HTTP\/1\.1 400 /);
    assert.match(await raw(s.server.url, `GET /v1/sys/health HTTP/1.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`), /^HTTP\/1\.1 431 /);
  });

  it('keeps connections alive and answers pipelined requests in order', async () => {
    await c.post('/v1/secret/data/pipe', { data: { n: 1 } });
    const one = `GET /v1/secret/data/pipe HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${ROOT_TOKEN}\r\n\r\n`;
    const list = `LIST /v1/secret/metadata/ HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${ROOT_TOKEN}\r\n\r\n`;
    const last = `GET /v1/sys/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;
    const text = await raw(s.server.url, one + list + last);
    const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
    assert.deepEqual(statuses, ['200', '200', '200']);
    assert.ok(text.indexOf('"n":1') < text.indexOf('"keys"'));
    assert.ok(text.indexOf('"keys"') < text.indexOf('"initialized"'));
  });

  it('concurrent writes to one key from this server are serialised: every write gets its own version', async () => {
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => c.post('/v1/secret/data/contended', { data: { i } })));
    assert.ok(replies.every((r) => r.status === 200));
    const versions = replies.map((r) => r.body.data.version).sort((a, b) => a - b);
    assert.deepEqual(versions, Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('writes from another process (the core, as the CLI would) interleave safely with the server\'s', async () => {
    const script = new URL('./fixtures/core-writer.ts', import.meta.url).pathname;
    const child = spawn(process.execPath, ['--import', 'tsx', script, s.t.repo, 'shared', '10'], { env: s.t.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    const replies: number[] = [];
    for (let i = 0; i < 10; i++) replies.push((await c.post('/v1/secret/data/shared', { data: { from: 'server', i } })).status);
    assert.equal(await exited, 0, err);
    assert.ok(replies.every((r) => r === 200));
    const meta = await c.get('/v1/secret/metadata/shared');
    assert.equal(meta.body.data.current_version, 20);
    execFileSync('git', ['fsck', '--full'], { cwd: s.t.repo, stdio: 'pipe' });
  });

  it('picks up git changes underneath: a reset and a branch checkout', async () => {
    await c.post('/v1/secret/data/git', { data: { v: 1 } });
    await c.post('/v1/secret/data/git', { data: { v: 2 } });
    assert.equal((await c.get('/v1/secret/data/git')).body.data.metadata.version, 2);
    execFileSync('git', ['reset', '--hard', '-q', 'HEAD~1'], { cwd: s.t.repo, env: s.t.env });
    const r = await c.get('/v1/secret/data/git');
    assert.equal(r.body.data.metadata.version, 1);
    assert.deepEqual(r.body.data.data, { v: 1 });
    execFileSync('git', ['checkout', '-q', '-b', 'other', 'HEAD~1'], { cwd: s.t.repo, env: s.t.env });
    assert.equal((await c.get('/v1/secret/data/git')).status, 404);
    execFileSync('git', ['checkout', '-q', 'main'], { cwd: s.t.repo, env: s.t.env });
    assert.equal((await c.get('/v1/secret/data/git')).body.data.metadata.version, 1);
  });

  it('refuses plain HTTP on a non-loopback address', async () => {
    await assert.rejects(
      startServer({ storePath: s.t.repo, address: '0.0.0.0:0', env: s.t.env, stdout: new Sink(), stderr: new Sink() }),
      /refusing to serve plain HTTP on 0\.0\.0\.0/,
    );
  });

  it('serves TLS with --tls-cert/--tls-key', async () => {
    const dir = tempDir();
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'pipe' });
    const stdout = new Sink();
    const server = await startServer({ storePath: s.t.repo, address: '127.0.0.1:0', tlsCert: cert, tlsKey: key, env: { ...s.t.env, KVGIT_ROOT_TOKEN: ROOT_TOKEN }, stdout, stderr: new Sink() });
    try {
      assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const tls = new Client(server.url, ROOT_TOKEN, (await import('node:fs')).readFileSync(cert));
      const r = await tls.get('/v1/secret/data/git');
      assert.equal(r.status, 200);
      assert.equal(r.body.data.metadata.version, 1);
    } finally {
      await server.close();
    }
  });

  it('starts on a store opened by path and serves what the core wrote', async () => {
    const store = await Store.open({ path: s.t.repo, env: s.t.env });
    await store.writeData('secret', 'from-core', { data: { ok: true } });
    assert.deepEqual((await c.get('/v1/secret/data/from-core')).body.data.data, { ok: true });
  });
});
