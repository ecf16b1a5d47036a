/**
 * Refs, read and moved the way git itself does: a loose ref file or a line in packed-refs, and a
 * move through "<ref>.lock" (created exclusively, then renamed), so git and kvgit never race.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, promises as fsp, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KvgitError } from '../errors';
import { crashPoint } from './crash';
import { removeFile, syncDirectory } from './files';

const OID_RE = /^[0-9a-f]{40}$/;

// Refs are read synchronously: a few tiny files, read on every operation (and every HTTP request
// of the server), cost less without a trip through the thread pool.

export function readHead(gitdir: string): { symbolic: string | undefined; oid: string | undefined } {
  const text = readFileSync(join(gitdir, 'HEAD'), 'utf8').trim();
  if (text.startsWith('ref: ')) {
    const ref = text.slice(5).trim();
    return { symbolic: ref, oid: readRef(gitdir, ref) };
  }
  return { symbolic: undefined, oid: OID_RE.test(text) ? text : undefined };
}

export function readRef(gitdir: string, ref: string): string | undefined {
  try {
    const text = readFileSync(join(gitdir, ref), 'utf8').trim();
    if (text.startsWith('ref: ')) return readRef(gitdir, text.slice(5).trim());
    if (OID_RE.test(text)) return text;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'EISDIR' && code !== 'ENOTDIR') throw e;
  }
  return readPackedRefs(gitdir).get(ref);
}

export function readPackedRefs(gitdir: string): Map<string, string> {
  const out = new Map<string, string>();
  let text: string;
  try {
    text = readFileSync(join(gitdir, 'packed-refs'), 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.startsWith('^') || line.trim() === '') continue;
    const [oid, ref] = line.split(' ');
    if (oid && ref && OID_RE.test(oid)) out.set(ref, oid);
  }
  return out;
}

/** Loose refs under a prefix (e.g. "refs/remotes/"), merged with packed ones. */
export async function listRefs(gitdir: string, prefix: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [ref, oid] of await readPackedRefs(gitdir)) if (ref.startsWith(prefix)) out.set(ref, oid);
  const walk = async (rel: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fsp.readdir(join(gitdir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const child = `${rel}${e.name}`;
      if (e.isDirectory()) await walk(`${child}/`);
      else if (!e.name.endsWith('.lock')) {
        const oid = (await fsp.readFile(join(gitdir, child), 'utf8')).trim();
        if (OID_RE.test(oid)) out.set(child, oid);
      }
    }
  };
  await walk(prefix);
  return out;
}

/** Compare-and-swap a ref: it moves only if it still points at `expected` (undefined: must not exist). */
export async function updateRef(gitdir: string, ref: string, expected: string | undefined, next: string): Promise<void> {
  const path = join(gitdir, ref);
  mkdirSync(dirname(path), { recursive: true });
  const lock = `${path}.lock`;
  let fd: number | undefined;
  try {
    fd = openSync(lock, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new KvgitError('ERR_STORE_MODIFIED', `${ref} is being updated by another process (${ref}.lock exists)`, { hint: `if no git process is running, remove ${lock}` });
    }
    throw e;
  }
  try {
    const current = readRef(gitdir, ref);
    if (current !== expected) {
      throw new KvgitError('ERR_STORE_MODIFIED', `${ref} moved while this change was being written; nothing was changed`, {});
    }
    crashPoint('ref:locked');
    writeFileSync(fd, `${next}\n`);
    fsyncSync(fd);
    crashPoint('ref:written');
    closeSync(fd);
    fd = undefined;
    renameSync(lock, path);
    // The write is acknowledged once the ref's new entry is on disk (its objects went first).
    syncDirectory(dirname(path));
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    removeFile(lock);
    throw e;
  }
}

/** The git directory for a work tree: ".git" may be a directory or a "gitdir: …" file. */
export async function findGitdir(worktree: string): Promise<string | undefined> {
  const dotgit = join(worktree, '.git');
  try {
    const st = statSync(dotgit);
    if (st.isDirectory()) return dotgit;
    const text = readFileSync(dotgit, 'utf8').trim();
    if (text.startsWith('gitdir: ')) {
      const target = text.slice(8).trim();
      return target.startsWith('/') ? target : join(worktree, target);
    }
  } catch {
    // not a work tree root
  }
  return undefined;
}
