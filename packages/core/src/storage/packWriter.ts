/**
 * Writes objects as one git pack (version 2, no deltas) with its index (version 2). A history
 * rewrite makes thousands of new trees and commits; one pack costs one file instead of thousands
 * of loose objects. The pack is renamed into place first and the index last, so a crash never
 * leaves an index pointing at a torn pack (git ignores a pack without an index).
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import type { ObjectType } from './objects';
import { syncDirectory, writeFileDurablyAsync } from './files';

const TYPE_CODE: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };

export async function writePackFile(gitdir: string, objects: Array<{ oid: string; type: ObjectType; content: Uint8Array }>): Promise<void> {
  if (objects.length === 0) return;
  const parts: Buffer[] = [];
  const header = Buffer.alloc(12);
  header.write('PACK', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(objects.length, 8);
  parts.push(header);
  let offset = 12;
  const entries: Array<{ oid: Buffer; offset: number; crc: number }> = [];
  for (const o of objects) {
    const bytes: number[] = [];
    let size = o.content.length;
    let c = (TYPE_CODE[o.type] << 4) | (size & 15);
    size = Math.floor(size / 16);
    while (size > 0) {
      bytes.push(c | 0x80);
      c = size & 0x7f;
      size = Math.floor(size / 128);
    }
    bytes.push(c);
    const entry = Buffer.concat([Buffer.from(bytes), deflateSync(o.content, { level: 1 })]);
    entries.push({ oid: Buffer.from(o.oid, 'hex'), offset, crc: crc32(entry) });
    parts.push(entry);
    offset += entry.length;
  }
  const packBody = Buffer.concat(parts);
  const packSum = createHash('sha1').update(packBody).digest();
  const pack = Buffer.concat([packBody, packSum]);

  entries.sort((a, b) => Buffer.compare(a.oid, b.oid));
  const fanout = Buffer.alloc(256 * 4);
  for (let i = 0, e = 0; i < 256; i++) {
    while (e < entries.length && entries[e]!.oid[0]! <= i) e++;
    fanout.writeUInt32BE(e, i * 4);
  }
  const large = entries.filter((e) => e.offset >= 0x80000000);
  const offsets = Buffer.alloc(entries.length * 4);
  const bigOffsets = Buffer.alloc(large.length * 8);
  let big = 0;
  entries.forEach((e, i) => {
    if (e.offset < 0x80000000) offsets.writeUInt32BE(e.offset, i * 4);
    else {
      offsets.writeUInt32BE(0x80000000 | big, i * 4);
      bigOffsets.writeBigUInt64BE(BigInt(e.offset), big * 8);
      big++;
    }
  });
  const crcs = Buffer.alloc(entries.length * 4);
  entries.forEach((e, i) => crcs.writeUInt32BE(e.crc >>> 0, i * 4));
  const idxBody = Buffer.concat([Buffer.from([0xff, 0x74, 0x4f, 0x63, 0, 0, 0, 2]), fanout, ...entries.map((e) => e.oid), crcs, offsets, bigOffsets, packSum]);
  const idx = Buffer.concat([idxBody, createHash('sha1').update(idxBody).digest()]);

  const dir = join(gitdir, 'objects', 'pack');
  await fsp.mkdir(dir, { recursive: true });
  const base = join(dir, `pack-${packSum.toString('hex')}`);
  for (const [path, content] of [[`${base}.pack`, pack], [`${base}.idx`, idx]] as const) await writeFileDurablyAsync(path, content, { mode: 0o444 });
  // In place for good before anything names its objects (a ref) or an older pack goes.
  syncDirectory(dir);
}
