/** What every suite shares: the temp root, the children's environment, the kvgit command, the log. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Ctx {
  repoRoot: string;
  /** Throwaway data (stores, GnuPG home, copies); removed at the end unless BENCH_KEEP=1. */
  tmp: string;
  quick: boolean;
  /** How to run the built CLI: [node, bench/.build/kvgit/bin/kvgit.cjs]. */
  kvgit: string[];
  /** The member identity (AGE-SECRET-KEY-1…), as CI would set KVGIT_IDENTITY. */
  identity: string;
  identityFile: string;
  env: NodeJS.ProcessEnv;
  log: (s: string) => void;
  /** Peers that could not be installed: cmd → why. */
  missing: Map<string, string>;
}

export function childEnv(tmp: string, identity: string): NodeJS.ProcessEnv {
  const home = join(tmp, 'home');
  mkdirSync(join(home, '.config'), { recursive: true });
  const gitconfig = join(home, '.gitconfig');
  writeFileSync(gitconfig, '[user]\n\tname = kvgit bench\n\temail = bench@example.test\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n');
  return {
    PATH: process.env.PATH,
    LANG: 'C.UTF-8',
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: gitconfig,
    GNUPGHOME: join(tmp, 'gnupg'),
    KVGIT_IDENTITY: identity,
    NO_COLOR: '1',
    TERM: 'dumb',
  };
}
