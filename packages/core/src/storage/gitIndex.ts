/**
 * Updating git's index for the store's own paths (directory layout), the way git does it: the new
 * index is written to index.lock (created exclusively), then renamed over the index. Only the given
 * paths change; every other entry, staged or not, is copied byte for byte. In a store of 10,000
 * keys the index holds over 100,000 entries (12 MB), so versions 2 and 3 are never held in memory
 * whole: one pass over the file notes where each entry starts, a binary search (positioned reads)
 * finds each changed path, and the new index is the old bytes around the changed entries, copied
 * through one reused 1 MiB buffer and hashed on the way (reading and writing a 12 MB buffer cost
 * three times as much, most of it in fresh memory). Version 4 (paths prefix-compressed against the
 * previous entry) is decoded and re-encoded in full.
 *
 * Index versions 2, 3 and 4 are handled. Optional extensions are dropped (git rebuilds its
 * caches); an index with a required extension (split or sparse index) is refused before the store
 * writes anything (checkIndex).
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { KvgitError } from '../errors';
import { readAt, removeFile } from './files';

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

/** Version 4: every entry, decoded in order (required extensions were refused by inspect). */
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
  // Optional extensions (caches) are dropped, git rebuilds them (required ones were refused by inspect).
  return { version, entries };
}

/** The index as inspected before a write, reused by updateIndex if git has not replaced it since. */
export interface IndexRead {
  /** ino, size, mtime and ctime of the file read: git writes a new index by renaming a new file. */
  identity: string;
  version: number;
  /** Versions 2 and 3: where each entry starts; the last element is where the extensions start. */
  starts?: Uint32Array;
  /** Version 4: the whole file, decoded and re-encoded in full. */
  buf?: Buffer;
}

// The index is read and written with synchronous calls: it is megabytes in a large store, and
// the promise API would move it in 512 KiB round trips through the thread pool.
const CHUNK = 1 << 20;
/** Room kept ahead of an entry while walking a chunk: its stat data and a path (PATH_MAX is 4096). */
const ENTRY_ROOM = 64 * 1024;

const damaged = (file: string) => new KvgitError('ERR_CORRUPT', 'the git index is damaged', { file });

function identityOf(fd: number): { identity: string; size: number } {
  const st = fstatSync(fd, { bigint: true });
  return { identity: `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`, size: Number(st.size) };
}

/**
 * Whether kvgit can write this repository's index itself; throws ERR_GIT_STATE when not. Runs
 * before every directory-layout write; what it learns is returned for updateIndex.
 */
export async function checkIndex(gitdir: string): Promise<IndexRead | undefined> {
  const file = join(gitdir, 'index');
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    return inspect(fd, file);
  } finally {
    closeSync(fd);
  }
}

function inspect(fd: number, file: string, { identity, size } = identityOf(fd)): IndexRead {
  const header = Buffer.alloc(12);
  if (size < 32 || readAt(fd, header, 12, 0) < 12 || header.toString('latin1', 0, 4) !== 'DIRC') throw damaged(file);
  const version = header.readUInt32BE(4);
  if (version < 2 || version > 4) throw new KvgitError('ERR_GIT_STATE', `git index version ${version} is not supported`, { file });
  const count = header.readUInt32BE(8);
  if (version === 4) {
    const buf = readFileSync(fd);
    let pos = 12;
    for (let i = count; i > 0; i--) pos = buf.indexOf(0, readVarint(buf, pos + (buf.readUInt16BE(pos + 60) & 0x4000 ? 64 : 62))[1]) + 1;
    checkExtensions(fd, pos, size, file);
    return { identity, version, buf };
  }
  const starts = entryStarts(fd, count, size, file);
  checkExtensions(fd, starts[count]!, size, file);
  return { identity, version, starts };
}

/**
 * Versions 2 and 3: where each entry starts, read a chunk at a time. An entry's length follows
 * from its flags (the name's length, below 0xfff) without looking for the name's end.
 */
function entryStarts(fd: number, count: number, size: number, file: string): Uint32Array {
  const starts = new Uint32Array(count + 1);
  const buf = Buffer.allocUnsafe(CHUNK);
  let bufStart = 0;
  let bufEnd = 0;
  let pos = 12;
  for (let i = 0; i < count; i++) {
    if (pos + ENTRY_ROOM > bufEnd && bufEnd < size) {
      bufStart = pos;
      bufEnd = pos + readAt(fd, buf, CHUNK, pos);
    }
    const o = pos - bufStart;
    if (pos + 64 > bufEnd) throw damaged(file);
    starts[i] = pos;
    const flags = (buf[o + 60]! << 8) | buf[o + 61]!;
    const head = flags & 0x4000 ? 64 : 62;
    const nameLength = flags & 0xfff;
    let end = pos + head + nameLength;
    if (nameLength === 0xfff) {
      const nul = buf.indexOf(0, o + head);
      if (nul < 0 || bufStart + nul >= bufEnd) throw damaged(file);
      end = bufStart + nul;
    }
    pos += ((end - pos + 8) >>> 3) << 3;
  }
  if (pos > size - 20) throw damaged(file);
  starts[count] = pos;
  return starts;
}

/** A required extension (lowercase signature, e.g. a split or sparse index) is not ours to drop. */
function checkExtensions(fd: number, pos: number, size: number, file: string): void {
  const head = Buffer.alloc(8);
  while (pos + 8 <= size - 20) {
    readAt(fd, head, 8, pos);
    const sig = head.toString('latin1', 0, 4);
    if (sig[0]! >= 'a' && sig[0]! <= 'z') {
      throw new KvgitError('ERR_GIT_STATE', `the git index uses the "${sig}" extension (a split or sparse index), which kvgit cannot update`, { file, hint: 'git update-index --no-split-index' });
    }
    pos += 8 + head.readUInt32BE(4);
  }
}

function newEntry(worktree: string, path: string, oid: string): Entry {
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

/** git's lock on the index, held by a write from before its ref moves until the new index is in place. */
export interface IndexLock {
  fd: number;
  path: string;
  /** The lock file's device and inode: what a later kvgit checks before removing a lock a killed writer left. */
  dev: number;
  ino: number;
}

/**
 * Takes git's index lock (index.lock, created exclusively), as git does before it changes a ref
 * the index follows: a write that cannot update the index must fail before it commits anything.
 */
export function lockIndex(gitdir: string): IndexLock {
  const path = join(gitdir, 'index.lock');
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new KvgitError('ERR_STORE_MODIFIED', 'the git index is locked by another git process (.git/index.lock exists); nothing was written', { file: path, hint: 'retry; if no git process is running, remove .git/index.lock' });
    }
    throw e;
  }
  const st = fstatSync(fd);
  return { fd, path, dev: st.dev, ino: st.ino };
}

/** Gives the index lock up without changing the index. */
export function releaseIndex(lock: IndexLock): void {
  closeSync(lock.fd);
  removeFile(lock.path);
}

/**
 * Sets the index entries of `changes` (stage 0 with the work tree file's stat data, or none when
 * removed), writing the new index into `lock` and renaming it over the index; on failure the lock
 * is given up. `read` is checkIndex's result, used when the index file is still the one it read.
 */
export async function updateIndex(gitdir: string, worktree: string, changes: IndexChange[], lock: IndexLock, read?: IndexRead): Promise<void> {
  const indexPath = join(gitdir, 'index');
  const out = lock.fd;
  let old: number | undefined;
  try {
    const added = new Map<string, Entry>();
    for (const c of changes) if (c.oid) added.set(c.path, newEntry(worktree, c.path, c.oid));
    try {
      old = openSync(indexPath, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const hash = createHash('sha1');
    const emit = (b: Buffer) => {
      hash.update(b);
      writeAll(out, b);
    };
    // The open file is the one read from here on, even if git renames another over the index.
    const current = old === undefined ? undefined : identityOf(old);
    const index = current === undefined ? undefined : read?.identity === current.identity ? read : inspect(old!, indexPath, current);
    if (index?.starts) splice(old!, index.starts, changes, added, emit);
    else for (const part of rebuild(index, indexPath, changes, added)) emit(part);
    writeAll(out, hash.digest());
  } catch (e) {
    releaseIndex(lock);
    throw e;
  } finally {
    if (old !== undefined) closeSync(old);
  }
  closeSync(out);
  renameSync(lock.path, indexPath);
}

function writeAll(fd: number, b: Buffer): void {
  for (let at = 0; at < b.length; ) at += writeSync(fd, b, at, b.length - at);
}

/**
 * Versions 2 and 3: the old bytes around the changed entries, with the new entries in place,
 * handed to `emit` in order. Entries are compared by positioned reads; the rest is copied in chunks.
 */
function splice(fd: number, starts: Uint32Array, changes: IndexChange[], added: Map<string, Entry>, emit: (b: Buffer) => void): void {
  const count = starts.length - 1;
  const entryBuf = Buffer.allocUnsafe(ENTRY_ROOM);
  const nameAt = (i: number): Buffer => {
    const length = readAt(fd, entryBuf, Math.min(starts[i + 1]! - starts[i]!, ENTRY_ROOM), starts[i]!);
    const head = entryBuf.readUInt16BE(60) & 0x4000 ? 64 : 62;
    const nul = entryBuf.indexOf(0, head);
    return entryBuf.subarray(head, nul < 0 || nul > length ? length : nul);
  };
  // The first entry whose name is not below `name` (git sorts names bytewise, then by stage).
  const lowerBound = (name: Buffer): number => {
    let lo = 0;
    let hi = count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (Buffer.compare(name, nameAt(mid)) > 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const chunk = Buffer.allocUnsafe(CHUNK);
  const copy = (from: number, to: number) => {
    for (let at = from; at < to; ) {
      const n = readAt(fd, chunk, Math.min(CHUNK, to - at), at);
      if (n === 0) throw new KvgitError('ERR_CORRUPT', 'the git index changed while it was being updated', {});
      emit(chunk.subarray(0, n));
      at += n;
    }
  };
  const names = [...new Set(changes.map((c) => c.path))].map((p) => Buffer.from(p, 'utf8')).sort(Buffer.compare);
  const edits: Array<{ from: number; to: number; entry: Entry | undefined }> = [];
  let entries = count;
  for (const name of names) {
    const from = lowerBound(name);
    let to = from;
    while (to < count && nameAt(to).equals(name)) to++;
    const entry = added.get(name.toString('utf8'));
    entries += (entry ? 1 : 0) - (to - from);
    edits.push({ from, to, entry });
  }
  const header = Buffer.alloc(12);
  readAt(fd, header, 8, 0);
  header.writeUInt32BE(entries, 8);
  emit(header);
  let copiedTo = starts[0]!;
  for (const { from, to, entry } of edits) {
    copy(copiedTo, starts[from]!);
    if (entry) emit(encodeEntry(entry));
    copiedTo = starts[to]!;
  }
  copy(copiedTo, starts[count]!);
}

function encodeEntry(e: Entry): Buffer {
  const len = e.head.length + e.name.length;
  return Buffer.concat([e.head, e.name, Buffer.alloc(Math.ceil((len + 1) / 8) * 8 - len)]);
}

/** Any version (or no index yet): every entry decoded, merged with the new ones and encoded. */
function rebuild(index: IndexRead | undefined, file: string, changes: IndexChange[], added: Map<string, Entry>): Buffer[] {
  const { version, entries } = index?.buf ? scanIndex(index.buf, file) : { version: 2, entries: [] as Entry[] };
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
