/**
 * Commit messages: a subject naming the operation, mount, path and versions, and trailers that
 * `log` (and any script using `git interpret-trailers`) reads back (docs/FORMAT.md §Commits).
 */
import type { Operation } from '../kv/model';

export function commitMessage(ops: Operation[]): string {
  const subject = ops.map((o) => {
    const where = `${o.mount}${o.path ?? ''}`;
    const v = o.versions && o.versions.length > 0 ? ` v${o.versions.join(',')}` : '';
    return `${o.op} ${where}${v}`;
  }).join('; ');
  const trailers: string[] = [];
  for (const o of ops) {
    trailers.push(`Kvgit-Operation: ${o.op}`);
    trailers.push(`Kvgit-Mount: ${o.mount}`);
    if (o.path !== undefined) trailers.push(`Kvgit-Path: ${o.path.replace(/\n/g, '\\n')}`);
    if (o.versions && o.versions.length > 0) trailers.push(`Kvgit-Versions: ${o.versions.join(',')}`);
    if (o.removed && o.removed.length > 0) trailers.push(`Kvgit-Removed: ${o.removed.join(',')}`);
  }
  return `kvgit: ${subject.replace(/\n/g, '\\n')}\n\n${trailers.join('\n')}\n`;
}

export function parseTrailers(message: string): Operation[] {
  const ops: Operation[] = [];
  let cur: Operation | undefined;
  for (const line of message.split('\n')) {
    const m = /^Kvgit-([A-Za-z]+): (.*)$/.exec(line);
    if (!m) continue;
    const [, k, v] = m as unknown as [string, string, string];
    if (k === 'Operation') {
      cur = { op: v, mount: '' };
      ops.push(cur);
    } else if (cur) {
      if (k === 'Mount') cur.mount = v;
      else if (k === 'Path') cur.path = v.replace(/\\n/g, '\n');
      else if (k === 'Versions') cur.versions = v.split(',').map(Number);
      else if (k === 'Removed') cur.removed = v.split(',').map(Number);
    }
  }
  return ops;
}
