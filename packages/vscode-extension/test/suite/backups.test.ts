import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { toUri } from '../../src/fs/uris';
import { closeAllEditors, replaceText, setup, waitFor } from './helpers';

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
  afterEach(closeAllEditors);

  it('the hot-exit backup of a dirty kvgit: editor is deleted as soon as VS Code writes it', async () => {
    const { api, fixture } = await setup();
    const doc = await vscode.workspace.openTextDocument(toUri({ kind: 'data', mount: 'secret/', key: 'app/db' }));
    await vscode.window.showTextDocument(doc);
    const scrubbed = new Promise<string[]>((resolve) => api.scrubber.onDidScrub(resolve));
    await replaceText(doc, JSON.stringify({ username: 'app', password: fixture.sentinel }, null, 2));
    assert.equal(doc.isDirty, true);
    // VS Code writes the backup about a second after the change; the scrubber removes it.
    const removed = await scrubbed;
    assert.ok(removed.every((p) => p.includes(`${join('Backups')}`) && p.includes('/kvgit/')), removed.join(', '));
    for (const root of api.scrubber.roots) {
      for (const f of await filesUnder(root)) {
        assert.ok(!(await fsp.readFile(f, 'utf8')).includes(fixture.sentinel), `${f} holds no plaintext`);
      }
    }
    await waitFor('still dirty, no backup left', async () => {
      for (const root of api.scrubber.roots) if ((await filesUnder(root)).some((f) => f.includes('/kvgit/'))) return false;
      return doc.isDirty;
    });
  });
});
