import type { CommandResult } from '../output/result';

/** kv_list.go's output: `Keys` and the sorted keys in a table; the bare keys array in json and yaml. */
export function keysResult(keys: string[]): CommandResult {
  return { data: keys, table: [{ kind: 'columns', headers: ['Keys'], rows: keys.map((k) => [k]) }] };
}

/** Nothing there: an error on stderr in table format, `{}` on stdout in json and yaml; exit 2 both ways. */
export function noKeysResult(message: string): CommandResult {
  return { data: {}, table: [{ kind: 'error', text: message }], exitCode: 2 };
}
