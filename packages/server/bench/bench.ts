/**
 * Throughput and latency of `kvgit serve`: reads and writes per second, p50/p99, with 1, 10 and
 * 50 concurrent clients (keep-alive connections), against a server in its own process on a fresh
 * store. Prints a table. Run: node --import tsx packages/server/bench/bench.ts [seconds-per-cell]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Store } from '@kvgit/core';

const seconds = Number(process.argv[2] ?? 5);
const here = fileURLToPath(new URL('.', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'kvgit-bench-'));
const env: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KVGIT_') && !k.startsWith('GIT_'))),
  HOME: join(root, 'home'),
  XDG_CONFIG_HOME: join(root, 'home', '.config'),
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.test',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.test',
  KVGIT_ROOT_TOKEN: 'bench-root-token',
};
const repo = join(root, 'repo');
await Store.init({ path: repo, env, layout: (process.env.BENCH_LAYOUT as 'branch' | 'directory') ?? 'directory' });

const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'serve-child.ts'), repo], { env, stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((resolve, reject) => {
  let out = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    const m = /listening on (\S+)/.exec(out);
    if (m) resolve(m[1]!);
  });
  child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
});
const { hostname, port } = new URL(url);

function request(agent: http.Agent, method: string, path: string, body?: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request({ host: hostname, port, method, path, agent, headers: { 'X-Vault-Token': 'bench-root-token', ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

const KEYS = 20;
const seed = new http.Agent({ keepAlive: true, maxSockets: 1 });
for (let i = 0; i < KEYS; i++) await request(seed, 'PUT', `/v1/secret/data/bench/key-${i}`, { data: { user: `u${i}`, password: `p-${i}-${'x'.repeat(32)}` } });

interface Cell { ops: number; p50: number; p99: number; errors: number }

async function run(kind: 'read' | 'write', clients: number, durationMs: number): Promise<Cell> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const lat: number[] = [];
  let errors = 0;
  let n = 0;
  // Warm up the connections and the server's cache.
  await Promise.all(Array.from({ length: clients }, (_, c) => request(agent, 'GET', `/v1/secret/data/bench/key-${c % KEYS}`)));
  const end = performance.now() + durationMs;
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    let i = c;
    while (performance.now() < end) {
      const key = `bench/key-${i++ % KEYS}`;
      const t0 = performance.now();
      const status = kind === 'read'
        ? await request(agent, 'GET', `/v1/secret/data/${key}`)
        : await request(agent, 'PUT', `/v1/secret/data/${key}`, { data: { user: 'u', password: `p${n}` } });
      lat.push(performance.now() - t0);
      n++;
      if (status !== 200) errors++;
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
  return { ops: n / elapsed, p50: q(0.5), p99: q(0.99), errors };
}

const rows: string[] = [];
rows.push(`kvgit serve on ${url} (layout ${process.env.BENCH_LAYOUT ?? 'directory'}, ${seconds}s per cell, ${KEYS} keys, node ${process.version})`);
rows.push('op     clients   ops/s     p50 ms   p99 ms   errors');
for (const kind of ['read', 'write'] as const) {
  for (const clients of [1, 10, 50]) {
    const duration = kind === 'write' ? Math.max(seconds, 3) * 1000 : seconds * 1000;
    const r = await run(kind, clients, duration);
    rows.push(`${kind.padEnd(6)} ${String(clients).padStart(7)} ${r.ops.toFixed(0).padStart(8)} ${r.p50.toFixed(3).padStart(9)} ${r.p99.toFixed(3).padStart(8)} ${String(r.errors).padStart(8)}`);
    process.stderr.write(`${rows[rows.length - 1]}\n`);
  }
}
seed.destroy();
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
rmSync(root, { recursive: true, force: true });
console.log(rows.join('\n'));
