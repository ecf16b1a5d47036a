/**
 * Reading objects from git packs without loading a pack or its index into memory: an object's
 * offset is found by a binary search over the .idx (version 2) done with positioned reads (the
 * index of a 100,000-commit store is tens of megabytes; a lookup reads a few hundred bytes of it),
 * and only that object's bytes (and its delta bases) are read from the .pack. So a cold read
 * costs about the same in a store of 100 keys as in one of 10,000.
 */
import { closeSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { KvgitError } from '../errors';
import { readAt } from './files';
import type { ObjectType } from './objects';

const TYPES: Record<number, ObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };
const OFS_DELTA = 6;
const REF_DELTA = 7;

interface PackIndex {
  idxFd: number;
  /** The fan-out table: entry n is the number of objects whose first byte is at most n. */
  fanout: Buffer;
  count: number;
  packPath: string;
  fd?: number;
}

// Version 2 .idx layout: magic, version, fan-out (256 × 4), object ids (20 each), CRCs (4 each),
// 31-bit offsets (4 each), then 64-bit offsets for the large ones.
const IDS_AT = 8 + 256 * 4;

export class PackReader {
  private packs: PackIndex[] | undefined;

  constructor(private readonly gitdir: string) {}

  private load(): PackIndex[] {
    if (this.packs) return this.packs;
    const dir = join(this.gitdir, 'objects', 'pack');
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.idx'));
    } catch {
      // no packs
    }
    this.packs = names.map((n) => {
      const idxFd = openSync(join(dir, n), 'r');
      const head = bytesAt(idxFd, 0, IDS_AT);
      if (head.length < IDS_AT || head.readUInt32BE(0) !== 0xff744f63 || head.readUInt32BE(4) !== 2) {
        closeSync(idxFd);
        throw new KvgitError('ERR_UNSUPPORTED_FORMAT', `${n} is not a version 2 pack index`, { file: n, hint: 'run `git gc`' });
      }
      const fanout = head.subarray(8);
      return { idxFd, fanout, count: fanout.readUInt32BE(255 * 4), packPath: join(dir, `${n.slice(0, -4)}.pack`) };
    });
    return this.packs;
  }

  /** Forget the pack list (after packs were added or removed). */
  reset(): void {
    for (const p of this.packs ?? []) {
      closeSync(p.idxFd);
      if (p.fd !== undefined) closeSync(p.fd);
    }
    this.packs = undefined;
    this.recent.clear();
  }

  private find(oid: string): { pack: PackIndex; offset: number } | undefined {
    const want = Buffer.from(oid, 'hex');
    const first = want[0]!;
    for (const pack of this.load()) {
      const { idxFd, fanout } = pack;
      let lo = first === 0 ? 0 : fanout.readUInt32BE((first - 1) * 4);
      let hi = fanout.readUInt32BE(first * 4);
      // Halve with 20-byte reads until the rest of the range fits one small read.
      while (hi - lo > 64) {
        const mid = (lo + hi) >>> 1;
        const c = want.compare(bytesAt(idxFd, IDS_AT + mid * 20, 20));
        if (c === 0) return { pack, offset: this.offset(pack, mid) };
        if (c > 0) lo = mid + 1;
        else hi = mid;
      }
      const ids = bytesAt(idxFd, IDS_AT + lo * 20, (hi - lo) * 20);
      for (let i = 0; i < hi - lo; i++) {
        if (want.compare(ids, i * 20, i * 20 + 20) === 0) return { pack, offset: this.offset(pack, lo + i) };
      }
    }
    return undefined;
  }

  private offset(pack: PackIndex, n: number): number {
    const { idxFd, count } = pack;
    const offset = bytesAt(idxFd, IDS_AT + count * 24 + n * 4, 4).readUInt32BE(0);
    if (!(offset & 0x80000000)) return offset;
    return Number(bytesAt(idxFd, IDS_AT + count * 28 + (offset & 0x7fffffff) * 8, 8).readBigUInt64BE(0));
  }

  has(oid: string): boolean {
    return this.find(oid) !== undefined;
  }

  read(oid: string): { type: ObjectType; content: Uint8Array } | undefined {
    const hit = this.find(oid);
    return hit ? this.readAt(hit.pack, hit.offset, 0) : undefined;
  }

  private bytes(pack: PackIndex, position: number, length: number): Buffer {
    pack.fd ??= openSync(pack.packPath, 'r');
    return bytesAt(pack.fd, position, length);
  }

  /** Recently resolved objects by pack and offset: delta chains share their bases. */
  private readonly recent = new Map<string, { type: ObjectType; content: Uint8Array }>();

  private readAt(pack: PackIndex, offset: number, depth: number): { type: ObjectType; content: Uint8Array } {
    const key = `${pack.packPath}:${offset}`;
    const hit = this.recent.get(key);
    if (hit) return hit;
    const result = this.resolve(pack, offset, depth);
    if (this.recent.size >= 4096) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(key, result);
    return result;
  }

  private resolve(pack: PackIndex, offset: number, depth: number): { type: ObjectType; content: Uint8Array } {
    if (depth > 100) throw new KvgitError('ERR_CORRUPT', `delta chain too deep in ${pack.packPath}`);
    let head = this.bytes(pack, offset, 64);
    let i = 0;
    let c = head[i++]!;
    const type = (c >> 4) & 7;
    let size = c & 15;
    let shift = 4;
    while (c & 0x80) {
      c = head[i++]!;
      size += (c & 0x7f) * 2 ** shift;
      shift += 7;
    }
    let base: { type: ObjectType; content: Uint8Array } | undefined;
    if (type === OFS_DELTA) {
      c = head[i++]!;
      let rel = c & 0x7f;
      while (c & 0x80) {
        c = head[i++]!;
        rel = (rel + 1) * 128 + (c & 0x7f);
      }
      base = this.readAt(pack, offset - rel, depth + 1);
    } else if (type === REF_DELTA) {
      const baseOid = head.subarray(i, i + 20).toString('hex');
      i += 20;
      const found = this.find(baseOid);
      base = found ? this.readAt(found.pack, found.offset, depth + 1) : undefined;
      if (!base) throw new KvgitError('ERR_CORRUPT', `delta base ${baseOid} is missing`);
    } else if (!TYPES[type]) {
      throw new KvgitError('ERR_CORRUPT', `unknown object type ${type} in ${pack.packPath}`);
    }
    // Deflated data follows; its compressed length is not stored, so read generously and let
    // zlib stop at the end of the stream (reading more if the guess was short).
    let want = Math.max(256, size + (size >> 2) + 64);
    let data: Buffer;
    for (;;) {
      head = this.bytes(pack, offset + i, want);
      try {
        data = inflateSync(head);
        break;
      } catch (e) {
        if (head.length < want) throw new KvgitError('ERR_CORRUPT', `object at ${offset} in ${pack.packPath} is damaged: ${(e as Error).message}`);
        want *= 2;
      }
    }
    if (data.length !== size) throw new KvgitError('ERR_CORRUPT', `object at ${offset} in ${pack.packPath} has the wrong size`);
    if (!base) return { type: TYPES[type]!, content: data };
    return { type: base.type, content: applyDelta(base.content, data) };
  }
}

/** Up to `length` bytes at `position` (fewer at the end of the file). */
function bytesAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  return buf.subarray(0, readAt(fd, buf, length, position));
}

function applyDelta(base: Uint8Array, delta: Buffer): Uint8Array {
  let i = 0;
  const varint = () => {
    let v = 0;
    let shift = 0;
    let c: number;
    do {
      c = delta[i++]!;
      v += (c & 0x7f) * 2 ** shift;
      shift += 7;
    } while (c & 0x80);
    return v;
  };
  if (varint() !== base.length) throw new KvgitError('ERR_CORRUPT', 'delta does not fit its base');
  const out = Buffer.alloc(varint());
  let o = 0;
  while (i < delta.length) {
    const op = delta[i++]!;
    if (op & 0x80) {
      let off = 0;
      let len = 0;
      for (let b = 0; b < 4; b++) if (op & (1 << b)) off += delta[i++]! * 2 ** (8 * b);
      for (let b = 0; b < 3; b++) if (op & (0x10 << b)) len += delta[i++]! * 2 ** (8 * b);
      if (len === 0) len = 0x10000;
      out.set(base.subarray(off, off + len), o);
      o += len;
    } else if (op > 0) {
      delta.copy(out, o, i, i + op);
      o += op;
      i += op;
    } else throw new KvgitError('ERR_CORRUPT', 'invalid delta instruction');
  }
  if (o !== out.length) throw new KvgitError('ERR_CORRUPT', 'delta result has the wrong size');
  return out;
}
