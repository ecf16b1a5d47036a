/**
 * Durability (docs/FORMAT.md §4.3): a write's objects reach the disk before the ref that names
 * them, the ref before the write is acknowledged; a destroy's pack and journal before refs move,
 * and the moved refs before any old object is removed. A power loss cannot be staged in a test, so
 * the real CLI runs under strace and the order of its fsync, rename and unlink calls is checked.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Layout } from '@kvgit/core';
import { KVGIT_BIN, cliStore, runProcess, type CliStore } from '../helpers/cli';

interface Call {
  name: string;
  /** Paths of the arguments: the file an fd names (strace -y), or the quoted paths. */
  paths: string[];
}

/** Runs kvgit under strace; returns its file system calls in the order they were made. */
async function traced(t: CliStore, args: string[]): Promise<Call[]> {
  const out = join(t.root, `strace-${Date.now()}.txt`);
  const r = await runProcess('strace', ['-f', '-y', '-qq', '-o', out, '-e', 'trace=fsync,fdatasync,rename,renameat,renameat2,unlink,unlinkat', process.execPath, KVGIT_BIN, ...args], { cwd: t.repo, env: t.env });
  assert.equal(r.code, 0, `kvgit ${args.join(' ')} under strace: ${r.stderr}`);
  const calls: Call[] = [];
  for (const line of readFileSync(out, 'utf8').split('\n')) {
    // "1234 fsync(20</a/b.lock>) = 0", "1234 rename("/a", "/b") = 0", or the start of an unfinished call.
    const m = /^\d+\s+(\w+)\((.*)/.exec(line);
    if (!m || line.includes(' resumed>')) continue;
    const paths = [...m[2]!.matchAll(/<([^>]+)>|"([^"]*)"/g)].map((p) => p[1] ?? p[2]!);
    calls.push({ name: m[1]!, paths });
  }
  return calls;
}

const isRename = (c: Call) => c.name.startsWith('rename');
const isUnlink = (c: Call) => c.name.startsWith('unlink');
const isSync = (c: Call) => c.name === 'fsync' || c.name === 'fdatasync';
const renameSource = (c: Call) => c.paths[c.paths.length - 2]!;
const renameTarget = (c: Call) => c.paths[c.paths.length - 1]!;

/** Each rename into `where` is of a file flushed before it; returns the renames' positions. */
function flushedBeforeRename(calls: Call[], where: RegExp): number[] {
  const at: number[] = [];
  calls.forEach((c, i) => {
    if (!isRename(c) || !where.test(renameTarget(c))) return;
    const flushed = calls.slice(0, i).some((s) => isSync(s) && s.paths[0] === renameSource(c));
    assert.ok(flushed, `${renameSource(c)} was renamed to ${renameTarget(c)} without an fsync first`);
    at.push(i);
  });
  return at;
}

/** Where `dir` is flushed after position `after`; fails when it is not. */
function dirFlushedAfter(calls: Call[], dir: string, after: number): number {
  const i = calls.findIndex((c, j) => j > after && isSync(c) && c.paths[0] === dir);
  assert.ok(i > after, `${dir} is not flushed after call ${after}`);
  return i;
}

for (const layout of ['directory', 'branch'] as Layout[]) {
  describe(`durability: the order of writes to disk (${layout} layout)`, function () {
    this.timeout(120_000);
    let t: CliStore;
    let gitdir: string;
    let ref: string;
    before(async () => {
      t = await cliStore({ layout });
      gitdir = join(t.repo, '.git');
      ref = layout === 'branch' ? 'kvgit' : execFileSync('git', ['symbolic-ref', '--short', 'HEAD'], { cwd: t.repo, encoding: 'utf8' }).trim();
      await t.store.writeData('secret', 'app/db', { data: { password: 'one' } });
    });
    after(() => t.cleanup());

    it('put: every object flushed before it is named, the ref flushed and its folder synced before kvgit exits', async () => {
      const calls = await traced(t, ['kv', 'put', 'secret/app/db', 'password=two']);
      const objects = flushedBeforeRename(calls, new RegExp(`^${gitdir}/objects/`));
      assert.ok(objects.length >= 5, `${objects.length} objects written (a blob, metadata, trees, a commit)`);
      const [refMove] = flushedBeforeRename(calls, new RegExp(`^${gitdir}/refs/heads/${ref}$`));
      assert.ok(refMove !== undefined, 'the ref was moved through its lock');
      assert.ok(objects.every((i) => i < refMove), 'every object is in place before the ref moves');
      dirFlushedAfter(calls, `${gitdir}/refs/heads`, refMove);
    });

    it('destroy: journal and new pack first, then the refs, synced, and only then old objects removed', async () => {
      const calls = await traced(t, ['kv', 'destroy', '-versions=1', '-y', 'secret/app/db']);
      const [journal] = flushedBeforeRename(calls, new RegExp(`^${gitdir}/kvgit-purge\\.json$`));
      assert.ok(journal !== undefined, 'the purge journal was written');
      const journalSynced = dirFlushedAfter(calls, gitdir, journal);
      const packs = flushedBeforeRename(calls, new RegExp(`^${gitdir}/objects/pack/pack-[0-9a-f]+\\.(pack|idx)$`));
      assert.ok(packs.length >= 2 && packs.every((i) => i > journalSynced), 'the rewritten history goes into a pack after the journal');
      const packSynced = dirFlushedAfter(calls, `${gitdir}/objects/pack`, packs[1]!);
      // The destroy's own commit (the version marked destroyed) moves the ref once before the
      // rewrite does; every object of either is flushed before it is in place.
      flushedBeforeRename(calls, new RegExp(`^${gitdir}/objects/`));
      const refMoves = flushedBeforeRename(calls, new RegExp(`^${gitdir}/(refs/|packed-refs$)`)).filter((i) => i > packSynced);
      assert.ok(refMoves.length >= 1, 'the rewrite moves the ref after its pack is in place');
      const lastRef = refMoves[refMoves.length - 1]!;
      const refsSynced = dirFlushedAfter(calls, `${gitdir}/refs/heads`, lastRef);
      const removed = calls.map((c, i) => ({ c, i })).filter(({ c }) => isUnlink(c) && c.paths.some((p) => p.startsWith(`${gitdir}/objects/`)));
      assert.ok(removed.length >= 1, 'old objects were removed');
      for (const { c, i } of removed) assert.ok(i > refsSynced, `${c.paths.join(' ')} was removed before the moved refs were on disk`);
    });
  });
}
