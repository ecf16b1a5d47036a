/**
 * The audit log: kvgit's commits, read back from their trailers. It is derived from the history
 * each time, so it stays correct after a history rewrite (destroy) or a merge.
 */
import type { Operation } from '../kv/model';
import type { ObjectStore } from '../storage/objects';
import { parseCommit } from '../storage/objects';
import { parseTrailers } from './message';

export interface LogEntry {
  commit: string;
  author: { name: string; email: string };
  /** RFC 3339, from the author date. */
  time: string;
  operation: string;
  mount: string;
  path?: string;
  versions: number[];
  removed: number[];
}

export interface LogFilter {
  /** Mount path ("secret/" or "secret"). */
  mount?: string;
  /** A key, or with `prefix` a folder prefix. */
  path?: string;
  prefix?: boolean;
  limit?: number;
}

function parseSignature(sig: string): { name: string; email: string; time: string } {
  const m = /^(.*) <([^>]*)> (\d+) ([+-]\d{4})$/.exec(sig);
  if (!m) return { name: sig, email: '', time: '' };
  return { name: m[1]!, email: m[2]!, time: new Date(Number(m[3]) * 1000).toISOString().replace('.000Z', 'Z') };
}

function matches(op: Operation, filter: LogFilter): boolean {
  if (filter.mount !== undefined) {
    const mount = filter.mount.endsWith('/') ? filter.mount : `${filter.mount}/`;
    if (op.mount !== mount) return false;
  }
  if (filter.path !== undefined && filter.path !== '') {
    if (op.path === undefined) return false;
    if (filter.prefix ? !op.path.startsWith(filter.path) : op.path !== filter.path) return false;
  }
  return true;
}

/** Newest first; walks every parent, so merged store commits are included. */
export async function readLog(objects: ObjectStore, head: string | undefined, filter: LogFilter = {}): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  if (!head) return out;
  const seen = new Set<string>([head]);
  const queue: Array<{ oid: string; time: number }> = [];
  const load = async (oid: string) => {
    const c = parseCommit((await objects.read(oid)).content);
    const t = /(\d+) [+-]\d{4}$/.exec(c.committer);
    return { oid, commit: c, time: t ? Number(t[1]) : 0 };
  };
  let next: Awaited<ReturnType<typeof load>> | undefined = await load(head);
  const pending = new Map<string, Awaited<ReturnType<typeof load>>>();
  while (next) {
    const { oid, commit } = next;
    const author = parseSignature(commit.author);
    for (const op of parseTrailers(commit.message)) {
      if (!matches(op, filter)) continue;
      out.push({
        commit: oid,
        author: { name: author.name, email: author.email },
        time: author.time,
        operation: op.op,
        mount: op.mount,
        path: op.path,
        versions: op.versions ?? [],
        removed: op.removed ?? [],
      });
      if (filter.limit && out.length >= filter.limit) return out;
    }
    for (const p of commit.parents) {
      if (seen.has(p)) continue;
      seen.add(p);
      const loaded = await load(p);
      pending.set(p, loaded);
      queue.push({ oid: p, time: loaded.time });
    }
    queue.sort((a, b) => b.time - a.time);
    const first = queue.shift();
    next = first ? pending.get(first.oid) : undefined;
    if (first) pending.delete(first.oid);
  }
  return out;
}
