/**
 * Git objects. Loose objects are read and written here directly (node:zlib is much faster than
 * a JavaScript inflate, and a write goes to a temporary file renamed into place, so a killed
 * process never leaves a truncated object that a later write would trust). Packed objects are
 * read by PackReader (pack.ts), with positioned reads of the pack and its index.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { KvgitError } from '../errors';
import { writeFileDurably } from './files';
import { PackReader } from './pack';
import { writePackFile } from './packWriter';

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

export interface TreeEntry {
  mode: string; // "100644" | "40000" | ...
  name: string;
  oid: string;
}

export const TREE_MODE = '40000';
export const FILE_MODE = '100644';

export class ObjectStore {
  private readonly cache = new Map<string, { type: ObjectType; content: Uint8Array }>();
  private readonly packs: PackReader;

  constructor(readonly gitdir: string) {
    this.packs = new PackReader(gitdir);
  }

  private readLoose(oid: string): { type: ObjectType; content: Uint8Array } | undefined {
    let raw: Buffer;
    try {
      // Synchronous: small files, read one after another on every command's path.
      raw = readFileSync(this.loosePath(oid));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      return undefined;
    }
    const damaged = () => new KvgitError('ERR_CORRUPT', `git object ${oid} is damaged (${this.loosePath(oid)})`, { file: this.loosePath(oid), hint: 'run `git fsck`' });
    let buf: Buffer;
    try {
      buf = inflateSync(raw);
    } catch {
      throw damaged();
    }
    const space = buf.indexOf(0x20);
    const nul = space < 0 ? -1 : buf.indexOf(0, space);
    const type = buf.subarray(0, Math.max(space, 0)).toString('latin1');
    if (nul < 0 || !['blob', 'tree', 'commit', 'tag'].includes(type) || buf.subarray(space + 1, nul).toString('latin1') !== String(buf.length - nul - 1)) throw damaged();
    return { type: type as ObjectType, content: buf.subarray(nul + 1) };
  }

  /** A pack may have appeared (git gc, fetch) or gone (a purge) since the list was read. */
  private packsAfterReset(oid: string) {
    this.packs.reset();
    return this.packs.read(oid);
  }

  private batch: Array<{ oid: string; type: ObjectType; content: Uint8Array }> | undefined;

  /** From now on new objects are kept in memory, to be written as one pack by flushBatch(). */
  beginBatch(): void {
    this.batch ??= [];
  }

  async flushBatch(): Promise<void> {
    const objects = this.batch ?? [];
    this.batch = undefined;
    await writePackFile(this.gitdir, objects);
    this.packs.reset();
  }

  /** Call after packs were rewritten. */
  resetPacks(): void {
    this.packs.reset();
  }

  private loosePath(oid: string): string {
    return join(this.gitdir, 'objects', oid.slice(0, 2), oid.slice(2));
  }

  async read(oid: string): Promise<{ type: ObjectType; content: Uint8Array }> {
    const hit = this.cache.get(oid);
    if (hit) return hit;
    // Packs first: their index is in memory, while a miss on the loose path costs a failed open.
    const result = this.packs.read(oid) ?? this.readLoose(oid) ?? this.packsAfterReset(oid);
    if (!result) throw new KvgitError('ERR_CORRUPT', `git object ${oid} is missing from the repository`, { hint: 'run `git fsck`' });
    this.cache.set(oid, result);
    return result;
  }

  async has(oid: string): Promise<boolean> {
    if (this.cache.has(oid)) return true;
    return existsSync(this.loosePath(oid)) || this.packs.has(oid);
  }

  async write(type: ObjectType, content: Uint8Array): Promise<string> {
    const header = Buffer.from(`${type} ${content.length}\0`, 'latin1');
    const full = Buffer.concat([header, content]);
    const oid = createHash('sha1').update(full).digest('hex');
    if (this.cache.has(oid)) return oid;
    if (this.batch) {
      this.batch.push({ oid, type, content });
      this.cache.set(oid, { type, content });
      return oid;
    }
    // Synchronous: a put writes half a dozen small objects, and each promise call is a round trip
    // through the thread pool.
    const path = this.loosePath(oid);
    if (!existsSync(path)) {
      mkdirSync(join(this.gitdir, 'objects', oid.slice(0, 2)), { recursive: true });
      writeFileDurably(path, deflateSync(full, { level: 1 }), 0o444);
    }
    this.cache.set(oid, { type, content });
    return oid;
  }

  async readTree(oid: string): Promise<TreeEntry[]> {
    const { type, content } = await this.read(oid);
    if (type !== 'tree') throw new KvgitError('ERR_CORRUPT', `git object ${oid} is a ${type}, not a tree`);
    return parseTree(content);
  }

  writeTree(entries: TreeEntry[]): Promise<string> {
    return this.write('tree', encodeTree(entries));
  }
}

export function parseTree(buf: Uint8Array): TreeEntry[] {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: TreeEntry[] = [];
  let i = 0;
  while (i < b.length) {
    const space = b.indexOf(0x20, i);
    const nul = b.indexOf(0, space);
    out.push({
      mode: b.subarray(i, space).toString('latin1'),
      name: b.subarray(space + 1, nul).toString('utf8'),
      oid: b.subarray(nul + 1, nul + 21).toString('hex'),
    });
    i = nul + 21;
  }
  return out;
}

/** Git orders tree entries by name, comparing a tree's name as if it ended in "/". */
function sortKey(e: TreeEntry): Buffer {
  return Buffer.from(e.mode === TREE_MODE ? `${e.name}/` : e.name, 'utf8');
}

export function encodeTree(entries: TreeEntry[]): Uint8Array {
  const sorted = [...entries].sort((a, b) => Buffer.compare(sortKey(a), sortKey(b)));
  return Buffer.concat(sorted.flatMap((e) => [Buffer.from(`${e.mode} ${e.name}\0`, 'utf8'), Buffer.from(e.oid, 'hex')]));
}

export interface Signature {
  name: string;
  email: string;
  timestamp: number; // seconds
  timezoneOffset: number; // minutes east of UTC
}

function formatSignature(s: Signature): string {
  const sign = s.timezoneOffset < 0 ? '-' : '+';
  const abs = Math.abs(s.timezoneOffset);
  const tz = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
  return `${s.name} <${s.email}> ${s.timestamp} ${tz}`;
}

export interface CommitFields {
  tree: string;
  parents: string[];
  author: Signature;
  committer: Signature;
  message: string;
}

export function encodeCommit(c: CommitFields): Uint8Array {
  const lines = [`tree ${c.tree}`, ...c.parents.map((p) => `parent ${p}`), `author ${formatSignature(c.author)}`, `committer ${formatSignature(c.committer)}`];
  return Buffer.from(`${lines.join('\n')}\n\n${c.message}`, 'utf8');
}

export interface ParsedCommit {
  tree: string;
  parents: string[];
  author: string;
  committer: string;
  message: string;
}

export function parseCommit(buf: Uint8Array): ParsedCommit {
  const text = Buffer.from(buf).toString('utf8');
  const split = text.indexOf('\n\n');
  const headers = text.slice(0, split === -1 ? text.length : split).split('\n');
  const out: ParsedCommit = { tree: '', parents: [], author: '', committer: '', message: split === -1 ? '' : text.slice(split + 2) };
  for (const h of headers) {
    const sp = h.indexOf(' ');
    const k = h.slice(0, sp);
    const v = h.slice(sp + 1);
    if (k === 'tree') out.tree = v;
    else if (k === 'parent') out.parents.push(v);
    else if (k === 'author') out.author = v;
    else if (k === 'committer') out.committer = v;
  }
  return out;
}
