/**
 * Author and committer as `git commit` finds them: GIT_AUTHOR_* / GIT_COMMITTER_* first, then
 * user.name / user.email from the repository's config, the global config and the system config.
 */
import { readFileSync } from 'node:fs';
import { homedir, hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Signature } from './objects';

function readUserSection(file: string): { name?: string; email?: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  const out: { name?: string; email?: string } = {};
  let section = '';
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/[#;].*$/, '').trim();
    const header = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"[^"]*")?\s*\]$/.exec(line);
    if (header) {
      section = header[1]!.toLowerCase();
      continue;
    }
    if (section !== 'user') continue;
    const kv = /^([A-Za-z0-9-]+)\s*=\s*(.*)$/.exec(line);
    if (!kv) continue;
    const value = kv[2]!.replace(/^"(.*)"$/, '$1');
    const key = kv[1]!.toLowerCase();
    if (key === 'name') out.name = value;
    if (key === 'email') out.email = value;
  }
  return out;
}

export function configuredUser(gitdir: string, env: NodeJS.ProcessEnv = process.env): { name: string; email: string } {
  const files = [join(gitdir, 'config')];
  if (env.GIT_CONFIG_GLOBAL) files.push(env.GIT_CONFIG_GLOBAL);
  else files.push(join(env.HOME ?? homedir(), '.gitconfig'), join(env.XDG_CONFIG_HOME ?? join(env.HOME ?? homedir(), '.config'), 'git', 'config'));
  if (!env.GIT_CONFIG_NOSYSTEM) files.push('/etc/gitconfig');
  let name: string | undefined;
  let email: string | undefined;
  for (const f of files) {
    const u = readUserSection(f);
    name ??= u.name;
    email ??= u.email;
  }
  if (name !== undefined && email !== undefined) return { name, email };
  // Asked only when the configuration does not say: it reads the system's user database.
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = 'kvgit';
  }
  return { name: name ?? user, email: email ?? env.EMAIL ?? `${user}@${hostname()}` };
}

function parseGitDate(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const m = /^@?(\d+)(?:\s+[+-]\d{4})?$/.exec(value.trim());
  if (m) return Number(m[1]);
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

export function signatures(gitdir: string, now: Date, env: NodeJS.ProcessEnv = process.env): { author: Signature; committer: Signature } {
  // The environment, when it names both, wins over every configuration file: none is read.
  const fromEnv = ['AUTHOR', 'COMMITTER'].every((who) => env[`GIT_${who}_NAME`] !== undefined && env[`GIT_${who}_EMAIL`] !== undefined);
  const base = fromEnv ? { name: '', email: '' } : configuredUser(gitdir, env);
  const tz = -now.getTimezoneOffset();
  const seconds = Math.floor(now.getTime() / 1000);
  const make = (who: 'AUTHOR' | 'COMMITTER'): Signature => ({
    name: env[`GIT_${who}_NAME`] ?? base.name,
    email: env[`GIT_${who}_EMAIL`] ?? base.email,
    timestamp: parseGitDate(env[`GIT_${who}_DATE`]) ?? seconds,
    timezoneOffset: tz,
  });
  return { author: make('AUTHOR'), committer: make('COMMITTER') };
}
