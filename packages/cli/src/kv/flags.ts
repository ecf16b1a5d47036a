/** Flags and argument rules shared by the `kv` verbs, with Vault's texts. */
import { type Store, parseDurationSeconds } from '@kvgit/core';
import type { Flag, Input } from '../command';
import type { Context } from '../context';
import { usageError } from '../errors';
import { type KvPath, resolveKvPath } from './path';

export const MOUNT_FLAG: Flag = {
  name: 'mount',
  type: 'string',
  usage: 'The path where the KV engine is mounted. When given, the argument is the key inside it; otherwise the argument is `<mount>/<key>`.',
};

export const VERSIONS_FLAG: Flag = {
  name: 'versions',
  type: 'strings',
  placeholder: 'int,...',
  usage: 'The version numbers: a comma-separated list, or the flag repeated.',
};

/** Vault's argument-count messages (e.g. kv_get.go). */
export function oneArg(args: string[]): string {
  if (args.length < 1) throw usageError(`Not enough arguments (expected 1, got ${args.length})`);
  if (args.length > 1) throw usageError(`Too many arguments (expected 1, got ${args.length})`);
  return args[0]!;
}

export function stringFlag(input: Input, name: string): string | undefined {
  const v = input.flags[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function intFlag(input: Input, name: string): number | undefined {
  const v = input.flags[name];
  return typeof v === 'number' ? v : undefined;
}

/** kvParseVersionsFlags: every value split on commas, blanks dropped. */
export function versionsFlag(input: Input): string[] {
  const v = (input.flags.versions as string[] | undefined) ?? [];
  return v.flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
}

/** A duration flag in whole seconds (parseutil.ParseDurationSecond; "system" means -1 as in Vault). */
export async function durationFlag(input: Input, name: string): Promise<number | undefined> {
  const raw = input.flags[name];
  if (typeof raw !== 'string') return undefined;
  try {
    return parseDurationSeconds(raw === 'system' ? '-1' : raw);
  } catch (e) {
    throw usageError(`invalid value "${raw}" for flag -${name}: ${(e as Error).message}`);
  }
}

/** Opens the store and resolves the command's path argument against its mounts. */
export async function openPath(ctx: Context, input: Input, arg: string): Promise<{ store: Store; path: KvPath }> {
  const store = await ctx.openStore();
  return { store, path: await resolveKvPath(store, arg, stringFlag(input, 'mount')) };
}
