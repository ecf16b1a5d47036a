/**
 * Fast start: a command loads only what it needs. Each case runs the built CLI the way its bin does,
 * in a fresh process, and lists the Node built-ins and files it loaded on top of Node's own start.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, cliStore, runProcess } from '../helpers/cli';

const BIN = join(ROOT, 'packages', 'cli', 'bin', 'kvgit.cjs');
const DIST = join(ROOT, 'packages', 'cli', 'dist');

/** Runs `kvgit args` in-process after the bin's loader; prints what it loaded as JSON on stderr's last line. */
function loadedBy(args: string[], cwd: string, env: NodeJS.ProcessEnv, input?: string) {
  const script = `
    const before = new Set(process.moduleLoadList);
    const { load } = require(${JSON.stringify(BIN)});
    const { exports: cli } = load(${JSON.stringify(join(DIST, 'kvgit.cjs'))}, ${JSON.stringify(join(DIST, 'kvgit.cache'))});
    cli.run(${JSON.stringify(args)}).then((code) => {
      const builtins = process.moduleLoadList.filter((m) => !before.has(m) && m.startsWith('NativeModule ')).map((m) => m.slice(13));
      process.stderr.write('\\n' + JSON.stringify({ code, builtins, files: Object.keys(require.cache) }) + '\\n');
    });`;
  return runProcess(process.execPath, ['-e', script], { cwd, env, input }).then((r) => {
    const last = r.stderr.trimEnd().split('\n').pop()!;
    return JSON.parse(last) as { code: number; builtins: string[]; files: string[] };
  });
}

// What only other commands need: creating a repository (init), rewriting history (destroy),
// running programs (exec, git), terminals and the network (serve, prompts).
const NOT_FOR_EVERYDAY = ['child_process', 'fs/promises', 'internal/fs/rimraf', 'net', 'tty', 'http', 'readline', 'worker_threads'];

describe('cli: a command loads only what it needs', function () {
  this.timeout(30_000);

  for (const [name, args, input] of [
    ['get', ['get', '-field=password', 'secret/app'], undefined],
    ['list', ['list', 'secret/'], undefined],
    ['put', ['put', 'secret/app', 'password=-'], 'new value'],
  ] as const) {
    it(`\`kvgit ${name}\` loads neither isomorphic-git nor the modules of other commands`, async () => {
      const s = await cliStore();
      try {
        assert.equal((await s.kvgit(['put', 'secret/app', 'password=old'])).code, 0);
        const r = await loadedBy([...args], s.repo, { ...s.env, KVGIT_IDENTITY: s.identity() }, input);
        assert.equal(r.code, 0);
        assert.deepEqual(r.builtins.filter((m) => NOT_FOR_EVERYDAY.includes(m)), []);
        assert.deepEqual(r.files.filter((f) => f.includes('isomorphic-git')), []);
      } finally {
        s.cleanup();
      }
    });
  }

  it('`kvgit init` loads isomorphic-git from its own file to create a repository', async () => {
    const s = await cliStore();
    try {
      const r = await loadedBy(['init', '--no-git-setup', '--store', join(s.root, 'fresh')], s.root, s.env);
      assert.equal(r.code, 0);
      assert.deepEqual(r.files.filter((f) => f.includes('isomorphic-git')), [join(DIST, 'isomorphic-git.cjs')]);
    } finally {
      s.cleanup();
    }
  });
});
