import { readFile } from 'node:fs/promises';
import { defineCommand } from '../command';
import { ContextError, usageError } from '../errors';
import { parseDotenv } from '../env/formats';
import { MOUNT_FLAG, stringFlag } from '../kv/flags';
import { apiPath, resolveKvPath } from '../kv/path';

export default defineCommand({
  name: 'import',
  group: 'deploy',
  complete: 'files',
  summary: 'Writes secrets from a JSON or .env file',
  usage: 'import [options] FILE [PATH]',
  description:
    'Reads FILE ("-" for stdin) and writes new versions. With PATH, the file is the data of ' +
    'that one secret: a JSON object (types kept), or a .env file (every variable a string). Without PATH, the file ' +
    'is a JSON object mapping full paths to data objects, e.g. {"secret/app/db": {"password": "…"}}, and each entry ' +
    'becomes a write (one commit each). -format picks the file format; by default a name ending in .env is dotenv, ' +
    'anything else JSON.',
  examples: [
    { cmd: 'kvgit import .env secret/app/prod', text: 'A .env file as one secret:' },
    { cmd: 'kvgit import secrets.json', text: 'Many secrets at once, from {"<mount>/<key>": {…}, …}:' },
    { cmd: 'kvgit export -format=json secret/app/prod | kvgit import - secret/app/staging', text: 'Copy a secret\'s variables:' },
  ],
  flags: [{ name: 'format', type: 'string', values: ['json', 'dotenv'], usage: 'json or dotenv (default: from the file name).' }, MOUNT_FLAG],

  async run(ctx, input) {
    if (input.args.length < 1) throw usageError('Not enough arguments (expected FILE [PATH], got 0)');
    if (input.args.length > 2) throw usageError(`Too many arguments (expected FILE [PATH], got ${input.args.length})`);
    const mountFlag = stringFlag(input, 'mount');
    const [file, pathArg] = input.args as [string, string | undefined];
    const format = stringFlag(input, 'format') ?? (/(^|\/)\.env|\.env$/.test(file) ? 'dotenv' : 'json');
    if (format !== 'json' && format !== 'dotenv') throw usageError(`Invalid import format: ${format} (json or dotenv)`);
    let text: string;
    try {
      text = file === '-' ? await ctx.readStdin() : await readFile(file, 'utf8');
    } catch (e) {
      throw usageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const source = file === '-' ? 'stdin' : file;

    const writes: Array<{ arg: string; data: Record<string, unknown> }> = [];
    if (format === 'dotenv') {
      if (pathArg === undefined && !mountFlag) throw usageError('importing a .env file needs the PATH of the secret to write');
      try {
        writes.push({ arg: pathArg ?? '', data: parseDotenv(text, source) });
      } catch (e) {
        throw usageError((e as Error).message);
      }
    } else {
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch {
        throw usageError(`${source} does not hold valid JSON`); // JSON.parse's message would quote the input
      }
      if (!isObject(doc)) throw usageError(`${source}: expected a JSON object`);
      if (pathArg !== undefined || mountFlag) writes.push({ arg: pathArg ?? '', data: doc });
      else {
        for (const [p, data] of Object.entries(doc)) {
          if (!isObject(data)) throw usageError(`${source}: the value for "${p}" is not a JSON object`);
          writes.push({ arg: p, data });
        }
      }
    }

    const store = await ctx.openStore();
    // Every path resolves (its mount exists) before the first write.
    const resolved = [];
    for (const w of writes) resolved.push({ ...w, path: await resolveKvPath(store, w.arg, mountFlag) });
    const progress = ctx.progress('Importing', writes.length);
    const done: Array<{ path: string; version: number | null }> = [];
    try {
      for (const { path, data } of resolved) {
        const full = apiPath(path, 'data');
        try {
          if (path.v2) done.push({ path: full, version: (await store.writeData(path.mount.path, path.key, { data })).version });
          else {
            await store.v1Write(path.mount.path, path.key, data);
            done.push({ path: full, version: null });
          }
        } catch (e) {
          // Each write is its own commit: say which ones were made before this one failed.
          const written = done.length > 0 ? ` (written before it: ${done.map((d) => d.path).join(', ')})` : '';
          throw new ContextError(`Error writing data to ${full}${written}`, e);
        }
        progress.tick();
      }
    } finally {
      progress.done();
    }
    return {
      data: done,
      table: [{ kind: 'text', text: `Success! Imported ${done.length} secret(s).` }, ...done.map((d) => ({ kind: 'text' as const, text: `  ${d.path}${d.version !== null ? ` (version ${d.version})` : ''}` }))],
    };
  },
});

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
