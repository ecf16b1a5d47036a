/**
 * The git diff driver (`diff.kvgit.textconv = kvgit textconv`): git hands it one side of a diff as
 * a temporary file and diffs the text it prints. For a version blob a member can open, the text
 * names the secret and lists its fields, each marked against the previous version (new, changed,
 * unchanged; removed fields too), so `git diff` and `git log -p` show which fields a version
 * changed. Values are shown only when KVGIT_DIFF_VALUES=1 asks for them: a diff is easily pasted
 * or logged, and field names plus "changed" answer most review questions. Without values each
 * field carries a keyed fingerprint (HMAC with a key derived from the store key), so two
 * different values never look alike in a diff while revealing nothing to whoever lacks the key.
 *
 * Anyone else (no identity, not a member, a blob sealed to an older store key, a keyring entry)
 * sees only the ciphertext's id: the diff shows that the ciphertext changed and nothing more.
 * Anything that is not an age file passes through unchanged. It never prompts, never waits for
 * the store's lock and never writes a file; git must never cache its output either
 * (diff.kvgit.cachetextconv stays false: the cache is a git object).
 */
import { promises as fsp } from 'node:fs';
import { KvgitError } from '../errors';
import { canonicalJson, utf8 } from '../bytes/json';
import { deriveKey, mac, openWithIdentity } from '../crypto/age';
import { authenticBlobPayload } from '../format/blob';
import { decodeMounts } from '../format/mounts';
import { MOUNTS_FILE, versionFile } from '../format/paths';
import type { StoreKey } from '../keys/keyring';
import type { Mount, SecretData } from '../kv/model';
import { GitStorage, type Snapshot, blobOid } from '../storage/git';
import { locateStore } from '../store/locate';
import { KeyChain } from './keys';

const AGE_INTRO = utf8.encode('age-encryption.org/v1\n');

export function isAgeFile(bytes: Uint8Array): boolean {
  return bytes.length >= AGE_INTRO.length && AGE_INTRO.every((b, i) => bytes[i] === b);
}

export interface TextconvOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

/** The text git diffs for one side: bytes unchanged for what is not an age file. */
export async function textconv(file: string, options: TextconvOptions): Promise<Uint8Array> {
  const bytes = new Uint8Array(await fsp.readFile(file));
  if (!isAgeFile(bytes)) return bytes;
  return utf8.encode(await describeAgeFile(bytes, options));
}

type Payload = NonNullable<ReturnType<typeof authenticBlobPayload>>;

async function describeAgeFile(bytes: Uint8Array, options: TextconvOptions): Promise<string> {
  const env = options.env ?? process.env;
  const cipher = `kvgit: age-encrypted file, ciphertext ${blobOid(bytes).slice(0, 12)} (${bytes.length} bytes)\n`;
  let snap: Snapshot;
  let key: StoreKey | undefined;
  try {
    snap = await new GitStorage(await locateStore(options.cwd), env).snapshot();
    key = await new KeyChain(env).keyFor(snap);
  } catch (e) {
    if (e instanceof KvgitError) return `${cipher}kvgit: fields not shown: ${e.code === 'ERR_NOT_A_STORE' ? 'no kvgit store here' : 'the store cannot be opened here'}\n`;
    throw e;
  }
  if (!key) return `${cipher}kvgit: fields not shown: no identity of a member of this store\n`;
  const plain = await openWithIdentity(key.identity, bytes);
  const payload = plain && authenticBlobPayload(plain, key.macKey);
  if (!payload) return `${cipher}kvgit: fields not shown: not a version of this store readable with its current key\n`;

  const mountsBytes = await snap.readFile(MOUNTS_FILE);
  const mounts = mountsBytes ? decodeMounts(mountsBytes, key.macKey) : new Map<string, Mount>();
  const mount = [...mounts.values()].find((m) => m.uuid === payload.mount);
  const name = `${mount?.path ?? `(mount ${payload.mount})`}${payload.key}`;
  const showValues = env.KVGIT_DIFF_VALUES === '1';
  const fp = fingerprinter(key, payload);

  if (payload.version === 0) {
    const lines = Object.keys(payload.data).sort().map((f) => field(f, payload.data[f], showValues, fp, ''));
    return `kvgit: ${name} (KV version 1 value)\n${lines.join('')}`;
  }
  // The previous version, as the store holds it now (versions never change; a destroyed or
  // trimmed one is gone): what each field is compared with.
  let previous: SecretData | undefined;
  let why = '';
  const prev = payload.version - 1;
  if (prev >= 1 && mount) {
    const prevBytes = await snap.readFile(versionFile(mount.path, payload.key, prev));
    const prevPlain = prevBytes && (await openWithIdentity(key.identity, prevBytes));
    const p = prevPlain && authenticBlobPayload(prevPlain, key.macKey);
    if (p && p.key === payload.key && p.mount === payload.mount && p.version === prev) previous = p.data;
    else why = ` (version ${prev} is not in the store to compare with)`;
  }
  const header = `kvgit: ${name} version ${payload.version}${why}\n`;
  const names = [...new Set([...Object.keys(payload.data), ...Object.keys(previous ?? {})])].sort();
  const lines = names.map((f) => {
    if (!(f in payload.data)) return `  ${f}: removed since version ${prev}\n`;
    let state = '';
    if (previous) state = !(f in previous) ? `new since version ${prev}` : canonicalJson(previous[f]) === canonicalJson(payload.data[f]) ? `unchanged since version ${prev}` : `changed since version ${prev}`;
    else if (payload.version === 1) state = 'new';
    return field(f, payload.data[f], showValues, fp, state);
  });
  return header + lines.join('');
}

function field(name: string, value: unknown, showValues: boolean, fp: (f: string, v: unknown) => string, state: string): string {
  if (showValues) return `  ${name} = ${JSON.stringify(value)}${state ? `  (${state})` : ''}\n`;
  return `  ${name}: ${state ? `${state} ` : ''}[${fp(name, value)}]\n`;
}

/** A keyed fingerprint of one field's value: equal values match, nothing else can be learned. */
function fingerprinter(key: StoreKey, p: Payload): (field: string, value: unknown) => string {
  const k = deriveKey(key.identity, 'diff-fingerprint');
  return (f, v) => Buffer.from(mac(k, utf8.encode(`${p.mount}\n${p.key}\n${f}\n${canonicalJson(v)}`))).toString('hex').slice(0, 8);
}
