import { ownValue } from '@kvgit/core/json';
import type { Store } from '@kvgit/core';
import { defineCommand } from '../command';
import { ContextError, isCoreError, usageError } from '../errors';
import { EXIT } from '../exitCodes';
import { MOUNT_FLAG, durationFlag, stringFlag } from '../kv/flags';
import { type KvPath, apiPath, resolveKvPath } from '../kv/path';

interface Finding {
  path: string;
  version: number | null;
  ok: boolean;
  status: string;
}

export default defineCommand({
  name: 'check',
  group: 'deploy',
  complete: 'paths',
  summary: 'Fails when a required secret is missing, deleted or about to expire',
  usage: 'check [options] PATH...',
  description:
    'Checks that each secret (a key, or every key below a folder ending in "/") has a readable latest version: ' +
    'not missing, deleted or destroyed, holding every -fields key with a non-empty value, and not scheduled for ' +
    'deletion within -expiring-within. Prints one line per secret and exits 9 when any check fails: put it at ' +
    'the start of a pre-deploy hook.',
  examples: [
    { cmd: 'kvgit check secret/app/db secret/app/api' },
    { cmd: 'kvgit check -fields=user,password -expiring-within=168h secret/app/db', text: 'Required fields, and no deletion scheduled within a week:' },
  ],
  flags: [
    { name: 'fields', type: 'strings', placeholder: 'key,...', usage: 'Data keys every secret must have, with a non-empty value (comma-separated, or the flag repeated).' },
    { name: 'expiring-within', type: 'duration', default: '24h', placeholder: 'duration', usage: 'Fail when the latest version is scheduled for deletion (delete_version_after) within this time.' },
    MOUNT_FLAG,
  ],

  async run(ctx, input) {
    if (input.args.length === 0) throw usageError('Not enough arguments (expected at least 1 PATH, got 0)');
    const fields = ((input.flags.fields as string[] | undefined) ?? []).flatMap((f) => f.split(',')).map((f) => f.trim()).filter((f) => f !== '');
    const within = (await durationFlag(input, 'expiring-within')) ?? 24 * 3600;
    const store = await ctx.openStore();
    const findings: Finding[] = [];
    for (const arg of input.args) {
      const base = await resolveKvPath(store, arg, stringFlag(input, 'mount'));
      if (base.key === '' || arg.endsWith('/')) {
        const keys = await store.scan(base.mount.path, base.key);
        if (keys.length === 0) findings.push({ path: apiPath(base, 'data'), version: null, ok: false, status: 'no keys below this folder' });
        for (const k of keys) findings.push(await checkOne(store, { ...base, key: base.key === '' ? k : `${base.key}/${k}` }, fields, within));
      } else findings.push(await checkOne(store, base, fields, within));
    }
    const ok = findings.every((f) => f.ok);
    return {
      data: findings,
      table: [{ kind: 'columns', headers: ['Path', 'Version', 'Status'], rows: findings.map((f) => [f.path, f.version ?? '', f.status]) }],
      exitCode: ok ? EXIT.OK : EXIT.CHECK_FAILED,
    };
  },
});

async function checkOne(store: Store, path: KvPath, fields: string[], withinSeconds: number): Promise<Finding> {
  const full = apiPath(path, 'data');
  let data: Record<string, unknown>;
  let version: number | null = null;
  let deletion = '';
  try {
    if (path.v2) {
      const r = await store.readData(path.mount.path, path.key);
      data = r.data;
      version = r.metadata.version;
      deletion = r.metadata.deletion_time;
    } else data = await store.v1Read(path.mount.path, path.key);
  } catch (e) {
    if (!isCoreError(e, 'ERR_NOT_FOUND')) throw new ContextError(`Error reading ${full}`, e);
    const meta = (e.details.data as { metadata?: { version: number; destroyed: boolean } } | undefined)?.metadata;
    if (!meta) return { path: full, version: null, ok: false, status: 'missing' };
    return { path: full, version: meta.version, ok: false, status: meta.destroyed ? 'destroyed' : 'deleted' };
  }
  const absent = fields.filter((f) => [undefined, null, ''].includes(ownValue(data, f) as string | null | undefined));
  if (absent.length > 0) return { path: full, version, ok: false, status: `missing field${absent.length > 1 ? 's' : ''} ${absent.join(', ')}` };
  if (deletion !== '' && Date.parse(deletion) <= Date.now() + withinSeconds * 1000) return { path: full, version, ok: false, status: `expires ${deletion}` };
  return { path: full, version, ok: true, status: deletion !== '' ? `ok (expires ${deletion})` : 'ok' };
}
