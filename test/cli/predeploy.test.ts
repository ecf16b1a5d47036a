/**
 * A pre-deploy hook as it runs in CI: a fresh clone of a repository holding a store, the identity
 * only in an environment variable (no config folder), and a shell script that uses nothing but
 * `kvgit get -field=…` and `kvgit exec -- …`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, cliStore, runProcess } from '../helpers/cli';
import { isolatedEnv, tempDir } from '../helpers/temp';

const HOOK = `#!/bin/sh
set -eu
DB_PASSWORD="$(kvgit get -field=password secret/app/db)"
DB_USER="$(kvgit get -field=user -mount=secret app/db)"
echo "connecting as $DB_USER with a password of \${#DB_PASSWORD} characters"
kvgit exec secret/app/env/ -- sh -c 'echo "deploying $RELEASE with key $API_KEY"; test "$DB_URL" = "postgres://db:5432/app"'
`;

for (const layout of ['directory', 'branch'] as const) {
  describe(`cli: a pre-deploy hook in a fresh clone (${layout} layout)`, function () {
    it('reads secrets with only KVGIT_IDENTITY set', async () => {
      const origin = await cliStore({ layout });
      const ci = tempDir('kvgit-ci-');
      try {
        // The developer's side: secrets, and the hook committed beside the code.
        await origin.kvgit(['put', 'secret/app/db', 'user=deployer', 'password=-'], { input: 'correct horse battery staple' });
        await origin.kvgit(['put', 'secret/app/env/release', 'RELEASE=v1.2.3', 'DB_URL=postgres://db:5432/app']);
        await origin.kvgit(['put', 'secret/app/env/keys', 'API_KEY=-'], { input: 'k-123' });
        mkdirSync(join(origin.repo, 'hooks'));
        writeFileSync(join(origin.repo, 'hooks', 'pre-deploy.sh'), HOOK);
        execFileSync('git', ['add', 'hooks'], { cwd: origin.repo, env: origin.env });
        execFileSync('git', ['commit', '-qm', 'pre-deploy hook'], { cwd: origin.repo, env: origin.env });
        const identity = origin.identity();

        // CI's side: a clone over git's transport (objects arrive packed), a HOME with nothing in it.
        const clone = join(ci, 'checkout');
        execFileSync('git', ['clone', '-q', '--no-local', `file://${origin.repo}`, clone], { env: origin.env });
        assert.ok(readdirSync(join(clone, '.git', 'objects', 'pack')).some((f) => f.endsWith('.pack')));
        if (layout === 'branch') assert.equal(existsSync(join(clone, '.kvgit')), false);
        const env: NodeJS.ProcessEnv = { ...isolatedEnv(ci), KVGIT_IDENTITY: identity, PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH}` };
        assert.equal(existsSync(join(env.XDG_CONFIG_HOME!, 'kvgit')), false, 'no identity file on the CI machine');

        const r = await runProcess('sh', [join(clone, 'hooks', 'pre-deploy.sh')], { cwd: clone, env });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'connecting as deployer with a password of 28 characters\ndeploying v1.2.3 with key k-123\n');
        assert.equal(r.stderr, '');

        // Without the variable the hook fails loudly with kvgit's "no identity" exit code.
        const { KVGIT_IDENTITY: _, ...noIdentity } = env;
        const failed = await runProcess('sh', [join(clone, 'hooks', 'pre-deploy.sh')], { cwd: clone, env: noIdentity });
        assert.notEqual(failed.code, 0);
        assert.match(failed.stderr, /no identity found/);
        const direct = await runProcess('kvgit', ['get', 'secret/app/db'], { cwd: clone, env: noIdentity });
        assert.equal(direct.code, 3);
      } finally {
        origin.cleanup();
        execFileSync('rm', ['-rf', ci]);
      }
    });
  });
}
