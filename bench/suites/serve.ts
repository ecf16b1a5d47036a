/**
 * `kvgit serve`: reads and writes per second, p50 and p99, with 1, 10 and 50 concurrent
 * keep-alive clients, against the real CLI (`kvgit serve`) in its own process on a copy of a
 * generated store. The load generator runs in this process, on the same 2 cores: the numbers
 * are a floor of what the server does alone. Traffic goes to 127.0.0.1 only, bounded in time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as http from 'node:http';
import { join } from 'node:path';
import type { Ctx } from '../lib/context';
import { MOUNT, keyName, type KvStore } from '../lib/gen';
import { run } from '../lib/proc';
import { quantile } from '../lib/sample';
import { type Section, type Target, fmtMs, table } from '../lib/report';

const TOKEN = 'bench-root-token';

interface Cell { kind: 'read' | 'write'; clients: number; ops: number; p50: number; p99: number; errors: number; n: number }

export async function startServer(ctx: Ctx, dir: string, nodeArgs: string[] = [], cli = ctx.kvgit.slice(1)): Promise<{ child: ChildProcess; host: string; port: number }> {
  const child = spawn(process.execPath, [...nodeArgs, ...cli, 'serve', '--address', '127.0.0.1:0'], { cwd: dir, env: { ...ctx.env, KVGIT_ROOT_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c) => { err += c; });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`kvgit serve did not start in 30 s: ${err}`)), 30_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]!); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`kvgit serve exited with ${code}: ${err.trim()}`)); });
  });
  const u = new URL(url);
  return { child, host: u.hostname, port: Number(u.port) };
}

export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(t);
}

function request(agent: http.Agent, host: string, port: number, method: string, path: string, body?: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request({ host, port, method, path, agent, headers: { 'X-Vault-Token': TOKEN, ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export async function load(host: string, port: number, kind: 'read' | 'write', clients: number, ms: number, keys: string[]): Promise<Cell> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  // Warm: open the connections and read every key once (the server's cache).
  for (let i = 0; i < keys.length; i += clients) await Promise.all(keys.slice(i, i + clients).map((k) => request(agent, host, port, 'GET', `/v1/secret/data/${k}`)));
  const lat: number[] = [];
  let errors = 0;
  let n = 0;
  const start = performance.now();
  const end = start + ms;
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    let i = c * 7;
    while (performance.now() < end) {
      const key = keys[i++ % keys.length]!;
      const t0 = performance.now();
      let status = 0;
      try {
        status = kind === 'read'
          ? await request(agent, host, port, 'GET', `/v1/secret/data/${key}`)
          : await request(agent, host, port, 'POST', `/v1/secret/data/${key}`, { data: { user: 'u', password: `load-${n}` } });
      } catch { status = 0; }
      lat.push(performance.now() - t0);
      n++;
      if (status !== 200) errors++;
    }
  }));
  const secs = (performance.now() - start) / 1000;
  agent.destroy();
  return { kind, clients, ops: n / secs, p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), errors, n };
}

export async function serveSuite(ctx: Ctx, store: KvStore, seconds: number): Promise<{ section: Section; readMissed: boolean; dir: string; keys: string[] }> {
  const dir = join(ctx.tmp, 'serve-kv');
  run('rm', ['-rf', dir]);
  run('cp', ['-a', store.dir, dir]);
  const keys = Array.from({ length: 100 }, (_, i) => keyName((i * 13) % store.keys));
  const cells: Cell[] = [];
  let startError: string | undefined;
  try {
    const { child, host, port } = await startServer(ctx, dir);
    try {
      for (const kind of ['read', 'write'] as const) {
        for (const clients of [1, 10, 50]) {
          const c = await load(host, port, kind, clients, seconds * 1000, keys);
          cells.push(c);
          ctx.log(`  serve ${kind} × ${clients}: ${c.ops.toFixed(0)}/s p50 ${fmtMs(c.p50)} p99 ${fmtMs(c.p99)} errors ${c.errors}`);
        }
      }
    } finally {
      await stopServer(child);
    }
  } catch (e) {
    startError = (e as Error).message.split('\n')[0];
    ctx.log(`  serve: not measured: ${startError}`);
  }
  const reads = cells.filter((c) => c.kind === 'read');
  const best = reads.length ? Math.max(...reads.map((c) => c.ops)) : NaN;
  const p50one = reads.find((c) => c.clients === 1)?.p50 ?? NaN;
  const targets: Target[] = [
    { name: '`kvgit serve` warm read p50 (1 client)', goal: '≤ 1 ms', measured: startError ? `not measured: ${startError}` : fmtMs(p50one), met: startError ? undefined : p50one <= 1 },
    { name: '`kvgit serve` reads per second (best of 1/10/50 clients)', goal: '≥ 2,000/s', measured: startError ? `not measured: ${startError}` : `${best.toFixed(0)}/s`, met: startError ? undefined : best >= 2000 },
  ];
  const body = [
    `\`kvgit serve\` (the built CLI) on a copy of the ${store.keys}-key store (${store.commits} commits); ${keys.length} keys read (GET /v1/secret/data/…) or written (POST, one commit each); ${seconds} s per cell after a warm-up pass over every key; keep-alive connections; the load generator shares the 2 cores.`, '',
    ...(startError ? [`not measured: ${startError}`] : table(['op', 'clients', 'ops/s', 'p50', 'p99', 'errors / requests'], cells.map((c) => [c.kind, String(c.clients), c.ops.toFixed(0), fmtMs(c.p50), fmtMs(c.p99), `${c.errors} / ${c.n}`]))),
  ];
  return { section: { title: '`kvgit serve` throughput and latency', body, targets }, readMissed: targets.some((t) => t.met === false), dir, keys };
}
