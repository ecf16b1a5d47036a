/** Files of front ends under ext/ (docs/FORMAT.md §2.2): text in a MACed record. */
import { KvgitError } from '../errors';
import { utf8 } from '../bytes/json';
import { decodeRecord, encodeRecord, field, isString } from './records';

export const EXT_KIND = 'ext/1';

export function encodeExtFile(content: Uint8Array, path: string, macKey: Uint8Array): Uint8Array {
  let text: string;
  try {
    text = utf8.decode(content);
  } catch {
    throw new KvgitError('ERR_INVALID_REQUEST', `ext/${path} must be UTF-8 text`);
  }
  return encodeRecord(EXT_KIND, { path, content: text }, macKey, `ext ${path}`);
}

export function decodeExtFile(bytes: Uint8Array, path: string, macKey: Uint8Array, file: string): Uint8Array {
  const r = decodeRecord(bytes, EXT_KIND, macKey, `ext ${path}`, file, 'ERR_EXT_TAMPERED');
  return utf8.encode(field(r, 'content', isString, file));
}
