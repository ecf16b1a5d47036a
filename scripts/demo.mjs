// The README's first command ends here: a short real session with the built CLI in a temporary
// folder — init a store, write, read, patch, show history, destroy a version.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const kvgit = join(root, 'packages', 'cli', 'bin', 'kvgit.cjs');
const work = mkdtempSync(join(tmpdir(), 'kvgit-demo-'));
const env = {
  ...process.env,
  XDG_CONFIG_HOME: join(work, 'config'),
  GIT_AUTHOR_NAME: process.env.GIT_AUTHOR_NAME ?? 'kvgit demo',
  GIT_AUTHOR_EMAIL: process.env.GIT_AUTHOR_EMAIL ?? 'demo@kvgit.invalid',
  GIT_COMMITTER_NAME: process.env.GIT_COMMITTER_NAME ?? 'kvgit demo',
  GIT_COMMITTER_EMAIL: process.env.GIT_COMMITTER_EMAIL ?? 'demo@kvgit.invalid',
};
delete env.KVGIT_IDENTITY;
delete env.KVGIT_IDENTITY_FILE;
delete env.KVGIT_STORE;
const repo = join(work, 'repo');

function run(args, show = true) {
  const line = `$ kvgit ${args.join(' ')}`;
  if (show) console.log(line);
  const out = execFileSync(process.execPath, [kvgit, ...args], { cwd: repo, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (show) console.log(out.trimEnd() + '\n');
  return out;
}

try {
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  run(['init']);
  run(['kv', 'put', 'secret/demo/db', 'user=app', 'password=s3cr3t']);
  run(['kv', 'get', 'secret/demo/db']);
  run(['kv', 'patch', '-cas=1', 'secret/demo/db', 'password=n3w-s3cr3t']);
  run(['kv', 'get', '-field=password', 'secret/demo/db']);
  run(['kv', 'metadata', 'get', 'secret/demo/db']);
  run(['log', 'secret/demo/db']);
  run(['kv', 'destroy', '-y', '-versions=1', 'secret/demo/db']);
  run(['kv', 'get', '-version=1', 'secret/demo/db']);
  console.log('$ git log --oneline');
  console.log(execFileSync('git', ['log', '--oneline'], { cwd: repo, encoding: 'utf8' }));
  console.log(`demo finished; the store was in ${repo} (removed now)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
