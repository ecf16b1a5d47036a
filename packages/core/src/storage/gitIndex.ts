/**
 * Updating git's index for the store's own paths (directory layout), the way git does it: the new
 * index is written to index.lock (created exclusively), then renamed over the index. Only the given
 * paths change; every other entry, staged or not, is kept as it is. One pass per commit, however
 * many paths changed.
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
  path: string;
  stage: number;
  /** Stat data, object id and flags as stored (62 bytes, or 64 with version 3's extended flags). */
  head: Buffer;
}

const entryKey = (path: string, stage: number) => `${path}\0${stage}`;

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

/** Whether kvgit can write this repository's index itself: versions 2 to 4, no split or sparse index. */
export async function checkIndex(gitdir: string): Promise<void> {
  let buf: Buffer;
  try {
    buf = await fsp.readFile(join(gitdir, 'index'));
  } catch {
    return;
  }
  parseIndex(buf, join(gitdir, 'index'));
}

function parseIndex(buf: Buffer, file: string): { version: number; entries: Map<string, Entry> } {
  if (buf.toString('latin1', 0, 4) !== 'DIRC') throw new KvgitError('ERR_CORRUPT', 'the git index is damaged', { file });
  const version = buf.readUInt32BE(4);
  if (version < 2 || version > 4) throw new KvgitError('ERR_GIT_STATE', `git index version ${version} is not supported`, { file });
  const entries = new Map<string, Entry>();
  const count = buf.readUInt32BE(8);
  let pos = 12;
  let previous: Buffer = Buffer.alloc(0);
  for (let i = 0; i < count; i++) {
    const flags = buf.readUInt16BE(pos + 60);
    const headLen = flags & 0x4000 ? 64 : 62;
    const head = buf.subarray(pos, pos + headLen);
    let name: Buffer;
    if (version === 4) {
      const [strip, at] = readVarint(buf, pos + headLen);
      const nul = buf.indexOf(0, at);
      name = Buffer.concat([previous.subarray(0, previous.length - strip), buf.subarray(at, nul)]);
      pos = nul + 1;
    } else {
      const nul = buf.indexOf(0, pos + headLen);
      name = buf.subarray(pos + headLen, nul);
      pos += Math.ceil((nul - pos + 1) / 8) * 8;
    }
    previous = name;
    const path = name.toString('utf8');
    entries.set(entryKey(path, (flags >> 12) & 3), { path, stage: (flags >> 12) & 3, head });
  }
  // Extensions up to the trailing checksum: a required one (lowercase signature, e.g. a split or
  // sparse index) is not ours to drop; optional ones (caches) git rebuilds.
  while (pos + 8 <= buf.length - 20) {
    const sig = buf.toString('latin1', pos, pos + 4);
    if (sig[0]! >= 'a' && sig[0]! <= 'z') {
      throw new KvgitError('ERR_GIT_STATE', `the git index uses the "${sig}" extension (a split or sparse index), which kvgit cannot update`, { file, hint: 'git update-index --no-split-index' });
    }
    pos += 8 + buf.readUInt32BE(pos + 4);
  }
  return { version, entries };
}

export async function updateIndex(gitdir: string, worktree: string, changes: IndexChange[]): Promise<void> {
  const indexPath = join(gitdir, 'index');
  let parsed: { version: number; entries: Map<string, Entry> } = { version: 2, entries: new Map() };
  try {
    parsed = parseIndex(await fsp.readFile(indexPath), indexPath);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const { version, entries } = parsed;

  for (const c of changes) {
    for (const stage of [0, 1, 2, 3]) entries.delete(entryKey(c.path, stage));
    if (!c.oid) continue;
    const st = await fsp.stat(join(worktree, c.path), { bigint: true });
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
    Buffer.from(c.oid, 'hex').copy(head, 40);
    head.writeUInt16BE(Math.min(Buffer.byteLength(c.path), 0xfff), 60);
    entries.set(entryKey(c.path, 0), { path: c.path, stage: 0, head });
  }

  const sorted = [...entries.values()].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)) || a.stage - b.stage);
  const parts: Buffer[] = [];
  const header = Buffer.alloc(12);
  header.write('DIRC', 0, 'latin1');
  header.writeUInt32BE(version, 4);
  header.writeUInt32BE(sorted.length, 8);
  parts.push(header);
  let previous: Buffer = Buffer.alloc(0);
  for (const e of sorted) {
    const name = Buffer.from(e.path, 'utf8');
    if (version === 4) {
      let common = 0;
      while (common < previous.length && common < name.length && previous[common] === name[common]) common++;
      parts.push(e.head, writeVarint(previous.length - common), name.subarray(common), Buffer.alloc(1));
    } else {
      const len = e.head.length + name.length;
      parts.push(e.head, name, Buffer.alloc(Math.ceil((len + 1) / 8) * 8 - len));
    }
    previous = name;
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
