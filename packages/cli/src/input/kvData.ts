/**
 * Data arguments exactly as `vault kv` reads them (go-secure-stdlib kv-builder, reference §9.2):
 * `k=v` (always a string), `k=@file` (the file's text), `k=\@x` (the literal `@x`), `k=-` (all of
 * stdin), a bare `-` or `@file.json` (a JSON object merged in, types kept); a repeated key becomes
 * a list; empty arguments are ignored; stdin can be used once. One difference: an argument that is
 * not a pair is not echoed back (it could be a value typed without its key).
 */
// node:fs's promises, not node:fs/promises: loaded only when a value comes from a file.
import { setOwn } from '@kvgit/core/json';
import { promises as fsp } from 'node:fs';
import { CliError, usageError } from '../errors';

export interface DataSources {
  readStdin(): Promise<string>;
  readFile?(path: string): Promise<string>;
}

export async function parseDataArgs(args: string[], io: DataSources): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = {};
  let stdinUsed = false;
  const read = io.readFile ?? ((p: string) => fsp.readFile(p, 'utf8'));
  const stdin = async (): Promise<string> => {
    if (stdinUsed) throw new Error('stdin already consumed');
    stdinUsed = true;
    return io.readStdin();
  };

  for (const [i, raw] of args.entries()) {
    if (raw === '') continue;
    try {
      const eq = raw.indexOf('=');
      if (eq === -1) {
        if (raw === '-') {
          mergeJson(result, await stdin(), 'stdin');
          continue;
        }
        if (raw.startsWith('@')) {
          mergeJson(result, await readNamedFile(read, raw.slice(1)), raw.slice(1));
          continue;
        }
        throw usageError(`Failed to parse K=V data: invalid key/value pair (argument ${i + 1}): format must be key=value`);
      }
      const key = raw.slice(0, eq);
      let value = raw.slice(eq + 1);
      if (value.startsWith('@')) value = await readNamedFile(read, value.slice(1));
      else if (value.startsWith('\\@')) value = value.slice(1);
      else if (value === '-') value = await stdin();
      add(result, key, value);
    } catch (e) {
      if (e instanceof CliError) throw e;
      throw usageError(`Failed to parse K=V data: invalid key/value pair ${describeArg(raw)}: ${(e as Error).message}`);
    }
  }
  return result;
}

/** Names the argument in an error without its value: `"k=@file"` and `"@file"` are safe, `k=v` shows only k. */
function describeArg(raw: string): string {
  const eq = raw.indexOf('=');
  if (eq === -1 || raw.slice(eq + 1).startsWith('@') || raw.slice(eq + 1) === '-') return JSON.stringify(raw);
  return JSON.stringify(`${raw.slice(0, eq)}=…`);
}

async function readNamedFile(read: (p: string) => Promise<string>, path: string): Promise<string> {
  try {
    return await read(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`error reading file: open ${path}: ${code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (e as Error).message}`);
  }
}

/** Repeated keys turn into a list (mapstructure.WeakDecode of the old value into a slice, then append). */
function add(result: Record<string, unknown>, key: string, value: string): void {
  if (!Object.prototype.hasOwnProperty.call(result, key)) {
    setOwn(result, key, value);
    return;
  }
  const old = result[key];
  if (old !== null && typeof old === 'object' && !Array.isArray(old)) throw new Error(`source data must be an array or slice, got map`);
  setOwn(result, key, [...(Array.isArray(old) ? old : old === null ? [] : [old]), value]);
}

/** json.Decoder.Decode into the map: a JSON object's keys are merged in; anything else is refused. */
function mergeJson(result: Record<string, unknown>, text: string, source: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the input, which may be a secret: name only the source.
    throw new Error(`${source} does not hold valid JSON`);
  }
  if (parsed === null) return;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`json: cannot unmarshal ${Array.isArray(parsed) ? 'array' : typeof parsed === 'string' ? 'string' : typeof parsed} into Go value of type map[string]interface {}`);
  }
  for (const [k, v] of Object.entries(parsed)) setOwn(result, k, v);
}
