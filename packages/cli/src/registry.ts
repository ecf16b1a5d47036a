/**
 * Command names and how to load each one. One dynamic import per command, so esbuild splits them
 * into their own chunks and a run loads only the command it runs (`get` never loads `destroy`).
 * Everything else about a command lives in its own module.
 */
import type { Command } from './command';

type Loader = () => Promise<{ default: Command }>;

export const COMMANDS: Record<string, Loader> = {
  // Vault's `kv` verbs (also as `kvgit kv <verb>`).
  put: () => import('./commands/put'),
  get: () => import('./commands/get'),
  patch: () => import('./commands/patch'),
  delete: () => import('./commands/delete'),
  undelete: () => import('./commands/undelete'),
  destroy: () => import('./commands/destroy'),
  rollback: () => import('./commands/rollback'),
  list: () => import('./commands/list'),
  scan: () => import('./commands/scan'),
  subkeys: () => import('./commands/subkeys'),
  'metadata get': () => import('./commands/metadataGet'),
  'metadata put': () => import('./commands/metadataPut'),
  'metadata patch': () => import('./commands/metadataPatch'),
  'metadata delete': () => import('./commands/metadataDelete'),
  config: () => import('./commands/config'),
  'enable-versioning': () => import('./commands/enableVersioning'),
  // The store.
  init: () => import('./commands/init'),
  status: () => import('./commands/status'),
  'members list': () => import('./commands/membersList'),
  'members add': () => import('./commands/membersAdd'),
  'members remove': () => import('./commands/membersRemove'),
  rotate: () => import('./commands/rotate'),
  'mounts list': () => import('./commands/mountsList'),
  'mounts enable': () => import('./commands/mountsEnable'),
  'mounts disable': () => import('./commands/mountsDisable'),
  'mounts move': () => import('./commands/mountsMove'),
  log: () => import('./commands/log'),
  verify: () => import('./commands/verify'),
  purge: () => import('./commands/purge'),
  serve: () => import('./commands/serve'),
  // Pre-deploy hooks.
  exec: () => import('./commands/exec'),
  export: () => import('./commands/export'),
  import: () => import('./commands/import'),
  check: () => import('./commands/check'),
  // Teams: merging, syncing, and what git runs (diff and merge drivers, the commit guard).
  merge: () => import('./commands/merge'),
  sync: () => import('./commands/sync'),
  'setup-git': () => import('./commands/setupGit'),
  guard: () => import('./commands/guard'),
  textconv: () => import('./commands/textconv'),
  'merge-driver': () => import('./commands/mergeDriver'),
  // Comfort.
  completion: () => import('./commands/completion'),
  help: () => import('./commands/help'),
  version: () => import('./commands/version'),
};

/** Finds the command named by the first words of argv; `kv` in front is allowed for kv verbs. */
export function route(words: string[]): { name: string; consumed: number; viaKv: boolean } | { group: string; viaKv: boolean } | undefined {
  let i = 0;
  const viaKv = words[0] === 'kv';
  if (viaKv) i = 1;
  const one = words[i];
  if (one === undefined) return viaKv ? { group: 'kv', viaKv } : undefined;
  const two = words[i + 1] !== undefined ? `${one} ${words[i + 1]}` : undefined;
  if (two && Object.hasOwn(COMMANDS, two)) return { name: two, consumed: i + 2, viaKv };
  if (Object.hasOwn(COMMANDS, one)) return { name: one, consumed: i + 1, viaKv };
  if (Object.keys(COMMANDS).some((n) => n.startsWith(`${one} `))) return { group: one, viaKv };
  return undefined;
}

export async function loadAll(): Promise<Command[]> {
  return Promise.all(Object.values(COMMANDS).map(async (load) => (await load()).default));
}
