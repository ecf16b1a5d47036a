/**
 * The CLI on the Node versions its users have. The bundle targets Node 20, and it must behave the
 * same on the current LTS releases, fetched from the npm registry (scripts/node-release.sh). Newer
 * Node refuses things Node 20 let through (Node 24 checks a JWK private key's public half, and
 * nothing unlocked there), so the crypto paths run for real: keys made, files sealed and opened, a
 * passphrase member (scrypt), a rotation and a destroy.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { KVGIT_BIN, ROOT, emptyPlace, runProcess, type CliResult } from '../helpers/cli';

for (const major of ['22', '24']) {
  describe(`cli on Node ${major}`, function () {
    this.timeout(300_000);
    let node: string;
    let place: ReturnType<typeof emptyPlace>;
    before(() => {
      node = join(execFileSync('bash', [join(ROOT, 'scripts', 'node-release.sh'), major], { encoding: 'utf8' }).trim(), 'bin', 'node');
      place = emptyPlace();
    });
    after(() => place.cleanup());

    const kvgit = async (args: string[], extra: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<CliResult> => {
      const r = await runProcess(node, [KVGIT_BIN, ...args], { cwd: place.dir, env: { ...place.env, ...extra.env }, input: extra.input });
      assert.equal(r.code, 0, `kvgit ${args.join(' ')} on ${node}: exit ${r.code}\n${r.stderr}`);
      return r;
    };

    it('runs init, put, get, patch, a passphrase member, rotate and destroy', async () => {
      assert.match((await runProcess(node, ['--version'], { cwd: place.dir, env: place.env })).stdout, new RegExp(`^v${major}\\.`));
      await kvgit(['init']);
      await kvgit(['kv', 'put', 'secret/app/db', 'password=first', 'user=app']);
      await kvgit(['kv', 'patch', 'secret/app/db', 'password=second']);
      assert.equal((await kvgit(['kv', 'get', '-field=password', 'secret/app/db'])).stdout, 'second');
      await kvgit(['members', 'add', '-passphrase-stdin', 'ci'], { input: 'correct horse battery\n' });
      const asCi = { XDG_CONFIG_HOME: join(place.root, 'nobody'), KVGIT_PASSPHRASE: 'correct horse battery' };
      assert.equal((await kvgit(['kv', 'get', '-field=user', 'secret/app/db'], { env: asCi })).stdout, 'app');
      await kvgit(['rotate']);
      assert.equal((await kvgit(['kv', 'get', '-field=password', '-version=1', 'secret/app/db'], { env: asCi })).stdout, 'first');
      await kvgit(['kv', 'destroy', '-versions=1', '-y', 'secret/app/db']);
      assert.equal((await kvgit(['kv', 'get', '-field=password', 'secret/app/db'])).stdout, 'second');
      assert.match((await kvgit(['verify'])).stdout, /^ok\s+true$/m, 'verify finds nothing, the destroyed ciphertext included');
    });

    it('serves Vault\'s HTTP API: a read, a LIST and a write, then stops on SIGTERM', async () => {
      const server = spawn(node, [KVGIT_BIN, 'serve', '--address', '127.0.0.1:0'], { cwd: place.dir, env: { ...place.env, KVGIT_ROOT_TOKEN: 'root-token' }, stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
      try {
        const address = await new Promise<string>((resolve, reject) => {
          let out = '';
          let err = '';
          server.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
          server.stdout.setEncoding('utf8').on('data', (d: string) => {
            out += d;
            const m = /listening on (\S+)/.exec(out);
            if (m) resolve(m[1]!);
          });
          void exited.then((code) => reject(new Error(`kvgit serve exited with ${code}: ${err}`)));
        });
        const call = async (method: string, path: string, body?: unknown) => {
          const r = await fetch(`${address}/v1/${path}`, { method, headers: { 'X-Vault-Token': 'root-token' }, body: body === undefined ? undefined : JSON.stringify(body) });
          assert.equal(r.status, 200, `${method} ${path}: ${r.status}`);
          return (await r.json()) as { data: Record<string, any> };
        };
        assert.deepEqual((await call('GET', 'secret/data/app/db')).data.data, { password: 'second', user: 'app' });
        assert.deepEqual((await call('LIST', 'secret/metadata/app')).data.keys, ['db']);
        assert.equal((await call('POST', 'secret/data/app/api', { data: { token: 't' } })).data.version, 1);
      } finally {
        server.kill('SIGTERM');
      }
      assert.equal(await exited, 0, 'exits cleanly on SIGTERM');
      assert.equal((await kvgit(['kv', 'get', '-field=token', 'secret/app/api'])).stdout, 't');
    });
  });
}
