/**
 * kvgit's exit codes. 0, 1 and 2 mean what they mean for `vault kv`, so scripts written for it keep
 * working; the others are for what Vault does not have. Never renumber: scripts depend on them.
 * docs/CLI.md prints this table (from EXIT_CODE_TABLE).
 */
export const EXIT = {
  /** Success. */
  OK: 0,
  /** Usage or local input error: bad flags or arguments, unreadable data files, bad names. */
  USAGE: 1,
  /** Not found, and every error Vault reports as an API error (HTTP 4xx: CAS mismatch, invalid request…). */
  API: 2,
  /** No identity found, or none of the identities found belongs to a member of the store. */
  NO_IDENTITY: 3,
  /** A file failed its integrity check, cannot be decrypted, or is damaged. */
  INTEGRITY: 4,
  /** Another process held the store's lock for too long (KVGIT_LOCK_TIMEOUT). */
  LOCK_TIMEOUT: 5,
  /** Store files have uncommitted edits, the branch moved meanwhile, or git is mid-merge/rebase or detached. */
  STORE_STATE: 6,
  /** A confirmation prompt was answered no, or could not be asked (not a terminal, no -y). */
  CONFIRMATION_REFUSED: 7,
  /** No kvgit store here (or one already exists where `init` was asked to make one). */
  NOT_A_STORE: 8,
  /** `kvgit check` found a required secret missing, deleted, destroyed, incomplete or about to expire. */
  CHECK_FAILED: 9,
  /** An unexpected internal error: a bug in kvgit. */
  INTERNAL: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODE_TABLE: Array<{ code: number; meaning: string }> = [
  { code: EXIT.OK, meaning: 'Success.' },
  { code: EXIT.USAGE, meaning: 'Usage or local input error: unknown flag, wrong number of arguments, unreadable data file, invalid environment variable name (as `vault kv`).' },
  { code: EXIT.API, meaning: 'Not found, and every error Vault reports as an API error: CAS mismatch, invalid request, missing mount… (as `vault kv`).' },
  { code: EXIT.NO_IDENTITY, meaning: 'No identity found (KVGIT_IDENTITY, KVGIT_IDENTITY_FILE, KVGIT_PASSPHRASE, the config folder), or none of them belongs to a member.' },
  { code: EXIT.INTEGRITY, meaning: 'Integrity failure: a file was tampered with, cannot be decrypted with the store key, or is damaged.' },
  { code: EXIT.LOCK_TIMEOUT, meaning: 'The store lock was held by another process for longer than KVGIT_LOCK_TIMEOUT (default 30s).' },
  { code: EXIT.STORE_STATE, meaning: 'Store files have uncommitted edits in the work tree, the branch moved during the write, or git is detached or mid-merge/rebase.' },
  { code: EXIT.CONFIRMATION_REFUSED, meaning: 'A confirmation was refused, or could not be asked (stdin is not a terminal and -y was not given).' },
  { code: EXIT.NOT_A_STORE, meaning: 'No kvgit store at or above the folder (or `init` found one already).' },
  { code: EXIT.CHECK_FAILED, meaning: '`kvgit check`: a required secret is missing, deleted, destroyed, lacks a field, or expires soon.' },
  { code: EXIT.INTERNAL, meaning: 'Internal error (a bug in kvgit; please report it).' },
];
