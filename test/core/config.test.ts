/** config endpoint (reference §4.1–4.2) and the duration formats it reads and writes (§2.3). */
import assert from 'node:assert/strict';
import { HOUR, commitCount, rejects, rfc3339, sharedStore } from '../helpers/kv';

describe('core: config', () => {
  const s = sharedStore();

  it('a fresh mount reads max_versions 0, cas_required false, delete_version_after "0s"', async () => {
    const m = await s.mount();
    assert.deepEqual(await s.store.readConfig(m), { cas_required: false, delete_version_after: '0s', max_versions: 0 });
    assert.deepEqual(await s.store.readConfig('secret'), { cas_required: false, delete_version_after: '0s', max_versions: 0 });
  });

  it('writes the seed\'s sample payload', async () => {
    const m = await s.mount();
    await s.store.writeConfig(m, { max_versions: 5, cas_required: false, delete_version_after: '3h25m19s' });
    assert.deepEqual(await s.store.readConfig(m), { cas_required: false, delete_version_after: '3h25m19s', max_versions: 5 });
  });

  it('changes only the provided fields', async () => {
    const m = await s.mount();
    await s.store.writeConfig(m, { max_versions: 5, cas_required: true, delete_version_after: 60 });
    await s.store.writeConfig(m, { max_versions: 7 });
    assert.deepEqual(await s.store.readConfig(m), { cas_required: true, delete_version_after: '1m0s', max_versions: 7 });
    await s.store.writeConfig(m, { cas_required: false });
    assert.deepEqual(await s.store.readConfig(m), { cas_required: false, delete_version_after: '1m0s', max_versions: 7 });
  });

  it('with none of its fields is a no-op without a commit', async () => {
    const m = await s.mount();
    const before = commitCount(s.t);
    await s.store.writeConfig(m, {});
    await s.store.writeConfig(m, { something_else: 1 });
    assert.equal(commitCount(s.t), before);
    assert.deepEqual(await s.store.readConfig(m), { cas_required: false, delete_version_after: '0s', max_versions: 0 });
  });

  it('a negative delete_version_after disables it and reads "-1s"', async () => {
    const m = await s.mount();
    for (const v of [-1, '-1h', -3600, '-5s']) {
      await s.store.writeConfig(m, { delete_version_after: v });
      assert.equal((await s.store.readConfig(m)).delete_version_after, '-1s', `input ${v}`);
    }
  });

  it('follows upstream\'s sequence table: 10s→0s, 10s→-1h, -1h→3h, -1h→0h', async () => {
    const seqs: Array<[string, string, string]> = [['10s', '0s', '0s'], ['10s', '-1h', '-1s'], ['-1h', '3h', '3h0m0s'], ['-1h', '0h', '0s']];
    for (const [a, b, expected] of seqs) {
      const m = await s.mount();
      await s.store.writeConfig(m, { delete_version_after: a });
      await s.store.writeConfig(m, { delete_version_after: b });
      assert.equal((await s.store.readConfig(m)).delete_version_after, expected, `${a} → ${b}`);
    }
  });

  it('reads durations back in Go\'s Duration.String() form', async () => {
    const m = await s.mount();
    const cases: Array<[unknown, string]> = [
      [0, '0s'], [30, '30s'], [59, '59s'], [60, '1m0s'], [90, '1m30s'], [3599, '59m59s'], [3600, '1h0m0s'], [12319, '3h25m19s'],
      [86400, '24h0m0s'], [90061, '25h1m1s'], ['1d', '24h0m0s'], ['2d', '48h0m0s'], ['3600', '1h0m0s'], ['1.5h', '1h30m0s'],
      ['1h30m', '1h30m0s'], ['90m', '1h30m0s'], ['1500ms', '1s'], ['', '0s'],
    ];
    for (const [input, expected] of cases) {
      await s.store.writeConfig(m, { delete_version_after: input });
      assert.equal((await s.store.readConfig(m)).delete_version_after, expected, `input ${JSON.stringify(input)}`);
    }
  });

  it('refuses unparsable values with 400 Field validation failed', async () => {
    const m = await s.mount();
    for (const [field, value] of [['delete_version_after', 'later'], ['delete_version_after', '5x'], ['max_versions', 'ten'], ['cas_required', 'perhaps']] as const) {
      await rejects(s.store.writeConfig(m, { [field]: value }), { code: 'ERR_INVALID_REQUEST', status: 400, message: new RegExp(`^Field validation failed: error converting input for field "${field}": `) });
    }
    assert.deepEqual(await s.store.readConfig(m), { cas_required: false, delete_version_after: '0s', max_versions: 0 });
  });

  it('weakly decodes integers and booleans ("5", "true", 1)', async () => {
    const m = await s.mount();
    await s.store.writeConfig(m, { max_versions: '5', cas_required: 'true' });
    assert.deepEqual(await s.store.readConfig(m), { cas_required: true, delete_version_after: '0s', max_versions: 5 });
    await s.store.writeConfig(m, { cas_required: 0 });
    assert.equal((await s.store.readConfig(m)).cas_required, false);
  });

  it('refuses a negative max_versions with 400 (§10.2)', async () => {
    const m = await s.mount();
    await rejects(s.store.writeConfig(m, { max_versions: -1 }), { code: 'ERR_INVALID_REQUEST', status: 400 });
    assert.equal((await s.store.readConfig(m)).max_versions, 0);
  });

  it('never rewrites existing deletion times nor prunes at once', async () => {
    const m = await s.mount();
    const t = s.clock.now;
    for (let i = 0; i < 3; i++) await s.store.writeData(m, 'k', { data: { i } });
    await s.store.writeConfig(m, { max_versions: 1, delete_version_after: '1h' });
    const meta = await s.store.readMetadata(m, 'k');
    assert.deepEqual(Object.keys(meta.versions), ['1', '2', '3']);
    assert.equal(meta.versions['3']!.deletion_time, '');
    const r = await s.store.writeData(m, 'k', { data: {} });
    assert.equal(r.deletion_time, rfc3339(t + HOUR));
    assert.deepEqual(Object.keys((await s.store.readMetadata(m, 'k')).versions), ['4']);
  });

  it('each mount has its own config', async () => {
    const a = await s.mount();
    const b = await s.mount();
    await s.store.writeConfig(a, { max_versions: 3, cas_required: true });
    assert.deepEqual(await s.store.readConfig(b), { cas_required: false, delete_version_after: '0s', max_versions: 0 });
    assert.equal((await s.store.writeData(b, 'k', { data: {} })).version, 1);
  });

  it('is refused on a missing mount with a 404 route error', async () => {
    await rejects(s.store.readConfig('nowhere'), { code: 'ERR_NO_ROUTE', status: 404 });
    await rejects(s.store.writeConfig('nowhere', { max_versions: 1 }), { code: 'ERR_NO_ROUTE', status: 404 });
  });
});
