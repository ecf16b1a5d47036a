/**
 * What a merge could not decide, as data: where, which field, and the three sides as text. The
 * sides are metadata (names, settings, version numbers, times), never secret values: a conflict
 * between two values of a secret shows their ciphertext ids only.
 */
export interface Conflict {
  /** The store item: "secret/app/db", "mounts.json", "keyring.json", "ext/acl.hcl", … */
  where: string;
  /** The part of it: "custom_metadata.owner", "max_versions", "version 3", "key", … */
  field: string;
  base: string;
  ours: string;
  theirs: string;
  message: string;
}

/** How a value is shown in a conflict: JSON, "(absent)" for undefined. */
export function show(v: unknown): string {
  return v === undefined ? '(absent)' : JSON.stringify(v);
}

/** Three-way choice of one value: the side that changed it wins; both changing it differently is a conflict. */
export function pick3<T>(
  base: T | undefined,
  ours: T | undefined,
  theirs: T | undefined,
  equal: (a: T | undefined, b: T | undefined) => boolean = (a, b) => a === b,
): { value: T | undefined } | { conflict: true } {
  if (equal(ours, theirs)) return { value: ours };
  if (equal(base, ours)) return { value: theirs };
  if (equal(base, theirs)) return { value: ours };
  return { conflict: true };
}
