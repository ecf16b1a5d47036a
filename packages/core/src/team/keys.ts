/**
 * The store key as the team tools need it: for any commit's keyring (the two sides of a merge, the
 * staged index, the blob a diff shows), from the environment's credentials only. Git runs drivers
 * and hooks without a terminal, so nothing here may ever ask for anything.
 */
import { KvgitError } from '../errors';
import { KEYRING_FILE } from '../format/paths';
import { firstServing, gatherCredentials } from '../keys/identity';
import { StoreKey, decodeKeyringUnverified, unwrapStoreKey, verifyKeyring } from '../keys/keyring';
import type { Snapshot } from '../storage/git';

/** Unlocks keyrings with one set of credentials; a key found once serves every snapshot sealed to it. */
export class KeyChain {
  private readonly byRecipient = new Map<string, StoreKey>();
  member: string | undefined;

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /**
   * The key of the snapshot's keyring, its MAC checked; undefined when the snapshot has no
   * keyring or none of the credentials belongs to one of its members.
   */
  async keyFor(snap: Snapshot): Promise<StoreKey | undefined> {
    const bytes = await snap.readFile(KEYRING_FILE);
    if (!bytes) return undefined;
    const keyring = decodeKeyringUnverified(bytes);
    let key = this.byRecipient.get(keyring.storeRecipient);
    if (!key) {
      const { found } = await firstServing({ env: this.env }, (creds) => unwrapStoreKey(keyring, creds, (f) => snap.readFile(f)).catch((e) => {
        // A damaged entry of another member must not stop us; our own would have matched first.
        if (e instanceof KvgitError && e.code === 'ERR_KEYRING_TAMPERED') return undefined;
        throw e;
      }));
      if (!found) return undefined;
      key = found.key;
      this.member ??= found.member;
      this.byRecipient.set(key.recipient, key);
    }
    verifyKeyring(bytes, key);
    return key;
  }

  /** Like keyFor, but a missing key is an error naming what was tried. */
  async requireKeyFor(snap: Snapshot, what: string): Promise<StoreKey> {
    const key = await this.keyFor(snap);
    if (key) return key;
    const { credentials, tried } = await gatherCredentials({ env: this.env });
    if (credentials.length === 0) {
      throw new KvgitError('ERR_NO_IDENTITY', `no identity found to open ${what}; tried ${tried.join(', ')}`, { hint: 'set KVGIT_IDENTITY or KVGIT_IDENTITY_FILE' });
    }
    throw new KvgitError('ERR_NOT_A_MEMBER', `none of the identities found belongs to a member of ${what}`, { hint: 'ask a member to run `kvgit members add`' });
  }
}
