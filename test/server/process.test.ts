/** The server as a real process: a generated root token printed once, and SIGTERM losing no acknowledged write. */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import * as http from 'node:http';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '@kvgit/core';
import { type TempStore, tempStore } from '../helpers/temp';

const SERVE = new URL('./fixtures/serve.ts', import.meta.url).pathname;

interface Proc {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

const CLI = new URL('../../packages/cli/bin/kvgit.cjs', import.meta.url).pathname;

async function spawnServer(t: TempStore, env: NodeJS.ProcessEnv, argv = ['--import', 'tsx', SERVE, t.repo], cwd?: string): Promise<Proc> {
  const child = spawn(process.execPath, argv, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`server exited with ${code}: ${err}`)));
  });
  return { child, url, stdout: () => out, stderr: () => err, exited };
}

function put(url: string, agent: http.Agent, token: string, key: string, value: number): Promise<number> {
  const body = Buffer.from(JSON.stringify({ data: { value } }));
  return new Promise((resolve) => {
    const req = http.request(`${url}/v1/secret/data/${key}`, { method: 'PUT', agent, headers: { 'X-Vault-Token': token, 'Content-Type': 'application/json', 'Content-Length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
      res.on('error', () => resolve(0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

describe('server: as a process', function () {
  let t: TempStore;

  beforeEach(async () => {
    t = await tempStore();
  });
  afterEach(() => t.cleanup());

  it('generates a root token when none is given, prints it once, and it works', async () => {
    const p = await spawnServer(t, t.env);
    try {
      const matches = [...(await waitFor(p, /Root Token: (hvs\.\S+)\n/)).matchAll(/Root Token: (hvs\.\S+)/g)];
      assert.equal(matches.length, 1);
      const token = matches[0]![1]!;
      const status = await new Promise<number>((resolve) => {
        http.get(`${p.url}/v1/auth/token/lookup-self`, { headers: { 'X-Vault-Token': token } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
      });
      assert.equal(status, 200);
      assert.ok(!p.stderr().includes(token));
    } finally {
      p.child.kill('SIGTERM');
      assert.equal(await p.exited, 0);
    }
  });

  it('the real CLI: `kvgit serve --root-token-file` serves, and SIGINT stops it with exit code 0', async () => {
    assert.ok(existsSync(new URL('../../packages/cli/dist/kvgit.cjs', import.meta.url)), 'build first: node scripts/build.mjs');
    const file = join(t.root, 'root-token');
    writeFileSync(file, 'cli-root-token\n', { mode: 0o600 });
    const p = await spawnServer(t, t.env, [CLI, 'serve', '--address', '127.0.0.1:0', '--root-token-file', file], t.repo);
    try {
      const agent = new http.Agent({ keepAlive: false });
      assert.equal(await put(p.url, agent, 'cli-root-token', 'via-cli', 7), 200);
      assert.equal(await put(p.url, agent, 'wrong-token', 'via-cli', 8), 403);
      assert.ok(!p.stdout().includes('Root Token'));
    } finally {
      p.child.kill('SIGINT');
      assert.equal(await p.exited, 0, p.stderr());
    }
    const store = await Store.open({ path: t.repo, env: t.env });
    assert.deepEqual((await store.readData('secret', 'via-cli')).data, { value: 7 });
  });

  it('SIGTERM during a burst of writes: exits 0 and every acknowledged write is in the store', async () => {
    const token = 'sigterm-root-token';
    const p = await spawnServer(t, { ...t.env, KVGIT_ROOT_TOKEN: token });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const acked: Array<{ key: string; value: number }> = [];
    let firstAck!: () => void;
    const gotOne = new Promise<void>((r) => (firstAck = r));
    const writes = Array.from({ length: 40 }, async (_, i) => {
      const key = `burst/k${i % 8}`;
      const status = await put(p.url, agent, token, key, i);
      if (status === 200) {
        acked.push({ key, value: i });
        firstAck();
      }
      return status;
    });
    await gotOne;
    p.child.kill('SIGTERM');
    const statuses = await Promise.all(writes);
    assert.equal(await p.exited, 0, p.stderr());
    agent.destroy();
    assert.ok(acked.length >= 1);
    // Every reply is either a success or no reply at all (the connection closed before the request was taken).
    assert.ok(statuses.every((s) => s === 200 || s === 0 || s === 503), statuses.join(','));
    const store = await Store.open({ path: t.repo, env: t.env });
    for (const { key, value } of acked) {
      const versions = (await store.readMetadata('secret', key)).versions;
      let found = false;
      for (const v of Object.keys(versions)) {
        if ((await store.readData('secret', key, { version: Number(v) })).data.value === value) found = true;
      }
      assert.ok(found, `acknowledged write ${key}=${value} is missing`);
    }
    assert.match(p.stderr(), /SIGTERM received/);
  });
});

/** Resolves with the process's stdout once it matches. */
function waitFor(p: Proc, re: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!re.test(p.stdout())) return;
      p.child.stdout!.off('data', check);
      resolve(p.stdout());
    };
    p.child.stdout!.on('data', check);
    void p.exited.then(() => reject(new Error(`exited before printing ${re}`)));
    check();
  });
}
