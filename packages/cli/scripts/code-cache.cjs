'use strict';
// Writes V8's code cache for the CLI bundle given as argv[2] to kvgit.cache beside it (see
// build.config.mjs). The cache holds the functions compiled while the common commands run once
// on a throwaway store in a temporary folder: what a pre-deploy hook or CI job runs. Only code is
// cached (bytecode and the bundle's own constants), never data the commands handled.
const { spawnSync } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { dirname, join } = require('node:path');
const { buildId, load } = require('../bin/kvgit.cjs');

async function main() {
  const bundle = process.argv[2];
  const { exports: cli, script } = load(bundle);
  const dir = mkdtempSync(join(tmpdir(), 'kvgit-code-cache-'));
  try {
    process.env = {
      PATH: process.env.PATH,
      HOME: dir,
      XDG_CONFIG_HOME: join(dir, 'config'),
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: join(dir, 'gitconfig'),
      GIT_AUTHOR_NAME: 'kvgit build',
      GIT_AUTHOR_EMAIL: 'build@kvgit.invalid',
      GIT_COMMITTER_NAME: 'kvgit build',
      GIT_COMMITTER_EMAIL: 'build@kvgit.invalid',
      NO_COLOR: '1',
    };
    const repo = join(dir, 'repo');
    // The store is made in another process: `init` runs once per store, and what only it
    // compiles (creating a repository, a key) would make every command's cache larger.
    const init = spawnSync(process.execPath, [bundle, 'init', '--no-git-setup', '--store', repo], { cwd: dir, env: process.env, encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`warm-up \`kvgit init\` exited with ${init.status}: ${init.stderr}`);
    process.env.KVGIT_IDENTITY = identityFrom(join(dir, 'config', 'kvgit', 'identity.txt'));
    process.chdir(repo);
    const steps = [
      ['kv', 'put', 'secret/app/db', 'password=warm-up', 'user=build'],
      ['kv', 'patch', 'secret/app/db', 'port=5432'],
      ['kv', 'get', 'secret/app/db'],
      ['kv', 'get', '-format=json', 'secret/app/db'],
      ['kv', 'get', '-field=password', 'secret/app/db'],
      ['kv', 'list', 'secret/app'],
      ['kv', 'metadata', 'get', 'secret/app/db'],
      ['exec', 'secret/app/db', '--', process.execPath, '-e', ''],
    ];
    for (const argv of steps) {
      const code = await cli.run(argv);
      if (code !== 0) throw new Error(`warm-up step \`kvgit ${argv.join(' ')}\` exited with ${code}`);
    }
  } finally {
    process.chdir(tmpdir());
    rmSync(dir, { recursive: true, force: true });
  }
  // The build id first: bin/kvgit.cjs uses the cache only with the bundle it was made for.
  const id = buildId(readFileSync(bundle, 'latin1'));
  if (!id) throw new Error(`${bundle} has no build id`);
  writeFileSync(join(dirname(bundle), 'kvgit.cache'), Buffer.concat([Buffer.from(id, 'latin1'), script.createCachedData()]));
}

function identityFrom(file) {
  const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'));
  if (!line) throw new Error(`no identity in ${file}`);
  return line;
}

main().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(1);
});
