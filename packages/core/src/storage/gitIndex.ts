/**
 * Updating git's index for the store's own paths (directory layout), the way git does it: the new
 * index is written to index.lock (created exclusively), then renamed over the index. Only the given
 * paths change; every other entry, staged or not, is copied byte for byte. In a store of 10,000
 * keys the index holds over 100,000 entries, so versions 2 and 3 are edited in place: one pass
 * notes where each entry starts, a binary search finds each changed path, and the new index is
 * the old bytes around the changed entries (written as slices, hashed once). Version 4 (paths
 * prefix-compressed against the previous entry) is decoded and re-encoded in full.
 *
 * Index versions 2, 3 and 4 are handled. Optional extensions are dropped (git rebuilds its
 * caches); an index with a required extension (split or sparse index) is refused before the store
 * writes anything (checkIndex).
 */
import { createHash } from 'node:crypto';
import { type BigIntStats, closeSync, fstatSync, openSync, readFileSync, renameSync, statSync, writevSync } from 'node:fs';
import { join } from 'node:path';
import { KvgitError } from '../errors';
import { removeFile } from './files';

export interface IndexChange {
  /** Repository-relative path. */
  path: string;
  /** The blob id now at the path, or undefined when the path was removed. */
  oid: string | undefined;
}

interface Entry {
  name: Buffer;
  stage: number;
  /** Stat data, object id and flags (62 bytes, or 64 with version 3's extended flags). */
  head: Buffer;
  /** Versions 2 and 3: the entry's bytes as stored, padding included, to copy unchanged. */
  raw?: Buffer;
}

/** Version 4's path prefix lengths use git's offset varint. */
function readVarint(buf: Buffer, pos: number): [number, number] {
  let c = buf[pos++]!;
  let v = c & 0x7f;
  while (c & 0x80) {
    c = buf[pos++]!;
    v = ((v + 1) << 7) | (c & 0x7f);
  }
  return [v, pos];
}

function writeVarint(v: number): Buffer {
  const bytes = [v & 0x7f];
  while ((v >>= 7)) bytes.unshift(0x80 | (--v & 0x7f));
  return Buffer.from(bytes);
}

interface Scan {
  version: number;
  entries: Entry[];
}

/** One pass over the index: its entries in order, refusing required extensions. */
function scanIndex(buf: Buffer, file: string): Scan {
  if (buf.toString('latin1', 0, 4) !== 'DIRC') throw new KvgitError('ERR_CORRUPT', 'the git index is damaged', { file });
  const version = buf.readUInt32BE(4);
  if (version < 2 || version > 4) throw new KvgitError('ERR_GIT_STATE', `git index version ${version} is not supported`, { file });
  const count = buf.readUInt32BE(8);
  const entries: Entry[] = new Array(count);
  let pos = 12;
  let previous: Buffer = Buffer.alloc(0);
  for (let i = 0; i < count; i++) {
    const start = pos;
    const flags = buf.readUInt16BE(pos + 60);
    const headLen = flags & 0x4000 ? 64 : 62;
    const head = buf.subarray(pos, pos + headLen);
    let name: Buffer;
    let raw: Buffer | undefined;
    if (version === 4) {
      const [strip, at] = readVarint(buf, pos + headLen);
      const nul = buf.indexOf(0, at);
      name = Buffer.concat([previous.subarray(0, previous.length - strip), buf.subarray(at, nul)]);
      pos = nul + 1;
    } else {
      const nul = buf.indexOf(0, pos + headLen);
      name = buf.subarray(pos + headLen, nul);
      pos += Math.ceil((nul - pos + 1) / 8) * 8;
      raw = buf.subarray(start, pos);
    }
    previous = name;
    entries[i] = { name, stage: (flags >> 12) & 3, head, raw };
  }
  // Optional extensions (caches) are dropped, git rebuilds them; required ones are refused.
  checkExtensions(buf, pos, file);
  return { version, entries };
}

/** The index as read before a write, reused by updateIndex if git has not replaced it since. */
export interface IndexRead {
  buf: Buffer;
  /** ino, size, mtime and ctime of the file read: git writes a new index by renaming a new file. */
  identity: string;
  version: number;
  /** Versions 2 and 3: where each entry starts; the last element is where the extensions start. */
  starts?: Uint32Array;
}

// The index is read and written with synchronous calls: it is megabytes in a large store, and
// the promise API would move it in 512 KiB round trips through the thread pool.
function indexIdentity(st: BigIntStats): string {
  return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

function readIndexFile(file: string): IndexRead | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const identity = indexIdentity(fstatSync(fd, { bigint: true }));
    const buf = readFileSync(fd);
    if (buf.length < 32 || buf.toString('latin1', 0, 4) !== 'DIRC') throw new KvgitError('ERR_CORRUPT', 'the git index is damaged', { file });
    const version = buf.readUInt32BE(4);
    if (version < 2 || version > 4) throw new KvgitError('ERR_GIT_STATE', `git index version ${version} is not supported`, { file });
    return { buf, identity, version };
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether kvgit can write this repository's index itself; throws ERR_GIT_STATE when not. Runs
 * before every directory-layout write and walks the entries only to reach the extensions; the
 * read is returned for updateIndex.
 */
export async function checkIndex(gitdir: string): Promise<IndexRead | undefined> {
  const file = join(gitdir, 'index');
  const read = readIndexFile(file);
  if (!read) return undefined;
  const { buf, version } = read;
  const count = buf.readUInt32BE(8);
  let pos = 12;
  if (version === 4) {
    for (let i = count; i > 0; i--) pos = buf.indexOf(0, readVarint(buf, pos + (buf.readUInt16BE(pos + 60) & 0x4000 ? 64 : 62))[1]) + 1;
  } else {
    // An entry's length follows from its flags (the name's length, below 0xfff) without looking
    // for the name's end: this loop runs over every entry on every write (110,000 at 10,000 keys).
    const starts = new Uint32Array(count + 1);
    for (let i = 0; i < count; i++) {
      starts[i] = pos;
      const flags = (buf[pos + 60]! << 8) | buf[pos + 61]!;
      const head = flags & 0x4000 ? 64 : 62;
      const nameLength = flags & 0xfff;
      const end = nameLength < 0xfff ? pos + head + nameLength : buf.indexOf(0, pos + head);
      pos += ((end - pos + 8) >>> 3) << 3;
    }
    if (pos > buf.length - 20) throw new KvgitError('ERR_CORRUPT', 'the git index is damaged', { file });
    starts[count] = pos;
    read.starts = starts;
  }
  checkExtensions(buf, pos, file);
  return read;
}

/** A required extension (lowercase signature, e.g. a split or sparse index) is not ours to drop. */
function checkExtensions(buf: Buffer, pos: number, file: string): void {
  while (pos + 8 <= buf.length - 20) {
    const sig = buf.toString('latin1', pos, pos + 4);
    if (sig[0]! >= 'a' && sig[0]! <= 'z') {
      throw new KvgitError('ERR_GIT_STATE', `the git index uses the "${sig}" extension (a split or sparse index), which kvgit cannot update`, { file, hint: 'git update-index --no-split-index' });
    }
    pos += 8 + buf.readUInt32BE(pos + 4);
  }
}

async function newEntry(worktree: string, path: string, oid: string): Promise<Entry> {
  const st = statSync(join(worktree, path), { bigint: true });
  const head = Buffer.alloc(62);
  const u32 = (v: bigint) => Number(v & 0xffffffffn);
  head.writeUInt32BE(u32(st.ctimeNs / 1_000_000_000n), 0);
  head.writeUInt32BE(u32(st.ctimeNs % 1_000_000_000n), 4);
  head.writeUInt32BE(u32(st.mtimeNs / 1_000_000_000n), 8);
  head.writeUInt32BE(u32(st.mtimeNs % 1_000_000_000n), 12);
  head.writeUInt32BE(u32(st.dev), 16);
  head.writeUInt32BE(u32(st.ino), 20);
  head.writeUInt32BE(0o100644, 24);
  head.writeUInt32BE(u32(st.uid), 28);
  head.writeUInt32BE(u32(st.gid), 32);
  head.writeUInt32BE(u32(st.size), 36);
  Buffer.from(oid, 'hex').copy(head, 40);
  const name = Buffer.from(path, 'utf8');
  head.writeUInt16BE(Math.min(name.length, 0xfff), 60);
  return { name, stage: 0, head };
}

const order = (a: Entry, b: Entry) => Buffer.compare(a.name, b.name) || a.stage - b.stage;

/**
 * Sets the index entries of `changes` (stage 0 with the work tree file's stat data, or none when
 * removed). `read` is checkIndex's result, used when the index file is still the one it read.
 */
export async function updateIndex(gitdir: string, worktree: string, changes: IndexChange[], read?: IndexRead): Promise<void> {
  const indexPath = join(gitdir, 'index');
  let identity: string | undefined;
  try {
    identity = indexIdentity(statSync(indexPath, { bigint: true }));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const index = identity === undefined ? undefined : read?.identity === identity ? read : await checkIndex(gitdir);
  const added = new Map<string, Entry>();
  for (const e of await Promise.all(changes.filter((c) => c.oid).map((c) => newEntry(worktree, c.path, c.oid!)))) added.set(e.name.toString('utf8'), e);
  const parts = index?.starts ? splice(index.buf, index.starts, changes, added) : rebuild(index, indexPath, changes, added);
  const hash = createHash('sha1');
  for (const p of parts) hash.update(p);
  parts.push(hash.digest());
  const lock = `${indexPath}.lock`;
  let fd: number;
  try {
    fd = openSync(lock, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new KvgitError('ERR_STORE_MODIFIED', 'the git index is locked by another git process (.git/index.lock exists)', { file: lock, hint: 'if no git process is running, remove .git/index.lock' });
    }
    throw e;
  }
  try {
    for (let i = 0; i < parts.length; i += 512) {
      const batch = parts.slice(i, i + 512);
      let left = batch.reduce((n, b) => n + b.length, 0);
      while (left > 0) {
        const written = writevSync(fd, batch);
        left -= written;
        if (left > 0) trimWritten(batch, written);
      }
    }
  } catch (e) {
    closeSync(fd);
    removeFile(lock);
    throw e;
  }
  closeSync(fd);
  renameSync(lock, indexPath);
}

/** Drops the first `n` bytes from a list of buffers (after a short write). */
function trimWritten(buffers: Buffer[], n: number): void {
  while (n > 0 && buffers.length > 0) {
    const first = buffers[0]!;
    if (first.length <= n) {
      n -= first.length;
      buffers.shift();
    } else {
      buffers[0] = first.subarray(n);
      n = 0;
    }
  }
}

/** Versions 2 and 3: the old bytes around the changed entries, with the new entries in place. */
function splice(buf: Buffer, starts: Uint32Array, changes: IndexChange[], added: Map<string, Entry>): Buffer[] {
  const count = starts.length - 1;
  const nameAt = (i: number): [number, number] => {
    const at = starts[i]! + (buf.readUInt16BE(starts[i]! + 60) & 0x4000 ? 64 : 62);
    return [at, buf.indexOf(0, at)];
  };
  // The first entry whose name is not below `name` (git sorts names bytewise, then by stage).
  const lowerBound = (name: Buffer): number => {
    let lo = 0;
    let hi = count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const [a, b] = nameAt(mid);
      if (buf.compare(name, 0, name.length, a, b) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const names = [...new Set(changes.map((c) => c.path))].map((p) => Buffer.from(p, 'utf8')).sort(Buffer.compare);
  const parts: Buffer[] = [Buffer.alloc(12)];
  let copiedTo = starts[0]!;
  let entries = count;
  for (const name of names) {
    const from = lowerBound(name);
    let to = from;
    const sameName = (i: number) => {
      const [a, b] = nameAt(i);
      return buf.compare(name, 0, name.length, a, b) === 0;
    };
    while (to < count && sameName(to)) to++;
    parts.push(buf.subarray(copiedTo, starts[from]!));
    const entry = added.get(name.toString('utf8'));
    if (entry) parts.push(encodeEntry(entry));
    entries += (entry ? 1 : 0) - (to - from);
    copiedTo = starts[to]!;
  }
  parts.push(buf.subarray(copiedTo, starts[count]!));
  buf.copy(parts[0]!, 0, 0, 8);
  parts[0]!.writeUInt32BE(entries, 8);
  return parts;
}

function encodeEntry(e: Entry): Buffer {
  const len = e.head.length + e.name.length;
  return Buffer.concat([e.head, e.name, Buffer.alloc(Math.ceil((len + 1) / 8) * 8 - len)]);
}

/** Any version (or no index yet): every entry decoded, merged with the new ones and encoded. */
function rebuild(index: IndexRead | undefined, file: string, changes: IndexChange[], added: Map<string, Entry>): Buffer[] {
  const { version, entries } = index ? scanIndex(index.buf, file) : { version: 2, entries: [] as Entry[] };
  const changed = new Set(changes.map((c) => c.path));
  const fresh = [...added.values()].sort(order);
  const merged: Entry[] = [];
  let a = 0;
  for (const e of entries) {
    if (changed.has(e.name.toString('utf8'))) continue;
    while (a < fresh.length && order(fresh[a]!, e) < 0) merged.push(fresh[a++]!);
    merged.push(e);
  }
  while (a < fresh.length) merged.push(fresh[a++]!);

  const header = Buffer.alloc(12);
  header.write('DIRC', 0, 'latin1');
  header.writeUInt32BE(version, 4);
  header.writeUInt32BE(merged.length, 8);
  const parts: Buffer[] = [header];
  let previous: Buffer = Buffer.alloc(0);
  for (const e of merged) {
    if (version === 4) {
      let common = 0;
      while (common < previous.length && common < e.name.length && previous[common] === e.name[common]) common++;
      parts.push(e.head, writeVarint(previous.length - common), e.name.subarray(common), Buffer.alloc(1));
    } else parts.push(e.raw ?? encodeEntry(e));
    previous = e.name;
  }
  return parts;
}
