/**
 * Help generated from the command data: `kvgit <cmd> --help`, `kvgit help`, and docs/CLI.md
 * (`kvgit help -markdown`, written by packages/cli/scripts/gen-docs.mjs).
 */
import { FIELD_FLAG, GLOBAL_FLAGS, type Command, type Flag } from './command';
import { EXIT_CODE_TABLE } from './exitCodes';

const GROUPS: Array<{ id: Command['group']; title: string }> = [
  { id: 'kv', title: 'KV commands (Vault\'s `vault kv` verbs; also as `kvgit kv <command>`)' },
  { id: 'store', title: 'Store commands' },
  { id: 'deploy', title: 'Pre-deploy commands' },
  { id: 'other', title: 'Other commands' },
];

export const ENVIRONMENT: Array<{ name: string; meaning: string }> = [
  { name: 'KVGIT_STORE', meaning: 'The store to use when --store is not given (a folder inside its repository).' },
  { name: 'KVGIT_FORMAT', meaning: 'The default output format: table, json or yaml (as VAULT_FORMAT).' },
  { name: 'KVGIT_IDENTITY', meaning: 'An age X25519 identity (AGE-SECRET-KEY-1…), the text itself: the usual way in CI.' },
  { name: 'KVGIT_IDENTITY_FILE', meaning: 'A file holding age identities, as age-keygen writes it.' },
  { name: 'KVGIT_PASSPHRASE', meaning: 'The passphrase of a passphrase member. Never pass a passphrase as an argument.' },
  { name: 'KVGIT_LOCK_TIMEOUT', meaning: 'How long a write waits for another writer\'s lock (a duration; default 30s).' },
  { name: 'KVGIT_ROOT_TOKEN', meaning: '`serve`: the root token, when --root-token-file is not given.' },
  { name: 'KVGIT_DEBUG', meaning: 'Show the details of internal errors.' },
  { name: 'NO_COLOR', meaning: 'Never colour the output (https://no-color.org).' },
];

export const ENV_NAMES_TEXT = [
  'Each data key of each secret becomes one variable. The name is the data key itself; -upcase upper-cases it;',
  '-prefix=P puts P in front; -sanitize replaces every character outside [A-Za-z0-9_] by "_" and puts "_" before a',
  'leading digit. The value is the string itself, or the JSON text of any other value (number, boolean, object,',
  'list, null). A name that is not a valid variable name ([A-Za-z_][A-Za-z0-9_]*), two secrets setting the same',
  'name, and a value holding a NUL byte are errors (exit 1) that list every case; nothing is dropped or overwritten',
  'silently. Variables already in the environment are overridden by the secrets.',
].join(' ');

function flagSyntax(f: Flag): string {
  const names = [f.name, ...(f.aliases ?? [])].map((n) => `-${n}`);
  const value = f.type === 'bool' || f.type === 'boolptr' ? '' : `=<${f.placeholder ?? (f.type === 'strings' ? 'string' : f.type === 'map' ? 'key=value' : f.type)}>`;
  return names.map((n) => n + value).join(', ');
}

function flagUsage(f: Flag): string {
  const repeat = f.type === 'strings' || f.type === 'map' ? ' Repeatable.' : '';
  const def = f.default !== undefined ? ` The default is ${f.default}.` : '';
  return `${f.usage}${f.usage.includes('Repeat') ? '' : repeat}${def}`;
}

export function wrap(text: string, width = 78, indent = ''): string {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/\s+/).filter((w) => w !== '')) {
      if (line !== '' && indent.length + line.length + 1 + word.length > width) {
        out.push(indent + line);
        line = word;
      } else line = line === '' ? word : `${line} ${word}`;
    }
    out.push(indent + line);
  }
  return out.join('\n');
}

export function commandFlagGroups(c: Command): Array<{ title: string; flags: Flag[] }> {
  const own = c.flags ?? [];
  const output = own.some((f) => f.name === 'format') ? [] : GLOBAL_FLAGS.filter((f) => f.name === 'format');
  return [
    { title: 'Command Options', flags: own },
    { title: 'Output Options', flags: [...output, ...(c.field ? [FIELD_FLAG] : [])] },
    { title: 'Global Options', flags: GLOBAL_FLAGS.filter((f) => f.name !== 'format') },
  ].filter((g) => g.flags.length > 0);
}

export function commandHelp(c: Command): string {
  const parts = [`Usage: kvgit ${c.usage}${c.kv ? `\n       kvgit kv ${c.usage}` : ''}`, wrap(c.description, 78, '  ')];
  for (const e of c.examples ?? []) parts.push(`${e.text ? `${wrap(e.text, 78, '  ')}\n\n` : ''}      $ ${e.cmd}`);
  if (c.name === 'exec' || c.name === 'export') parts.push(`Environment variable names:\n\n${wrap(ENV_NAMES_TEXT, 78, '  ')}`);
  for (const g of commandFlagGroups(c)) {
    parts.push(`${g.title}:\n\n${g.flags.map((f) => `  ${flagSyntax(f)}\n${wrap(flagUsage(f), 78, '      ')}`).join('\n\n')}`);
  }
  return `${parts.join('\n\n')}\n`;
}

export function overviewHelp(commands: Command[], only?: string): string {
  const shown = commands.filter((c) => (only === 'kv' ? c.kv : only ? c.name.startsWith(`${only} `) : true));
  const width = Math.max(...shown.map((c) => c.name.length)) + 4;
  const parts = [only === 'kv' ? 'Usage: kvgit kv <command> [options] [args]' : only ? `Usage: kvgit ${only} <command> [options] [args]` : 'Usage: kvgit <command> [options] [args]'];
  if (!only) parts.push(wrap('Vault\'s KV v2 secrets engine without a server: secrets encrypted with age in a git repository, every change one commit. Scripts written for `vault kv` work with `kvgit` in place of `vault`.', 78, '  '));
  for (const g of GROUPS) {
    const list = shown.filter((c) => c.group === g.id);
    if (list.length === 0) continue;
    parts.push(`${only ? 'Commands' : g.title}:\n${list.map((c) => `    ${c.name.padEnd(width)}${c.summary}`).join('\n')}`);
  }
  parts.push('Run `kvgit <command> --help` for a command\'s options and examples.');
  return `${parts.join('\n\n')}\n`;
}

/** docs/CLI.md: every command's help, the exit codes and the environment, from the same data. */
export function markdown(commands: Command[]): string {
  const out: string[] = [
    '# kvgit command line',
    '',
    '<!-- Generated by `node packages/cli/scripts/gen-docs.mjs` from the command definitions in packages/cli/src/commands/. Do not edit. -->',
    '',
    'kvgit is Vault\'s KV v2 secrets engine without a server. A script written for `vault kv …` works after replacing `vault` with `kvgit`: the same verbs, arguments, flags (`-cas=1`, `-format=json`, `-field=password`, `-versions=1,2`, also as `--flag value`), data arguments (`k=v`, `k=@file`, `k=-`, `-`, `@file.json`), table layout, JSON envelope and exit codes 0, 1 and 2.',
    '',
    'The store is found from `--store DIR`, else `KVGIT_STORE`, else the nearest store above the current folder.',
    '',
    '## Commands',
    '',
  ];
  for (const g of GROUPS) {
    const list = commands.filter((c) => c.group === g.id);
    if (list.length === 0) continue;
    out.push(`### ${g.title}`, '', '| command | what it does |', '|---|---|');
    for (const c of list) out.push(`| [\`kvgit ${c.name}\`](#kvgit-${c.name.replace(/ /g, '-')}) | ${c.summary} |`);
    out.push('');
  }
  out.push('## Exit codes', '', '| code | meaning |', '|---|---|', ...EXIT_CODE_TABLE.map((e) => `| ${e.code} | ${e.meaning} |`), '');
  out.push('`exec` exits with its command\'s exit code (128+N when the command is killed by signal N, 127 when it cannot be found, 126 when it cannot be run).', '');
  out.push('## Environment', '', '| variable | meaning |', '|---|---|', ...ENVIRONMENT.map((e) => `| \`${e.name}\` | ${e.meaning} |`), '');
  out.push('## Environment variable names (exec, export)', '', ENV_NAMES_TEXT, '');
  out.push('## Output', '');
  out.push('- `-format=table` (the default) prints Vault\'s layout; `json` prints the response envelope Vault prints (`request_id`, `lease_id`, `lease_duration`, `renewable`, `data`, `warnings`, `mount_type`; map keys sorted); `yaml` the same as YAML. `KVGIT_FORMAT` sets the default.');
  out.push('- `-field=NAME` prints one value raw; it ends with a newline only when stdout is a terminal.');
  out.push('- Warnings and notices go to stderr. Colour is used on a terminal only, never with `NO_COLOR` or `-no-color`. Progress (import, destroy) is shown on a terminal only.');
  out.push('- Differences from `vault kv`: error messages for API errors have no URL line (there is no server); the warnings header says "from kvgit"; a data argument that is not `k=v` is reported by position, not echoed (it could be a value typed without its key); a known flag after the path is read as a flag (Vault warns and reads it as data); `destroy` and `metadata delete` on a directory-layout store need `-y` when stdin is not a terminal, because they rewrite the branch history.');
  out.push('', '## Completion', '', '```sh', 'source <(kvgit completion bash)     # bash, e.g. in ~/.bashrc', 'source <(kvgit completion zsh)      # zsh, e.g. in ~/.zshrc', 'kvgit completion fish | source      # fish', '```', '');
  out.push('## Command reference', '');
  for (const c of commands) {
    out.push(`### kvgit ${c.name}`, '', c.summary + '.', '', '```', commandHelp(c).trimEnd(), '```', '');
  }
  return out.join('\n');
}
