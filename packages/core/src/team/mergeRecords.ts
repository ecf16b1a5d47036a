/**
 * Three-way merges of the store-wide records: the mount table (mounts are matched by uuid, so a
 * mount moved on one side and configured on the other merges) and the keyring's member list.
 */
import { canonicalJson, setOwn } from '../bytes/json';
import type { Keyring, Member } from '../keys/keyring';
import type { Mount } from '../kv/model';
import { type Conflict, pick3, show } from './conflicts';

const sameJson = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);

function byUuid(mounts: Map<string, Mount> | undefined): Map<string, Mount> {
  return new Map([...(mounts ?? new Map<string, Mount>()).values()].map((m) => [m.uuid, m]));
}

const MOUNT_FIELDS: Array<[string, (m: Mount) => unknown]> = [
  ['path', (m) => m.path],
  ['type', (m) => m.type],
  ['version', (m) => m.version],
  ['description', (m) => m.description],
  ['created_time', (m) => m.created],
  ['config.max_versions', (m) => m.config.maxVersions],
  ['config.cas_required', (m) => m.config.casRequired],
  ['config.delete_version_after', (m) => m.config.deleteVersionAfter],
];

export interface MountsMerge {
  /** The merged table, by mount path. */
  mounts: Map<string, Mount>;
  conflicts: Conflict[];
}

export function mergeMounts(base: Map<string, Mount> | undefined, ours: Map<string, Mount>, theirs: Map<string, Mount>): MountsMerge {
  const b = byUuid(base);
  const o = byUuid(ours);
  const t = byUuid(theirs);
  const conflicts: Conflict[] = [];
  const merged: Mount[] = [];
  for (const uuid of [...new Set([...o.keys(), ...t.keys(), ...b.keys()])].sort()) {
    const bm = b.get(uuid);
    const om = o.get(uuid);
    const tm = t.get(uuid);
    const label = (om ?? tm ?? bm)!.path;
    if (!om || !tm) {
      // Enabled on one side, or disabled on one side: the other side must have left it alone.
      const r = pick3(bm, om, tm, sameJson);
      if ('value' in r) {
        if (r.value) merged.push(r.value);
      } else {
        conflicts.push({ where: 'mounts.json', field: `mount ${label}`, base: show(bm?.path), ours: om ? `enabled at ${om.path}` : 'disabled', theirs: tm ? `enabled at ${tm.path}` : 'disabled', message: `mount ${label} was disabled on one side and changed on the other` });
      }
      continue;
    }
    const out: Record<string, unknown> = {};
    for (const [name, get] of MOUNT_FIELDS) {
      const r = pick3(bm && get(bm), get(om), get(tm), sameJson);
      if ('value' in r) setOwn(out, name, r.value);
      else {
        conflicts.push({ where: 'mounts.json', field: `${label} ${name}`, base: show(bm && get(bm)), ours: show(get(om)), theirs: show(get(tm)), message: `${name} of mount ${label} was changed on both sides` });
        setOwn(out, name, get(om));
      }
    }
    merged.push({
      uuid,
      path: out.path as string,
      type: out.type as 'kv',
      version: out.version as 1 | 2,
      description: out.description as string,
      created: out.created_time as number,
      config: { maxVersions: out['config.max_versions'] as number, casRequired: out['config.cas_required'] as boolean, deleteVersionAfter: out['config.delete_version_after'] as number },
    });
  }
  // Two mounts may not share a path or nest (docs/KV.md §8), whatever each side did alone.
  for (const a of merged) {
    for (const c of merged) {
      if (a !== c && (a.path === c.path ? a.uuid < c.uuid : c.path.startsWith(a.path))) {
        conflicts.push({ where: 'mounts.json', field: `mount ${c.path}`, base: '', ours: show(o.get(a.uuid)?.path ?? o.get(c.uuid)?.path), theirs: show(t.get(c.uuid)?.path ?? t.get(a.uuid)?.path), message: `mounts ${a.path} and ${c.path} collide (one side enabled or moved a mount where the other has one)` });
      }
    }
  }
  return { mounts: new Map(merged.map((m) => [m.path, m])), conflicts };
}

export interface KeyringMerge {
  keyring: Keyring;
  conflicts: Conflict[];
}

/** Members merge by name. Both sides must hold the same store key (a rotation on one side is a conflict). */
export function mergeKeyring(base: Keyring | undefined, ours: Keyring, theirs: Keyring): KeyringMerge {
  const conflicts: Conflict[] = [];
  if (ours.storeRecipient !== theirs.storeRecipient) {
    conflicts.push({
      where: 'keyring.json',
      field: 'store_recipient',
      base: show(base?.storeRecipient),
      ours: show(ours.storeRecipient),
      theirs: show(theirs.storeRecipient),
      message: 'the store key was rotated on one side (kvgit rotate or members remove) while the other side changed the store',
    });
    return { keyring: ours, conflicts };
  }
  const index = (k: Keyring | undefined) => new Map((k?.members ?? []).map((m) => [m.name, m]));
  const b = index(base);
  const o = index(ours);
  const t = index(theirs);
  const members: Member[] = [];
  for (const name of [...new Set([...o.keys(), ...t.keys(), ...b.keys()])].sort()) {
    const r = pick3(b.get(name), o.get(name), t.get(name), sameJson);
    if ('value' in r) {
      if (r.value) members.push(r.value);
    } else {
      const side = (m: Member | undefined) => (m ? `${m.type} ${m.recipient}` : '(absent)');
      conflicts.push({ where: 'keyring.json', field: `member ${name}`, base: side(b.get(name)), ours: side(o.get(name)), theirs: side(t.get(name)), message: `member ${name} was changed differently on both sides` });
    }
  }
  return { keyring: { storeRecipient: ours.storeRecipient, members }, conflicts };
}
