import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { toUri } from '../../src/fs/uris';
import { closeAllEditors, git, otherWriter, replaceText, setup, subjects, waitFor } from './helpers';

describe('a workspace without a store (then a "kvgit" branch store)', () => {
  afterEach(closeAllEditors);

  it('shows "no store" and initializes one on a dedicated branch', async () => {
    const { api, fixture, ui } = await setup();
    assert.equal((api.model.state as { kind: string }).kind, 'noStore');
    assert.deepEqual(await api.tree.getChildren(), []);
    ui.answer('pick', 'A dedicated "kvgit" branch');
    const r = (await vscode.commands.executeCommand('kvgit.init')) as { member: string; layout: string };
    assert.equal(r.layout, 'branch');
    assert.equal(r.member, 'tester');
    assert.equal((api.model.state as { kind: string }).kind, 'unlocked');
    assert.equal(api.model.location?.layout, 'branch');
    assert.equal(subjects(fixture, 'kvgit')[0], 'kvgit: init secret/');
    assert.equal(git(fixture, 'status', '--porcelain').trim(), '', 'no work-tree files');
  });

  it('reads and writes through kvgit: documents on the branch layout', async () => {
    const { fixture, ui } = await setup();
    ui.reset();
    ui.answer('input', 'b/key', /Key path/).answer('input', 'f', /First field/).answer('input', 'one', /Value/);
    await vscode.commands.executeCommand('kvgit.newSecret', { mount: 'secret/' });
    const doc = await vscode.workspace.openTextDocument(toUri({ kind: 'data', mount: 'secret/', key: 'b/key' }));
    await vscode.window.showTextDocument(doc);
    assert.deepEqual(JSON.parse(doc.getText()), { f: 'one' });
    await replaceText(doc, '{ "f": "two" }');
    assert.equal(await doc.save(), true);
    assert.deepEqual(subjects(fixture, 'kvgit', 2), ['kvgit: put secret/b/key v2', 'kvgit: put secret/b/key v1']);
    assert.deepEqual((await (await otherWriter(fixture)).readData('secret', 'b/key')).data, { f: 'two' });
  });

  it('refreshes when the kvgit branch moves outside the editor', async () => {
    const { api, fixture } = await setup();
    await (await otherWriter(fixture)).writeData('secret', 'b/key', { data: { f: 'three' } });
    await waitFor('v3 seen', async () => (await api.model.readMetadata('secret/', 'b/key')).current_version === 3);
    // Rewinding the branch (e.g. a reset after a bad pull) is seen too.
    git(fixture, 'update-ref', 'refs/heads/kvgit', 'kvgit~1');
    await waitFor('v2 seen', async () => (await api.model.readMetadata('secret/', 'b/key')).current_version === 2);
  });
});
