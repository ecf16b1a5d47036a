import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { tempStore } from '../helpers/temp';

describe('core smoke', () => {
  it('writes, reads and commits a secret in a directory-layout store', async () => {
    const t = await tempStore();
    try {
      await t.store.writeData('secret', 'app/db', { data: { password: 'p1' } });
      const r = await t.store.readData('secret', 'app/db');
      assert.deepEqual(r.data, { password: 'p1' });
      const log = execFileSync('git', ['log', '--format=%s'], { cwd: t.repo, encoding: 'utf8' });
      assert.match(log, /^kvgit: put secret\/app\/db v1\nkvgit: init secret\/\n$/);
      execFileSync('git', ['fsck', '--full'], { cwd: t.repo, stdio: 'pipe' });
    } finally {
      t.cleanup();
    }
  });
});
