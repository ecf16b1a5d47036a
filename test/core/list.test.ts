/** metadata LIST and SCAN, and detailed-metadata (reference §4.15–4.17). */
import assert from 'node:assert/strict';
import { NOT_FOUND, rejects, sharedStore } from '../helpers/kv';

describe('core: list, scan, detailed metadata', () => {
  const s = sharedStore();

  async function mountWith(keys: string[]): Promise<string> {
    const m = await s.mount();
    for (const k of keys) await s.store.writeData(m, k, { data: { k } });
    return m;
  }

  describe('list (§4.15)', () => {
    it('lists direct children sorted, folders ending in "/"; a key and a folder of the same name appear twice', async () => {
      const m = await mountWith(['foo', 'foo/bar', 'b', 'a/x/y', 'c']);
      assert.deepEqual(await s.store.list(m), ['a/', 'b', 'c', 'foo', 'foo/']);
      assert.deepEqual(await s.store.list(m, 'foo/'), ['bar']);
      assert.deepEqual(await s.store.list(m, 'a/'), ['x/']);
      assert.deepEqual(await s.store.list(m, 'a/x/'), ['y']);
    });

    it('takes the folder with or without its trailing slash, and "" as the mount root', async () => {
      const m = await mountWith(['dir/one', 'dir/two']);
      assert.deepEqual(await s.store.list(m, 'dir'), ['one', 'two']);
      assert.deepEqual(await s.store.list(m, 'dir/'), ['one', 'two']);
      assert.deepEqual(await s.store.list(m, ''), ['dir/']);
    });

    it('sorts bytewise', async () => {
      const m = await mountWith(['b', 'B', 'a-b', 'a/c', 'a', 'é', 'z', '_', '0']);
      assert.deepEqual(await s.store.list(m), ['0', 'B', '_', 'a', 'a-b', 'a/', 'b', 'z', 'é']);
    });

    it('is a 404 without a body for an empty mount, a missing folder and a leaf key', async () => {
      const m = await s.mount();
      await rejects(s.store.list(m), NOT_FOUND);
      await s.store.writeData(m, 'leaf', { data: {} });
      await rejects(s.store.list(m, 'missing/'), NOT_FOUND);
      await rejects(s.store.list(m, 'leaf'), NOT_FOUND);
      await rejects(s.store.list(m, 'leaf/'), NOT_FOUND);
    });

    it('still lists keys whose versions are all deleted or destroyed, and metadata-only keys', async () => {
      const m = await mountWith(['deleted', 'destroyed']);
      await s.store.deleteLatest(m, 'deleted');
      await s.store.destroyVersions(m, 'destroyed', { versions: [1] });
      await s.store.writeMetadata(m, 'meta-only', { custom_metadata: { a: 'b' } });
      assert.deepEqual(await s.store.list(m), ['deleted', 'destroyed', 'meta-only']);
    });

    it('pages with after (exclusive, need not exist) and limit', async () => {
      const m = await mountWith(['a', 'b', 'b/x', 'c', 'd', 'e']);
      assert.deepEqual(await s.store.list(m, '', { after: 'b' }), ['b/', 'c', 'd', 'e']);
      assert.deepEqual(await s.store.list(m, '', { after: 'b/' }), ['c', 'd', 'e']);
      assert.deepEqual(await s.store.list(m, '', { after: 'bb' }), ['c', 'd', 'e']);
      assert.deepEqual(await s.store.list(m, '', { limit: 2 }), ['a', 'b']);
      assert.deepEqual(await s.store.list(m, '', { after: 'a', limit: 2 }), ['b', 'b/']);
      assert.deepEqual(await s.store.list(m, '', { limit: 0 }), ['a', 'b', 'b/', 'c', 'd', 'e']);
      assert.deepEqual(await s.store.list(m, '', { limit: -3 }), ['a', 'b', 'b/', 'c', 'd', 'e']);
      assert.deepEqual(await s.store.list(m, '', { limit: '2' }), ['a', 'b']);
      await rejects(s.store.list(m, '', { after: 'e' }), NOT_FOUND);
    });

    it('walks every entry exactly once when paging', async () => {
      const keys = Array.from({ length: 11 }, (_, i) => `k${String(i).padStart(2, '0')}`);
      const m = await mountWith([...keys, 'k03/sub']);
      const all = await s.store.list(m);
      const paged: string[] = [];
      let after = '';
      for (;;) {
        let page: string[];
        try {
          page = await s.store.list(m, '', { after, limit: 4 });
        } catch {
          break;
        }
        paged.push(...page);
        after = page[page.length - 1]!;
      }
      assert.deepEqual(paged, all);
      assert.equal(all.length, 12);
    });

    it('refuses a limit that is not an integer', async () => {
      const m = await mountWith(['a']);
      await rejects(s.store.list(m, '', { limit: 'ten' }), { code: 'ERR_INVALID_REQUEST', status: 400, message: /^Field validation failed: error converting input for field "limit": / });
    });

    it('refuses "." and ".." segments in the folder', async () => {
      const m = await mountWith(['a/b']);
      await rejects(s.store.list(m, 'a/../'), { code: 'ERR_INVALID_REQUEST', status: 400, message: 'relative paths not supported' });
    });
  });

  describe('scan (§4.16)', () => {
    it('lists every leaf key below the folder, relative to it, without folder entries', async () => {
      const m = await mountWith(['a', 'dir/b', 'dir/sub/c', 'dir/sub/deeper/d', 'dir', 'other/e']);
      assert.deepEqual([...(await s.store.scan(m))].sort(), ['a', 'dir', 'dir/b', 'dir/sub/c', 'dir/sub/deeper/d', 'other/e']);
      assert.deepEqual([...(await s.store.scan(m, 'dir/'))].sort(), ['b', 'sub/c', 'sub/deeper/d']);
      assert.deepEqual([...(await s.store.scan(m, 'dir'))].sort(), ['b', 'sub/c', 'sub/deeper/d']);
    });

    it('answers an empty list for an empty folder or mount', async () => {
      const m = await s.mount();
      assert.deepEqual(await s.store.scan(m), []);
      await s.store.writeData(m, 'leaf', { data: {} });
      assert.deepEqual(await s.store.scan(m, 'nothing/'), []);
    });
  });

  describe('detailed metadata (§4.17)', () => {
    it('lists keys with key_info equal to each key\'s metadata read, and {} for folders', async () => {
      const m = await mountWith(['a', 'sub/b']);
      await s.store.writeMetadata(m, 'a', { custom_metadata: { team: 'x' } });
      const r = await s.store.detailedMetadata(m);
      assert.deepEqual(r, { keys: ['a', 'sub/'], key_info: { a: await s.store.readMetadata(m, 'a'), 'sub/': {} } });
    });

    it('scans recursively with metadata for every leaf', async () => {
      const m = await mountWith(['a', 'sub/b', 'sub/c/d']);
      const r = await s.store.detailedMetadata(m, '', {}, true);
      assert.deepEqual([...r.keys].sort(), ['a', 'sub/b', 'sub/c/d']);
      for (const k of r.keys) assert.deepEqual(r.key_info![k], await s.store.readMetadata(m, k));
    });

    it('lists a sub-folder with keys relative to it, and pages like list', async () => {
      const m = await mountWith(['sub/a', 'sub/b', 'sub/c']);
      const r = await s.store.detailedMetadata(m, 'sub/', { after: 'a', limit: 1 });
      assert.deepEqual(r, { keys: ['b'], key_info: { b: await s.store.readMetadata(m, 'sub/b') } });
    });

    it('is a 404 when the list is empty; an empty scan has keys [] and no key_info', async () => {
      const m = await s.mount();
      await rejects(s.store.detailedMetadata(m), NOT_FOUND);
      assert.deepEqual(await s.store.detailedMetadata(m, '', {}, true), { keys: [] });
    });
  });
});
