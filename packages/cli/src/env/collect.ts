/**
 * Secrets as environment variables, for `exec` and `export`. Each data key of each secret becomes a
 * variable (docs/CLI.md, "Environment variable names"):
 *   - the name is the data key itself; -upcase upper-cases it; -prefix is put in front;
 *   - -sanitize turns every character outside [A-Za-z0-9_] into "_" and puts "_" before a leading digit;
 *   - the value is the string itself, or the JSON text of any other value (numbers, objects…).
 * A name that is still not a valid variable name, two secrets giving the same name, and a value
 * holding a NUL byte are errors listing every case: nothing is dropped or overwritten silently.
 */
import type { Store } from '@kvgit/core';
import type { Flag, Input } from '../command';
import { CliError, ContextError, isCoreError } from '../errors';
import { EXIT } from '../exitCodes';
import { type KvPath, apiPath, resolveKvPath } from '../kv/path';
import { stringFlag } from '../kv/flags';

export const ENV_NAME_FLAGS: Flag[] = [
  { name: 'upcase', type: 'bool', usage: 'Upper-case the variable names.' },
  { name: 'prefix', type: 'string', usage: 'Put this in front of every variable name (e.g. APP_).' },
  { name: 'sanitize', type: 'bool', usage: 'Replace characters not allowed in variable names by "_" instead of failing.' },
  { name: 'mount', type: 'string', usage: 'The mount the paths are in (the paths are then relative to it).' },
];

const VALID = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface Variable {
  name: string;
  value: string;
  /** Where it came from: "secret/app/db#password". Never the value. */
  source: string;
}

export async function collectVariables(store: Store, input: Input, paths: string[]): Promise<Variable[]> {
  const upcase = input.flags.upcase === true;
  const sanitize = input.flags.sanitize === true;
  const prefix = stringFlag(input, 'prefix') ?? '';
  const mountFlag = stringFlag(input, 'mount');

  const byName = new Map<string, Variable>();
  const problems: string[] = [];
  // No path: the whole -mount, else the secret/ mount.
  for (const arg of paths.length > 0 ? paths : [mountFlag !== undefined ? '' : 'secret/']) {
    for (const { path, data } of await readSecrets(store, arg, mountFlag)) {
      const where = `${path.mount.path}${path.key}`;
      for (const [k, v] of Object.entries(data)) {
        let name = prefix + (upcase ? k.toUpperCase() : k);
        if (sanitize) name = name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(\d)/, '_$1');
        const source = `${where}#${k}`;
        const value = typeof v === 'string' ? v : JSON.stringify(v);
        if (!VALID.test(name)) problems.push(`${source}: "${name}" is not a valid environment variable name (use -sanitize, or rename the key)`);
        else if (value.includes('\0')) problems.push(`${source}: the value holds a NUL byte, which an environment variable cannot`);
        else if (byName.has(name)) problems.push(`${source}: ${name} is also set by ${byName.get(name)!.source}`);
        else byName.set(name, { name, value, source });
      }
    }
  }
  if (problems.length > 0) throw new CliError(`Cannot map the secrets to environment variables:\n  ${problems.join('\n  ')}`, EXIT.USAGE);
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A key, or every key below a folder (an argument ending in "/", or a mount). */
export async function readSecrets(store: Store, arg: string, mountFlag: string | undefined): Promise<Array<{ path: KvPath; data: Record<string, unknown> }>> {
  const base = await resolveKvPath(store, arg, mountFlag);
  const isFolder = base.key === '' || arg.endsWith('/');
  const keys = isFolder ? (await store.scan(base.mount.path, base.key)).map((k) => (base.key === '' ? k : `${base.key}/${k}`)) : [base.key];
  if (isFolder && keys.length === 0) throw new CliError(`No entries found at ${apiPath(base, 'metadata')}`, EXIT.API);
  const out: Array<{ path: KvPath; data: Record<string, unknown> }> = [];
  for (const key of keys) {
    const path = { ...base, key };
    out.push({ path, data: await readLatest(store, path) });
  }
  return out;
}

async function readLatest(store: Store, path: KvPath): Promise<Record<string, unknown>> {
  const full = apiPath(path, 'data');
  try {
    if (!path.v2) return await store.v1Read(path.mount.path, path.key);
    return (await store.readData(path.mount.path, path.key)).data;
  } catch (e) {
    if (isCoreError(e, 'ERR_NOT_FOUND')) throw new CliError(e.details.data ? `No data found at ${full} (the latest version is deleted or destroyed)` : `No value found at ${full}`, EXIT.API);
    throw new ContextError(`Error reading ${full}`, e);
  }
}
