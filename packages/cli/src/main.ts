/**
 * The only file that touches argv, stdout, stderr and the exit code. It finds the command, loads
 * only that command's module, parses its flags, runs it and renders the result. Nothing heavy
 * happens at import time: `kvgit get` must start about as fast as Node itself. bin/kvgit.cjs
 * loads this bundle (with V8's code cache when the build made one) and calls `run`.
 */
import { fstatSync, readFileSync, statSync, writeSync } from 'node:fs';
import { FIELD_FLAG, GLOBAL_FLAGS, type Input } from './command';
import type { Context, Progress } from './context';
import { CliError, usageError } from './errors';
import { EXIT } from './exitCodes';
import { parseArgs } from './args';
import { parseFormat, render } from './output/render';
import { reportError } from './reportError';
import { COMMANDS, route } from './registry';

let env: NodeJS.ProcessEnv = process.env;
let stdoutIsTTY = false;
let stderrIsTTY = false;
let color = false;

/** Runs one command line (without `node` and the script); resolves to the exit code. */
export async function run(argv: string[]): Promise<number> {
  env = process.env;
  stdoutIsTTY = isTerminal(1);
  stderrIsTTY = isTerminal(2);
  color = stderrIsTTY && !env.NO_COLOR && env.TERM !== 'dumb';
  try {
    return await main(argv);
  } catch (e) {
    writeError(reportError(e, env).message);
    return EXIT.INTERNAL;
  }
}

/**
 * The core as this bundle holds it: the same code, compiled from the same code cache, that the
 * commands run (the benchmark measures unlocking through it). Loaded on first call.
 */
export const loadCore = () => import('@kvgit/core');

/**
 * isatty() without loading node:tty, which loads node:net: milliseconds of every start. Only a
 * character device other than /dev/null can be a terminal, so pipes, files and /dev/null (hooks,
 * CI) are answered by fstat.
 */
function isTerminal(fd: number): boolean {
  let st;
  try {
    st = fstatSync(fd);
  } catch {
    return false; // not open
  }
  if (!st.isCharacterDevice() || st.rdev === devNullRdev()) return false;
  return (require('node:tty') as typeof import('node:tty')).isatty(fd);
}

function devNullRdev(): number | undefined {
  try {
    return statSync('/dev/null').rdev;
  } catch {
    return undefined; // no /dev/null (Windows): isatty decides
  }
}

async function main(argv: string[]): Promise<number> {
  // Global flags may come before the command name: `kvgit --store dir get secret/x`.
  const leading: string[] = [];
  let i = 0;
  while (i < argv.length && argv[i]!.startsWith('-') && argv[i] !== '-' && argv[i] !== '--') {
    const a = argv[i++]!;
    leading.push(a);
    const name = a.replace(/^--?/, '').split('=')[0];
    if ((name === 'store' || name === 'format') && !a.includes('=') && i < argv.length) leading.push(argv[i++]!);
  }
  if (leading.some((a) => a === '--version' || a === '-version' || a === '-v')) return runCommand('version', [], false);
  const words = argv.slice(i);
  const isHelp = (a: string) => /^--?(h|help)$/.test(a);
  let found = route(words);
  let wantsHelp = leading.some(isHelp);
  if (!found || 'group' in found) {
    // `kvgit members --help`, `kvgit kv -h`: the group's help, asked for.
    const bare = words.filter((a) => !isHelp(a));
    if (bare.length !== words.length) {
      wantsHelp = true;
      found = route(bare) ?? found;
    }
  }
  if (!found) {
    if (words.length === 0) return runCommand('help', leading.filter((a) => !/^--?(h|help)$/.test(a)), false, wantsHelp ? EXIT.OK : EXIT.USAGE);
    writeError(`Unknown command: ${words[0]}\nRun \`kvgit help\` for the list of commands.`);
    return EXIT.USAGE;
  }
  if ('group' in found) {
    // `kvgit members`, `kvgit kv metadata`: the help of that group.
    return runCommand('help', [found.group === 'kv' ? 'kv' : found.group], false, wantsHelp ? EXIT.OK : EXIT.USAGE);
  }
  return runCommand(found.name, [...leading, ...words.slice(found.consumed)], found.viaKv);
}

async function runCommand(name: string, args: string[], viaKv: boolean, exitCode?: number): Promise<number> {
  const command = (await COMMANDS[name]!()).default;
  if (viaKv && !command.kv) {
    writeError(`Unknown command: kv ${name}\nRun \`kvgit help kv\` for the kv commands.`);
    return EXIT.USAGE;
  }
  let input: Input;
  try {
    input = parseArgs(args, [...(command.flags ?? []), ...GLOBAL_FLAGS, ...(command.field ? [FIELD_FLAG] : [])]);
  } catch (e) {
    return fail(e);
  }
  if (input.flags['no-color']) color = false;
  if (input.flags.help) return runCommand('help', command.name.split(' '), false);
  // export and import have their own -format (dotenv, shell, json) and print raw text.
  const ownsFormat = (command.flags ?? []).some((f) => f.name === 'format');
  const format = ownsFormat ? 'table' : parseFormat(String(input.flags.format ?? env.KVGIT_FORMAT ?? 'table'));
  if (!format) {
    writeError(`Invalid output format: ${String(input.flags.format ?? env.KVGIT_FORMAT)}`);
    return EXIT.USAGE;
  }
  if (input.rest !== undefined && !command.rest) input.args.push(...input.rest);

  let result;
  try {
    result = await command.run(makeContext(input), input);
  } catch (e) {
    return fail(e);
  }
  const field = typeof input.flags.field === 'string' && input.flags.field !== '' ? input.flags.field : undefined;
  const out = render(result, { format, field, stdoutIsTTY });
  write(1, out.stdout);
  write(2, colorWarnings(out.stderr));
  return exitCode ?? out.exitCode;
}

function fail(e: unknown): number {
  const r = reportError(e, env);
  writeError(r.message);
  return r.exitCode;
}

function writeError(message: string): void {
  write(2, color ? `\x1b[31m${message}\x1b[0m\n` : `${message}\n`);
}

/**
 * Writes straight to the file descriptor: creating process.stdout for a pipe costs a few
 * milliseconds of start-up. A non-blocking descriptor that is full hands the rest to the stream.
 */
function write(fd: 1 | 2, text: string): void {
  if (text === '') return;
  let buf = Buffer.from(text, 'utf8');
  try {
    while (buf.length > 0) buf = buf.subarray(writeSync(fd, buf));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EPIPE') return; // the reader is gone (`kvgit list | head -1`): not our error
    if (code !== 'EAGAIN') throw e;
    const stream = fd === 1 ? process.stdout : process.stderr;
    stream.on('error', () => {});
    stream.write(buf);
  }
}

function colorWarnings(text: string): string {
  return color ? text.replace(/^WARNING!.*$/m, (l) => `\x1b[33m${l}\x1b[0m`) : text;
}

function makeContext(input: Input): Context {
  const storeFlag = input.flags.store;
  const storePath = typeof storeFlag === 'string' && storeFlag !== '' ? storeFlag : env.KVGIT_STORE || undefined;
  const yes = input.flags.yes === true;
  let stdinText: Promise<string> | undefined;
  const readStdin = () => (stdinText ??= readAll());
  return {
    env,
    cwd: process.cwd(),
    storePath,
    stdinIsTTY: isTerminal(0),
    stdoutIsTTY,
    stderrIsTTY,
    readStdin,
    async openStore() {
      const { openStore } = await import('./openStore');
      // The last identity source (docs/KEYS.md): a passphrase asked on the terminal, with no echo.
      const ask = isTerminal(0) && stderrIsTTY ? () => askHidden('Passphrase to unlock the kvgit store: ') : undefined;
      return openStore(storePath ?? process.cwd(), env, ask);
    },
    async confirm(question, options) {
      if (yes) return true;
      if (!isTerminal(0) || !stderrIsTTY) return options.whenNonInteractive === 'proceed';
      return /^y(es)?$/i.test((await askLine(`${question} [y/N] `)).trim());
    },
    progress(label, total) {
      return stderrIsTTY ? terminalProgress(label, total) : { tick() {}, set() {}, done() {} };
    },
    async promptSecret(question) {
      if (!isTerminal(0) || !stderrIsTTY) throw usageError(`${question.replace(/:\s*$/, '')}: no terminal to ask on`);
      return askHidden(question);
    },
    warn(text) {
      write(2, `${text}\n`);
    },
    get streams() {
      return { stdout: process.stdout, stderr: process.stderr };
    },
  };
}

/**
 * All of stdin. A blocking read of fd 0 when it allows one (a pipe or file from a hook: no stream
 * to set up, which would load node:net); process.stdin when fd 0 is non-blocking (EAGAIN).
 */
async function readAll(): Promise<string> {
  try {
    return readFileSync(0, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

async function askLine(question: string): Promise<string> {
  const { createInterface } = require('node:readline') as typeof import('node:readline');
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve));
  } finally {
    rl.close();
  }
}

/** Reads a line from the terminal without echoing it. */
async function askHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  // Echo off before the question shows, so nothing typed in answer is ever echoed.
  stdin.setRawMode(true);
  process.stderr.write(question);
  stdin.resume();
  let text = '';
  try {
    return await new Promise<string>((resolve, reject) => {
      const onData = (buf: Buffer) => {
        for (const ch of buf.toString('utf8')) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            stdin.off('data', onData);
            resolve(text);
            return;
          }
          if (ch === '\u0003') {
            stdin.off('data', onData);
            reject(new CliError('Interrupted: nothing was changed.', EXIT.CONFIRMATION_REFUSED));
            return;
          }
          if (ch === '\u007f' || ch === '\b') text = [...text].slice(0, -1).join('');
          else text += ch;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}

function terminalProgress(label: string, total?: number): Progress {
  let n = 0;
  let last = 0;
  const draw = (force = false) => {
    const now = Date.now();
    if (!force && now - last < 80) return;
    last = now;
    write(2, `\r\x1b[K${label} ${n}${total !== undefined ? `/${total}` : ''}`);
  };
  return {
    tick(k = 1) {
      n += k;
      draw(n === total);
    },
    set(done, all) {
      n = done;
      total = all;
      draw(done === all);
    },
    done() {
      write(2, '\r\x1b[K');
    },
  };
}

// `node dist/kvgit.cjs …` runs the bundle without the loader (tests, git drivers of older setups).
if (typeof module !== 'undefined' && require.main === module) {
  run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
