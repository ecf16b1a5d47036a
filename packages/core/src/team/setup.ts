/**
 * Registers kvgit with git for one clone (docs/TEAMS.md §Setting up): the diff driver (textconv),
 * the merge driver and the guard hooks. Attributes go to the clone's own `info/attributes`, not to
 * a committed .gitattributes: the drivers are commands of this machine, each clone runs this once
 * (`kvgit setup-git`, or `kvgit init`), and the user's files are left alone.
 */
import { promises as fsp } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { StorageLocation } from '../storage/git';
import { git, runGit } from './git';

export interface SetupOptions {
  /** How git runs kvgit: shell words, e.g. "kvgit" or "'/usr/bin/node' '/opt/kvgit/bin/kvgit.cjs'". */
  command: string;
  env?: NodeJS.ProcessEnv;
  /** Install the guard as pre-commit and pre-merge-commit hooks (default true). */
  hooks?: boolean;
}

/** 'hooks-path': core.hooksPath sends git to hooks the project manages (husky, lefthook…): nothing is written there. */
export type HookStatus = 'installed' | 'updated' | 'kept-existing' | 'hooks-path';

export interface SetupReport {
  attributesFile: string;
  attributes: string[];
  config: Record<string, string>;
  hooks: Array<{ hook: string; path: string; status: HookStatus }>;
}

const BEGIN = '# kvgit: begin (written by `kvgit setup-git`; edits between these lines are replaced)';
const END = '# kvgit: end';
const HOOK_MARK = '# kvgit guard hook';

/** gitattributes patterns for the store's files (docs/FORMAT.md §2). */
export function storeAttributes(prefix: string): string[] {
  const p = `/${prefix}`;
  const pattern = (s: string) => (/[\s"\\]/.test(s) ? `"${s.replace(/["\\]/g, '\\$&')}"` : s);
  return [
    // -text: ciphertext is bytes; an end-of-line conversion would break it.
    `${pattern(`${p}mounts/**/*.age`)} diff=kvgit merge=kvgit -text`,
    `${pattern(`${p}keyring/*.age`)} diff=kvgit -text`,
    `${pattern(`${p}mounts/**/metadata.json`)} merge=kvgit`,
    `${pattern(`${p}mounts.json`)} merge=kvgit`,
    `${pattern(`${p}keyring.json`)} merge=kvgit`,
  ];
}

export async function setupGit(location: StorageLocation, options: SetupOptions): Promise<SetupReport> {
  const env = options.env ?? process.env;
  const cwd = location.worktree ?? location.gitdir;
  const gitPath = async (p: string) => {
    const out = (await git(['rev-parse', '--git-path', p], { cwd, env })).trim();
    return isAbsolute(out) ? out : join(cwd, out);
  };

  const attributesFile = await gitPath('info/attributes');
  const attributes = storeAttributes(location.layout === 'branch' ? '' : location.prefix);
  const existing = await fsp.readFile(attributesFile, 'utf8').catch(() => '');
  const kept = existing.replace(new RegExp(`${escape(BEGIN)}[\\s\\S]*?${escape(END)}\\n?`), '');
  await fsp.mkdir(dirname(attributesFile), { recursive: true });
  await fsp.writeFile(attributesFile, `${kept}${kept === '' || kept.endsWith('\n') ? '' : '\n'}${BEGIN}\n${attributes.join('\n')}\n${END}\n`);

  const config: Record<string, string> = {
    'diff.kvgit.textconv': `${options.command} textconv`,
    // Never cache: git keeps the cache as objects in the repository, and the text is decrypted.
    'diff.kvgit.cachetextconv': 'false',
    'merge.kvgit.name': 'kvgit store files (renumbers concurrent versions; `kvgit merge` finishes what it cannot)',
    'merge.kvgit.driver': `${options.command} merge-driver %O %A %B %P`,
  };
  for (const [k, v] of Object.entries(config)) await git(['config', '--local', k, v], { cwd, env });

  const hooks: SetupReport['hooks'] = [];
  const hooksPath = options.hooks === false ? undefined : (await runGit(['config', '--get', 'core.hooksPath'], { cwd, env })).stdout.trim();
  if (hooksPath) {
    for (const hook of ['pre-commit', 'pre-merge-commit']) hooks.push({ hook, path: join(isAbsolute(hooksPath) ? hooksPath : join(cwd, hooksPath), hook), status: 'hooks-path' });
  } else if (options.hooks !== false) {
    const dir = await gitPath('hooks');
    await fsp.mkdir(dir, { recursive: true });
    const script = `#!/bin/sh\n${HOOK_MARK}: refuses a commit that stages plaintext or a damaged file where the\n# kvgit store keeps ciphertext (docs/TEAMS.md). Installed by \`kvgit setup-git\`; delete to remove.\nexec ${options.command} guard\n`;
    for (const hook of ['pre-commit', 'pre-merge-commit']) {
      const path = join(dir, hook);
      const current = await fsp.readFile(path, 'utf8').catch(() => undefined);
      if (current !== undefined && !current.includes(HOOK_MARK)) {
        hooks.push({ hook, path, status: 'kept-existing' });
        continue;
      }
      await fsp.writeFile(path, script, { mode: 0o755 });
      await fsp.chmod(path, 0o755);
      hooks.push({ hook, path, status: current === undefined ? 'installed' : 'updated' });
    }
  }
  return { attributesFile, attributes, config, hooks };
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
