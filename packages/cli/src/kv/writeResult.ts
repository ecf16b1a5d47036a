import type { CommandResult } from '../output/result';
import { envelope } from './envelope';

/**
 * A write Vault answers with 204 prints `Success! …` in table format and nothing in json/yaml; one
 * answered with warnings prints them (and the envelope, whose data is null).
 */
export function writeResult(message: string, warnings: string[] = []): CommandResult {
  if (warnings.length > 0) return { data: envelope(null, warnings), envelope: true, warnings, table: [] };
  return { table: [{ kind: 'text', text: message }] };
}
