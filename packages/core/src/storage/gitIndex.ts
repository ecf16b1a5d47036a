/**
 * Updating git's index for the store's own paths (directory layout), the way git does it: the new
 * index is written to index.lock (created exclusively), then renamed over the index. Only the given
 * paths change; every other entry, staged or not, is copied byte for byte. The index is already
 * sorted, so the changed entries are merged in; the cost is one read, one copy and one SHA-1.
 *
 * Index versions 2, 3 and 4 are handled. Optional extensions are dropped (git rebuilds its
 * caches); an index with a required extension (split or sparse index) is refused before the store
 * writes anything (checkIndex).
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { KvgitError } from '../errors';

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

async function readIndex(gitdir: string): Promise<Scan | undefined> {
  const file = join(gitdir, 'index');
  try {
    return scanIndex(await fsp.readFile(file), file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Whether kvgit can write this repository's index itself; throws ERR_GIT_STATE when not. Runs
 * before every directory-layout write, so it only walks the entries to reach the extensions.
 */
export async function checkIndex(gitdir: string): Promise<void> {
  const file = join(gitdir, 'index');
  let buf: Buffer;
  try {
    buf = await fsp.readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (buf.toString('latin1', 0, 4) !== 'DIRC') throw new KvgitError('ERR_CORRUPT', 'the git index is damaged', { file });
  const version = buf.readUInt32BE(4);
  if (version < 2 || version > 4) throw new KvgitError('ERR_GIT_STATE', `git index version ${version} is not supported`, { file });
  let pos = 12;
  for (let i = buf.readUInt32BE(8); i > 0; i--) {
    const headLen = buf.readUInt16BE(pos + 60) & 0x4000 ? 64 : 62;
    if (version === 4) pos = buf.indexOf(0, readVarint(buf, pos + headLen)[1]) + 1;
    else pos += Math.ceil((buf.indexOf(0, pos + headLen) - pos + 1) / 8) * 8;
  }
  checkExtensions(buf, pos, file);
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
  const st = await fsp.stat(join(worktree, path), { bigint: true });
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

export async function updateIndex(gitdir: string, worktree: string, changes: IndexChange[]): Promise<void> {
  const indexPath = join(gitdir, 'index');
  const { version, entries } = (await readIndex(gitdir)) ?? { version: 2, entries: [] };
  const changed = new Set(changes.map((c) => c.path));
  const added = await Promise.all(changes.filter((c) => c.oid).map((c) => newEntry(worktree, c.path, c.oid!)));
  added.sort(order);

  // Only names under the changed paths' common prefix (the store's folder) are decoded and checked.
  const paths = [...changed];
  let common = paths[0] ?? '';
  for (const p of paths) while (!p.startsWith(common)) common = common.slice(0, -1);
  const prefix = Buffer.from(common, 'utf8');
  const isChanged = (name: Buffer) => name.length >= prefix.length && name.compare(prefix, 0, prefix.length, 0, prefix.length) === 0 && changed.has(name.toString('utf8'));

  // Merge the kept entries (already sorted) with the added ones.
  const merged: Entry[] = [];
  let a = 0;
  for (const e of entries) {
    if (isChanged(e.name)) continue;
    while (a < added.length && order(added[a]!, e) < 0) merged.push(added[a++]!);
    merged.push(e);
  }
  while (a < added.length) merged.push(added[a++]!);

  const parts: Buffer[] = [];
  const header = Buffer.alloc(12);
  header.write('DIRC', 0, 'latin1');
  header.writeUInt32BE(version, 4);
  header.writeUInt32BE(merged.length, 8);
  parts.push(header);
  let previous: Buffer = Buffer.alloc(0);
  for (const e of merged) {
    if (version === 4) {
      let common = 0;
      while (common < previous.length && common < e.name.length && previous[common] === e.name[common]) common++;
      parts.push(e.head, writeVarint(previous.length - common), e.name.subarray(common), Buffer.alloc(1));
    } else if (e.raw) {
      parts.push(e.raw);
    } else {
      const len = e.head.length + e.name.length;
      parts.push(e.head, e.name, Buffer.alloc(Math.ceil((len + 1) / 8) * 8 - len));
    }
    previous = e.name;
  }
  const content = Buffer.concat(parts);
  const out = Buffer.concat([content, createHash('sha1').update(content).digest()]);
  const lock = `${indexPath}.lock`;
  try {
    await fsp.writeFile(lock, out, { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new KvgitError('ERR_STORE_MODIFIED', 'the git index is locked by another git process (.git/index.lock exists)', { file: lock, hint: 'if no git process is running, remove .git/index.lock' });
    }
    throw e;
  }
  await fsp.rename(lock, indexPath);
}
