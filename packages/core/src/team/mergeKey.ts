/**
 * Merging one KV v2 key changed on both sides (docs/TEAMS.md §What merges):
 *
 * - Settings (max_versions, cas_required, delete_version_after, each custom_metadata entry) merge
 *   three-way; a setting both sides changed differently is a conflict.
 * - Versions both sides share keep their number; their state merges by rule: destroyed on either
 *   side stays destroyed, deleted on either side stays deleted (the earliest deletion time wins).
 * - Versions written concurrently on both sides (the same numbers, different versions) are put in
 *   order of created_time and numbered after the shared ones, so every one survives and the later
 *   one becomes the newest. A version whose number changes gets its blob sealed again, because the
 *   payload names its version (docs/FORMAT.md §3.6). The result does not depend on which side is
 *   "ours": both merge directions reach the same metadata and the same versions.
 *
 * Nothing here reads git: the caller hands in each side's metadata and version blobs.
 */
import { canonicalJson, setOwn } from '../bytes/json';
import { type KeyMetadata, type MountConfig, type SecretData, type VersionMeta, effectiveMaxVersions } from '../kv/model';
import { type Conflict, pick3, show } from './conflicts';

export interface KeySide {
  meta: KeyMetadata;
  /** Version number → blob id, for every version file this side has. */
  blobs: Map<number, string>;
}

export interface KeyMergeInput {
  /** "secret/app/db", for conflicts. */
  where: string;
  /** The merged mount's configuration (trimming). */
  mountConfig: MountConfig;
  base: KeyMetadata | undefined;
  ours: KeySide;
  theirs: KeySide;
  /**
   * Opens a version blob (checking it names this key and `version`). Without it (the git merge
   * driver, which sees one file at a time) a merge that needs blobs answers 'needs-blobs'.
   */
  open?: (oid: string, version: number) => Promise<SecretData>;
}

/** A version's blob in the result: an existing blob, or its data sealed again under its new number. */
export type BlobSource = { oid: string } | { reseal: SecretData };

export interface Renumbering {
  side: 'ours' | 'theirs';
  from: number;
  to: number;
  /** The version's blob before the move (still in that side's history); undefined when destroyed. */
  blob: string | undefined;
}

export type KeyMergeResult =
  | { kind: 'merged'; meta: KeyMetadata; blobs: Map<number, BlobSource>; renumbered: Renumbering[] }
  | { kind: 'conflict'; conflicts: Conflict[] }
  | { kind: 'needs-blobs'; reason: string };

interface TailVersion {
  side: 'ours' | 'theirs';
  n: number;
  vm: VersionMeta;
  oid: string | undefined;
  data: SecretData | undefined;
  canon: string;
  /** The same version on the other side (a re-encrypted copy), after de-duplication. */
  twin?: TailVersion;
}

const sameJson = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);

/** destroyed wins; a deletion wins over none; of two deletion times the earliest. */
function mergeState(a: VersionMeta, b: VersionMeta, base: VersionMeta | undefined): VersionMeta {
  let deletion: number | null;
  if (a.deletion === b.deletion) deletion = a.deletion;
  else if (base && a.deletion === base.deletion) deletion = b.deletion;
  else if (base && b.deletion === base.deletion) deletion = a.deletion;
  else if (a.deletion !== null && b.deletion !== null) deletion = Math.min(a.deletion, b.deletion);
  else deletion = a.deletion ?? b.deletion;
  return { created: a.created, deletion, destroyed: a.destroyed || b.destroyed };
}

function mergeSettings(input: KeyMergeInput, conflicts: Conflict[]): Pick<KeyMetadata, 'maxVersions' | 'casRequired' | 'deleteVersionAfter' | 'customMetadata'> {
  const { base, ours, theirs, where } = input;
  const o = ours.meta;
  const t = theirs.meta;
  const field = <K extends 'maxVersions' | 'casRequired' | 'deleteVersionAfter'>(k: K, name: string): KeyMetadata[K] => {
    const r = pick3(base?.[k], o[k], t[k]);
    if ('value' in r) return r.value as KeyMetadata[K];
    conflicts.push({ where, field: name, base: show(base?.[k]), ours: show(o[k]), theirs: show(t[k]), message: `${name} of ${where} was changed on both sides` });
    return o[k];
  };
  const maxVersions = field('maxVersions', 'max_versions');
  const casRequired = field('casRequired', 'cas_required');
  const deleteVersionAfter = field('deleteVersionAfter', 'delete_version_after');

  // custom_metadata merges entry by entry: an owner changed here and a team added there both stay.
  const bm = base?.customMetadata ?? {};
  const om = o.customMetadata ?? {};
  const tm = t.customMetadata ?? {};
  const merged: Record<string, string> = {};
  for (const k of [...new Set([...Object.keys(om), ...Object.keys(tm), ...Object.keys(bm)])].sort()) {
    const r = pick3(bm[k], om[k], tm[k]);
    if ('value' in r) {
      if (r.value !== undefined) setOwn(merged, k, r.value);
    } else {
      conflicts.push({ where, field: `custom_metadata.${k}`, base: show(bm[k]), ours: show(om[k]), theirs: show(tm[k]), message: `custom_metadata "${k}" of ${where} was changed on both sides` });
      if (om[k] !== undefined) setOwn(merged, k, om[k]!);
    }
  }
  const customMetadata = Object.keys(merged).length === 0 && o.customMetadata === null && t.customMetadata === null ? null : merged;
  return { maxVersions, casRequired, deleteVersionAfter, customMetadata };
}

export async function mergeKey(input: KeyMergeInput): Promise<KeyMergeResult> {
  const { base, ours, theirs, open } = input;
  const o = ours.meta;
  const t = theirs.meta;
  const conflicts: Conflict[] = [];
  const settings = mergeSettings(input, conflicts);
  if (conflicts.length > 0) return { kind: 'conflict', conflicts };

  const shared = base?.currentVersion ?? 0;
  const sameVersion = async (n: number): Promise<boolean> => {
    const ob = ours.blobs.get(n);
    const tb = theirs.blobs.get(n);
    if (!ob || !tb || ob === tb) return true;
    // Two blobs of one version (sealed again on one side, e.g. by an earlier merge): compare contents.
    if (!open) return true; // the blob files get their own merge; see driver.ts
    return sameJson(await open(ob, n), await open(tb, n));
  };

  // The first number at which the two sides hold different versions.
  let k = 1;
  const common = Math.min(o.currentVersion, t.currentVersion);
  for (; k <= common; k++) {
    const ov = o.versions.get(k);
    const tv = t.versions.get(k);
    if (!ov || !tv) {
      // Trimmed on one side: still a shared version if the base had it, else a version only one side wrote.
      if (k <= shared) continue;
      break;
    }
    if (ov.created !== tv.created || !(await sameVersion(k))) break;
  }

  const versions = new Map<number, VersionMeta>();
  const blobs = new Map<number, BlobSource>();
  const renumbered: Renumbering[] = [];
  const lowest = (a: string | undefined, b: string | undefined) => (a && b ? (a < b ? a : b) : a ?? b);

  for (let n = 1; n < k; n++) {
    const ov = o.versions.get(n);
    const tv = t.versions.get(n);
    if (!ov || !tv) {
      const only = (ov ?? tv)!;
      if (only) versions.set(n, { ...only });
    } else {
      const bv = base?.versions.get(n);
      versions.set(n, mergeState(ov, tv, bv && bv.created === ov.created ? bv : undefined));
    }
    // Two ids for one version's identical contents: the lower id, so both directions keep the same bytes.
    const oid = lowest(ours.blobs.get(n), theirs.blobs.get(n));
    if (oid) blobs.set(n, { oid });
  }

  const tail = (side: KeySide, name: 'ours' | 'theirs'): TailVersion[] =>
    [...side.meta.versions.entries()].filter(([n]) => n >= k).sort(([a], [b]) => a - b)
      .map(([n, vm]) => ({ side: name, n, vm: { ...vm }, oid: side.blobs.get(n), data: undefined, canon: '' }));
  const oTail = tail(ours, 'ours');
  const tTail = tail(theirs, 'theirs');

  let current: number;
  let renumbering = false;
  if (oTail.length === 0 || tTail.length === 0) {
    // Only one side wrote new versions: they keep their numbers and their bytes.
    for (const v of [...oTail, ...tTail]) {
      versions.set(v.n, v.vm);
      if (v.oid) blobs.set(v.n, { oid: v.oid });
    }
    current = Math.max(o.currentVersion, t.currentVersion);
  } else {
    if (!open) return { kind: 'needs-blobs', reason: `both sides wrote new versions of ${input.where} (versions ${oTail.map((v) => v.n).join(',')} and ${tTail.map((v) => v.n).join(',')}); they must be renumbered` };
    renumbering = true;
    for (const v of [...oTail, ...tTail]) {
      if (v.oid) {
        v.data = await open(v.oid, v.n);
        v.canon = canonicalJson(v.data);
      }
    }
    // A version both sides hold (the same created_time and data, e.g. from an earlier merge) counts once.
    const all: TailVersion[] = [...oTail];
    for (const tv of tTail) {
      const twin = oTail.find((ov) => !ov.twin && ov.vm.created === tv.vm.created && (ov.oid === tv.oid || ov.data === undefined || tv.data === undefined || ov.canon === tv.canon));
      if (twin) {
        twin.twin = tv;
        twin.vm = mergeState(twin.vm, tv.vm, undefined);
        if (twin.data === undefined) {
          twin.data = tv.data;
          twin.canon = tv.canon;
        }
      } else all.push(tv);
    }
    // Oldest first; ties by content, then by number: the same order whichever side is ours.
    all.sort((a, b) => a.vm.created - b.vm.created || (a.canon < b.canon ? -1 : a.canon > b.canon ? 1 : 0) || a.n - b.n);
    let next = k;
    for (const v of all) {
      const n = next++;
      versions.set(n, v.vm);
      for (const copy of [v, v.twin]) {
        if (copy && copy.n !== n) renumbered.push({ side: copy.side, from: copy.n, to: n, blob: copy.oid });
      }
      if (v.vm.destroyed) continue;
      const inPlace = [v, v.twin].filter((c): c is TailVersion => !!c && c.n === n && !!c.oid).map((c) => c.oid!);
      if (inPlace.length > 0) blobs.set(n, { oid: inPlace.sort()[0]! });
      else if (v.data !== undefined) blobs.set(n, { reseal: v.data });
    }
    current = next - 1;
  }

  const meta: KeyMetadata = {
    key: o.key,
    versions,
    currentVersion: current,
    oldestVersion: Math.max(o.oldestVersion, t.oldestVersion),
    created: Math.min(o.created, t.created),
    updated: Math.max(o.updated, t.updated),
    ...settings,
  };
  // Renumbered versions were, in effect, written by this merge: the write-time window applies
  // (reference §5). Without renumbering neither side wrote anything new, so nothing more is trimmed.
  if (renumbering) {
    const max = effectiveMaxVersions(meta, input.mountConfig);
    if (meta.currentVersion - meta.oldestVersion >= max) meta.oldestVersion = meta.currentVersion - max + 1;
  }
  for (const n of [...meta.versions.keys()]) {
    if (n < meta.oldestVersion) {
      meta.versions.delete(n);
      blobs.delete(n);
    }
  }
  for (const [n, v] of meta.versions) if (v.destroyed) blobs.delete(n);
  return { kind: 'merged', meta, blobs, renumbered };
}
