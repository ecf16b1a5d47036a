/** Vault's response envelope (api.Secret) and its -field lookup (command/util.go#RawField). */
import { ownValue } from '@kvgit/core/json';
import { randomUUID } from 'node:crypto';
import type { Envelope, FieldLookup } from '../output/result';

export function envelope(data: unknown, warnings: string[] = []): Envelope {
  return {
    request_id: randomUUID(),
    lease_id: '',
    lease_duration: 0,
    renewable: false,
    data,
    warnings: warnings.length > 0 ? warnings : null,
    mount_type: 'kv',
  };
}

/** RawField: the envelope's own fields by name, `data` itself, else a key of `data`. */
export function rawField(e: Envelope, name: string): FieldLookup {
  const data = (e.data ?? {}) as Record<string, unknown>;
  switch (name) {
    case 'lease_duration':
    case 'refresh_interval':
      return { value: e.lease_duration };
    case 'lease_id':
      return { value: e.lease_id };
    case 'request_id':
      return { value: e.request_id };
    case 'renewable':
      return { value: e.renewable };
    case 'data':
      return { value: Object.prototype.hasOwnProperty.call(data, 'data') ? data.data : data };
    default:
      return { value: ownValue(data, name) };
  }
}
