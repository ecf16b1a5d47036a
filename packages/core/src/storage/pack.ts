/**
 * Reading objects from git packs without loading a pack into memory: the .idx (version 2) finds
 * an object's offset by binary search, and only that object's bytes (and its delta bases) are read
 * from the .pack. A cold read in a freshly cloned, fully packed 10,000-key store costs a few
 * positioned reads, not a pass over a pack of tens of megabytes.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { KvgitError } from '../errors';
import type { ObjectType } from './objects';

const TYPES: Record<number, ObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };
const OFS_DELTA = 6;
const REF_DELTA = 7;

interface PackIndex {
  idx: Buffer;
  count: number;
  packPath: string;
  fd?: number;
}

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
      const idx = readFileSync(join(dir, n));
      if (idx.readUInt32BE(0) !== 0xff744f63 || idx.readUInt32BE(4) !== 2) {
        throw new KvgitError('ERR_UNSUPPORTED_FORMAT', `${n} is not a version 2 pack index`, { file: n, hint: 'run `git gc`' });
      }
      return { idx, count: idx.readUInt32BE(8 + 255 * 4), packPath: join(dir, `${n.slice(0, -4)}.pack`) };
    });
    return this.packs;
  }

  /** Forget the pack list (after packs were added or removed). */
  reset(): void {
    for (const p of this.packs ?? []) if (p.fd !== undefined) closeSync(p.fd);
    this.packs = undefined;
    this.recent.clear();
  }

  private find(oid: string): { pack: PackIndex; offset: number } | undefined {
    const want = Buffer.from(oid, 'hex');
    for (const pack of this.load()) {
      const { idx, count } = pack;
      const first = want[0]!;
      let lo = first === 0 ? 0 : idx.readUInt32BE(8 + (first - 1) * 4);
      let hi = idx.readUInt32BE(8 + first * 4);
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const c = idx.compare(want, 0, 20, 1032 + mid * 20, 1032 + mid * 20 + 20);
        if (c === 0) {
          const offTable = 1032 + count * 24;
          let offset = idx.readUInt32BE(offTable + mid * 4);
          if (offset & 0x80000000) {
            const big = 1032 + count * 28 + (offset & 0x7fffffff) * 8;
            offset = Number(idx.readBigUInt64BE(big));
          }
          return { pack, offset };
        }
        if (c < 0) lo = mid + 1;
        else hi = mid;
      }
    }
    return undefined;
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
    const buf = Buffer.alloc(length);
    const n = readSync(pack.fd, buf, 0, length, position);
    return buf.subarray(0, n);
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
