import type { Input } from '../command';
import { usageError } from '../errors';
import { stringFlag } from './flags';

/** list and scan take one optional PATH when -mount names the mount (kv_list.go). */
export function listArg(input: Input): string {
  if (input.args.length > 1) throw usageError(`Too many arguments (expected 1, got ${input.args.length})`);
  if (input.args.length === 0) {
    if (!stringFlag(input, 'mount')) throw usageError('Not enough arguments (expected 1, got 0)');
    return '';
  }
  return input.args[0]!;
}
