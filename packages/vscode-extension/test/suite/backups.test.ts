import assert from 'node:assert/strict';
import { mkdirSync, promises as fsp, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { toUri } from '../../src/fs/uris';
import { closeAllEditors, ensureUnlocked, replaceText, setup, waitFor } from './helpers';

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fsp.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

describe('no plaintext on disk', () => {
  before(ensureUnlocked);
  afterEach(closeAllEditors);

  it('the backup scrubber deletes any backup of a kvgit: document as soon as it is written, in both backup layouts', async () => {
    const { api } = await setup();
    for (const root of api.scrubber.roots) {
      const dir = join(root, 'workspace-1234', 'kvgit');
      const other = join(root, 'workspace-1234', 'file');
      mkdirSync(dir, { recursive: true });
      mkdirSync(other, { recursive: true });
      const scrubbed = new Promise<string[]>((resolve) => {
        const sub = api.scrubber.onDidScrub((paths) => {
          sub.dispose();
          resolve(paths);
        });
      });
      writeFileSync(join(other, 'abc'), 'a backup of a plain file: not ours to touch');
      writeFileSync(join(dir, 'abc'), 'plaintext of a dirty kvgit: editor');
      assert.deepEqual(await scrubbed, [join(dir, 'abc')]);
      assert.deepEqual(await filesUnder(join(root, 'workspace-1234')), [join(other, 'abc')]);
      await fsp.rm(join(root, 'workspace-1234'), { recursive: true });
    }
  });

  it('a dirty kvgit: editor leaves no plaintext under VS Code\'s backup folders', async () => {
    const { api, fixture } = await setup();
    const doc = await vscode.workspace.openTextDocument(toUri({ kind: 'data', mount: 'secret/', key: 'app/db' }));
    await vscode.window.showTextDocument(doc);
    await replaceText(doc, JSON.stringify({ username: 'dbuser', password: fixture.sentinel }, null, 2));
    assert.equal(doc.isDirty, true, 'dirty after the edit');
    // VS Code writes the backup about a second after the change; the scrubber deletes it.
    const start = Date.now();
    let scrubs = 0;
    const sub = api.scrubber.onDidScrub(() => scrubs++);
    await waitFor('VS Code\'s backup of the dirty editor, scrubbed', () => scrubs > 0, 10_000);
    sub.dispose();
    for (const root of api.scrubber.roots) {
      for (const f of await filesUnder(root)) {
        assert.ok(!(await fsp.readFile(f, 'utf8')).includes(fixture.sentinel), `${f} holds no plaintext`);
      }
    }
    assert.equal(doc.isDirty, true, `still dirty after the wait (${Date.now() - start} ms, ${scrubs} scrub(s))`);
  });
});
