import type { CommandResult } from '../output/result';
import { envelope, rawField } from './envelope';

/**
 * What put, patch and rollback print for a new version (kv_put.go): the secret path and the
 * version's metadata in table format, the envelope in json and yaml, a metadata field for -field.
 */
export function versionResult(full: string, metadata: Record<string, unknown>, warnings: string[] = []): CommandResult {
  const env = envelope(metadata, warnings);
  return {
    data: env,
    envelope: true,
    warnings,
    table: [
      { kind: 'path', title: 'Secret Path', path: full },
      { kind: 'section', title: 'Metadata', map: metadata },
    ],
    field: (name) => rawField(env, name),
  };
}
