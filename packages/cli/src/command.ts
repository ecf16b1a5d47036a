/**
 * What a command is: data (name, flags, help, examples) plus a handler that returns a result and
 * never prints. main.ts parses argv against the data, runs the handler and renders its result;
 * help, docs/CLI.md and the shell completions are generated from the same data.
 */
import type { Context } from './context';
import type { CommandResult } from './output/result';

export type FlagType =
  | 'string'
  | 'int'
  | 'bool'
  /** A bool that knows whether it was given at all (Vault's BoolPtr, e.g. -cas-required). */
  | 'boolptr'
  /** A duration string (parseutil.ParseDurationSecond), parsed by the command. */
  | 'duration'
  /** Repeatable; each value trimmed (Vault's StringSliceVar). */
  | 'strings'
  /** Repeatable key=value (Vault's StringMapVar). */
  | 'map';

export interface Flag {
  name: string;
  type: FlagType;
  usage: string;
  aliases?: string[];
  /** Shown in help; the handler sees undefined when the flag was not given. */
  default?: string;
  /** Completion candidates. */
  values?: readonly string[];
  /** For help: the value's name, e.g. `-versions=<int,...>`. */
  placeholder?: string;
}

export type FlagValue = string | number | boolean | string[] | Record<string, string>;

export interface Input {
  /** Parsed flags by name; absent when not given. */
  flags: Record<string, FlagValue | undefined>;
  /** Positional arguments (before `--`). */
  args: string[];
  /** Everything after `--` (exec's command line), or undefined when there was no `--`. */
  rest: string[] | undefined;
}

export interface Example {
  cmd: string;
  text?: string;
}

export interface Command {
  /** Space-separated words after `kvgit`, e.g. "metadata get". */
  name: string;
  /** Also reachable as `kvgit kv <name>` (Vault's verbs). */
  kv?: boolean;
  group: 'kv' | 'store' | 'deploy' | 'other';
  summary: string;
  /** After "Usage: kvgit ", e.g. "get [options] KEY". */
  usage: string;
  description: string;
  examples?: Example[];
  flags?: Flag[];
  /** Accepts -field (Vault registers it only on some commands). */
  field?: boolean;
  /** Takes `-- cmd args…` (exec). */
  rest?: boolean;
  /** How to complete positional arguments. */
  complete?: 'paths' | 'mounts' | 'files' | 'none' | readonly string[];
  run(ctx: Context, input: Input): Promise<CommandResult>;
}

export function defineCommand(c: Command): Command {
  return c;
}

/** -format, -field, --store, -y and -h are understood by every command. */
export const GLOBAL_FLAGS: Flag[] = [
  { name: 'format', type: 'string', usage: 'Print the output in the given format: table, json or yaml. KVGIT_FORMAT sets the default.', default: 'table', values: ['table', 'json', 'yaml'] },
  { name: 'store', type: 'string', usage: 'The store to use: a folder inside its repository. KVGIT_STORE sets the default; otherwise the nearest store above the current folder.', placeholder: 'dir' },
  { name: 'yes', aliases: ['y'], type: 'bool', usage: 'Answer yes to confirmation prompts (needed for destructive kvgit-only commands when stdin is not a terminal).' },
  { name: 'no-color', type: 'bool', usage: 'Never colour the output (NO_COLOR does the same).' },
  { name: 'help', aliases: ['h'], type: 'bool', usage: 'Show this help.' },
];

export const FIELD_FLAG: Flag = {
  name: 'field',
  type: 'string',
  usage: 'Print only the named field, raw, with no trailing newline when stdout is not a terminal.',
};
