import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { toUri } from '../../src/fs/uris';
import { DELETE_KEY, DESTROY, REWRITE } from '../../src/commands/versions';
import { closeAllEditors, ensureUnlocked, git, otherWriter, setup, subjects, tabs, waitFor } from './helpers';

// A member to add: a public key only (its identity is not needed by the test).
const RECIPIENT = 'age17w2du7r3u8n53gjyk2h2ttept0jf2gj2u9z8mkrqum4l0h4pgagstr3t7d';

describe('commands', () => {
  before(ensureUnlocked);
  beforeEach(async () => (await setup()).ui.reset());
  afterEach(closeAllEditors);

  it('new secret: asks for the path, a field and its value, creates v1 (check-and-set 0) and opens it', async () => {
    const { fixture, ui } = await setup();
    ui.answer('input', 'svc/new', /Key path/).answer('input', 'apikey', /First field/).answer('input', 'k-123', /Value/);
    const written = (await vscode.commands.executeCommand('kvgit.newSecret', { mount: 'secret/', folder: 'svc/' })) as { version: number };
    assert.equal(written.version, 1);
    ui.assertDone();
    assert.deepEqual((await (await otherWriter(fixture)).readData('secret', 'svc/new')).data, { apikey: 'k-123' });
    assert.equal(subjects(fixture)[0], 'kvgit: put secret/svc/new v1');
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), toUri({ kind: 'data', mount: 'secret/', key: 'svc/new' }).toString());
    // An existing path is never overwritten by "new secret".
    ui.reset();
    ui.answer('input', 'svc/new', /Key path/).answer('input', 'x', /First field/).answer('input', 'y', /Value/);
    assert.equal(await vscode.commands.executeCommand('kvgit.newSecret', { mount: 'secret/' }), undefined);
    assert.match(ui.messages('error').join('\n'), /check-and-set/);
  });

  it('add or change a field: patches with check-and-set; values are asked with a hidden input', async () => {
    const { fixture, ui } = await setup();
    ui.answer('pick', '$(add) New field…').answer('input', 'region', /Field name/).answer('input', 'eu-west', /New value/);
    const v2 = (await vscode.commands.executeCommand('kvgit.setField', { mount: 'secret/', key: 'svc/new' })) as { version: number };
    assert.equal(v2.version, 2);
    ui.reset();
    ui.answer('pick', 'apikey').answer('input', 'k-456', /New value/);
    await vscode.commands.executeCommand('kvgit.setField', { mount: 'secret/', key: 'svc/new' });
    ui.assertDone();
    assert.deepEqual((await (await otherWriter(fixture)).readData('secret', 'svc/new')).data, { apikey: 'k-456', region: 'eu-west' });
    assert.deepEqual(subjects(fixture, 'HEAD', 2), ['kvgit: patch secret/svc/new v3', 'kvgit: patch secret/svc/new v2']);
  });

  it('copy a field\'s value: on the clipboard, cleared after the configured time', async () => {
    const { api, ui } = await setup();
    await vscode.workspace.getConfiguration('kvgit').update('clipboard.clearAfterSeconds', 1, vscode.ConfigurationTarget.Global);
    try {
      ui.answer('pick', 'apikey');
      const r = (await vscode.commands.executeCommand('kvgit.copyField', { mount: 'secret/', key: 'svc/new' })) as { field: string; version: number };
      assert.deepEqual(r, { field: 'apikey', version: 3 });
      assert.equal(await vscode.env.clipboard.readText(), 'k-456');
      assert.match(ui.messages('info').join('\n'), /cleared in 1 s/);
      assert.equal(await api.clipboard.whenCleared, true);
      assert.equal(await vscode.env.clipboard.readText(), '');
      // From a historic version's document (editor title), no prompt when the field is given.
      await vscode.commands.executeCommand('kvgit.copyField', { mount: 'secret/', key: 'svc/new', version: 1, field: 'apikey' });
      assert.equal(await vscode.env.clipboard.readText(), 'k-123');
      // Something else copied meanwhile is left alone.
      await vscode.env.clipboard.writeText('unrelated');
      assert.equal(await api.clipboard.whenCleared, false);
      assert.equal(await vscode.env.clipboard.readText(), 'unrelated');
    } finally {
      await vscode.workspace.getConfiguration('kvgit').update('clipboard.clearAfterSeconds', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('delete and undelete versions; the tree shows their state', async () => {
    const { api, fixture } = await setup();
    await vscode.commands.executeCommand('kvgit.deleteVersion', { mount: 'secret/', key: 'svc/new', version: 1 });
    assert.equal(subjects(fixture)[0], 'kvgit: delete-versions secret/svc/new v1');
    const key = { type: 'key' as const, mount: 'secret/', key: 'svc/new', meta: undefined };
    let versions = await api.tree.getChildren(key);
    const v1 = versions.find((v) => v.type === 'version' && v.version === 1)!;
    assert.equal(api.tree.getTreeItem(v1).contextValue, 'version.deleted');
    assert.match(String(api.tree.getTreeItem(v1).description), /^deleted /);
    await vscode.commands.executeCommand('kvgit.undeleteVersion', { mount: 'secret/', key: 'svc/new', version: 1 });
    assert.equal(subjects(fixture)[0], 'kvgit: undelete secret/svc/new v1');
    versions = await api.tree.getChildren(key);
    assert.equal(api.tree.getTreeItem(versions.find((v) => v.type === 'version' && v.version === 1)!).contextValue, 'version.live.old');
    // On a key: delete the latest version.
    await vscode.commands.executeCommand('kvgit.deleteVersion', { mount: 'secret/', key: 'top' });
    assert.equal(subjects(fixture)[0], 'kvgit: delete secret/top v1');
    const top = (await api.tree.getChildren((await api.tree.getChildren())[0])).find((n) => n.type === 'key' && n.key === 'top')!;
    assert.equal(api.tree.getTreeItem(top).contextValue, 'key.deleted');
    await vscode.commands.executeCommand('kvgit.undeleteVersion', { mount: 'secret/', key: 'top', version: 1 });
  });

  it('destroy asks first, then shows what happened', async () => {
    const { api, fixture, ui } = await setup();
    // Declined: nothing happens.
    ui.answer('confirm', undefined);
    assert.equal(await vscode.commands.executeCommand('kvgit.destroyVersion', { mount: 'secret/', key: 'svc/new', version: 2 }), undefined);
    assert.equal(subjects(fixture)[0], 'kvgit: undelete secret/top v1');
    ui.reset();
    // The history rewrite is asked for on its own, as the CLI asks; declined, nothing happens either.
    const head = git(fixture, 'rev-parse', 'HEAD').trim();
    ui.answer('confirm', DESTROY, /Destroy version 2 of secret\/svc\/new/).answer('confirm', undefined, /Rewrite \d+ commit\(s\) of this repository's history/);
    assert.equal(await vscode.commands.executeCommand('kvgit.destroyVersion', { mount: 'secret/', key: 'svc/new', version: 2 }), undefined);
    ui.assertDone();
    assert.equal(git(fixture, 'rev-parse', 'HEAD').trim(), head);
    assert.deepEqual(ui.messages('error'), []);
    ui.reset();
    ui.answer('confirm', DESTROY, /Destroy version 2 of secret\/svc\/new/).answer('confirm', REWRITE, /Rewrite \d+ commit\(s\)/);
    const out = (await vscode.commands.executeCommand('kvgit.destroyVersion', { mount: 'secret/', key: 'svc/new', version: 2 })) as { message: string };
    ui.assertDone();
    assert.match(out.message, /^Destroyed v2 of secret\/svc\/new\. Commit [0-9a-f]{12} \(destroy, blobs removed: v2\)/);
    assert.equal(ui.messages('info')[0], out.message);
    assert.match(subjects(fixture)[0]!, /^kvgit: destroy secret\/svc\/new v2/);
    const meta = await (await otherWriter(fixture)).readMetadata('secret', 'svc/new');
    assert.equal(meta.versions['2']!.destroyed, true);
    await assert.rejects((await otherWriter(fixture)).readData('secret', 'svc/new', { version: 2 }), { code: 'ERR_NOT_FOUND' });
    assert.equal(git(fixture, 'ls-tree', '-r', '--name-only', 'HEAD', '.kvgit/mounts/secret/svc/new.kv/').trim().split('\n').includes('.kvgit/mounts/secret/svc/new.kv/2.age'), false);
    const versions = await api.tree.getChildren({ type: 'key', mount: 'secret/', key: 'svc/new', meta: undefined });
    const v2 = api.tree.getTreeItem(versions.find((v) => v.type === 'version' && v.version === 2)!);
    assert.equal(v2.contextValue, 'version.destroyed');
    assert.equal(v2.description, 'destroyed');
  });

  it('roll back writes the old version\'s data as a new version', async () => {
    const { fixture, ui } = await setup();
    const r = (await vscode.commands.executeCommand('kvgit.rollback', { mount: 'secret/', key: 'svc/new', version: 1 })) as { version: number };
    assert.equal(r.version, 4);
    assert.deepEqual((await (await otherWriter(fixture)).readData('secret', 'svc/new')).data, { apikey: 'k-123' });
    assert.equal(subjects(fixture)[0], 'kvgit: put secret/svc/new v4');
    assert.match(ui.messages('info')[0]!, /v4 now holds the data of v1/);
  });

  it('compare with previous and compare two versions open diffs of read-only versions', async () => {
    const { ui } = await setup();
    // v4's previous readable version is v3 (v2 is destroyed).
    assert.deepEqual(await vscode.commands.executeCommand('kvgit.compareWithPrevious', { mount: 'secret/', key: 'svc/new', version: 3 }), { left: 1, right: 3 });
    let diff = tabs().find((t) => t.input instanceof vscode.TabInputTextDiff);
    assert.ok(diff);
    assert.equal((diff.input as vscode.TabInputTextDiff).original.toString(), toUri({ kind: 'data', mount: 'secret/', key: 'svc/new', version: 1 }).toString());
    await closeAllEditors();
    ui.answer('pick', 'v4');
    assert.deepEqual(await vscode.commands.executeCommand('kvgit.compareVersions', { mount: 'secret/', key: 'svc/new', version: 1 }), { left: 1, right: 4 });
    diff = tabs().find((t) => t.input instanceof vscode.TabInputTextDiff);
    assert.equal((diff!.input as vscode.TabInputTextDiff).modified.toString(), toUri({ kind: 'data', mount: 'secret/', key: 'svc/new', version: 4 }).toString());
    // From the editor title of the latest document: compares the current version with the one before.
    assert.deepEqual(await vscode.commands.executeCommand('kvgit.compareWithPrevious', toUri({ kind: 'data', mount: 'secret/', key: 'svc/new' })), { left: 3, right: 4 });
  });

  it('open, open version, edit metadata and mount config open the matching documents', async () => {
    await setup();
    const editor = (await vscode.commands.executeCommand('kvgit.open', { mount: 'secret/', key: 'svc/new' })) as vscode.TextEditor;
    assert.equal(editor.document.uri.toString(), toUri({ kind: 'data', mount: 'secret/', key: 'svc/new' }).toString());
    const old = (await vscode.commands.executeCommand('kvgit.openVersion', { mount: 'secret/', key: 'svc/new', version: 3 })) as vscode.TextEditor;
    assert.equal(old.document.uri.toString(), toUri({ kind: 'data', mount: 'secret/', key: 'svc/new', version: 3 }).toString());
    const current = (await vscode.commands.executeCommand('kvgit.openVersion', { mount: 'secret/', key: 'svc/new', version: 4 })) as vscode.TextEditor;
    assert.equal(current.document.uri.toString(), toUri({ kind: 'data', mount: 'secret/', key: 'svc/new' }).toString(), 'the current version opens editable');
    const meta = (await vscode.commands.executeCommand('kvgit.editMetadata', { mount: 'secret/', key: 'svc/new' })) as vscode.TextEditor;
    assert.equal(JSON.parse(meta.document.getText()).max_versions, 0);
    const config = (await vscode.commands.executeCommand('kvgit.editMountConfig', { mount: 'secret/' })) as vscode.TextEditor;
    assert.equal(JSON.parse(config.document.getText()).max_versions, 20);
  });

  it('key history lists the key\'s commits from the store\'s history, with no values', async () => {
    const { fixture } = await setup();
    const editor = (await vscode.commands.executeCommand('kvgit.history', { mount: 'secret/', key: 'svc/new' })) as vscode.TextEditor;
    const text = editor.document.getText();
    assert.equal(editor.document.languageId, 'markdown');
    const rows = text.split('\n').filter((l) => /^\| [0-9a-f]{12} /.test(l));
    assert.deepEqual(rows.map((r) => r.split('|')[4]!.trim()), ['put', 'destroy', 'undelete', 'delete-versions', 'patch', 'patch', 'put']);
    const head = git(fixture, 'log', '-1', '--format=%H', '--', '.kvgit/mounts/secret/svc/new.kv').trim();
    assert.ok(rows[0]!.includes(head.slice(0, 12)), 'the newest row is the newest commit touching the key');
    for (const v of ['k-123', 'k-456', 'eu-west']) assert.ok(!text.includes(v));
    await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(editor.document.uri, Buffer.from('x'))), /read-only/);
  });

  it('delete the key with all its versions, after a confirmation', async () => {
    const { fixture, ui } = await setup();
    ui.answer('confirm', DELETE_KEY, /Delete secret\/svc\/new and all its 4 version/).answer('confirm', REWRITE, /Rewrite \d+ commit\(s\)/);
    await vscode.commands.executeCommand('kvgit.deleteKey', { mount: 'secret/', key: 'svc/new' });
    ui.assertDone();
    assert.match(ui.messages('info').at(-1)!, /^Deleted secret\/svc\/new\. History rewritten: \d+ commit/);
    assert.match(subjects(fixture)[0]!, /^kvgit: metadata-delete secret\/svc\/new v1,2,3,4/);
    await assert.rejects((await otherWriter(fixture)).readMetadata('secret', 'svc/new'), { code: 'ERR_NOT_FOUND' });
  });

  it('add a member: the keyring gets the member in one commit', async () => {
    const { api, fixture, ui } = await setup();
    ui.answer('input', 'bob', /Member name/).answer('input', RECIPIENT, /public key/);
    assert.deepEqual(await vscode.commands.executeCommand('kvgit.addMember'), { name: 'bob' });
    ui.assertDone();
    assert.deepEqual((await api.model.members()).map((m) => m.name).sort(), ['bob', 'tester']);
    assert.equal(subjects(fixture)[0], 'kvgit: member-add bob');
  });

  it('rotate runs the core\'s rotation when it has one, and says so when it has none', async () => {
    const { api, ui, fixture } = await setup();
    const before = (await api.model.members()).length;
    const result = await vscode.commands.executeCommand('kvgit.rotate');
    if (api.model.canRotate) {
      assert.notEqual(result, undefined);
      assert.equal((await api.model.members()).length, before);
      assert.match(ui.messages('info').join('\n'), /rotated/);
      // Everything still reads, here and for another process with the same identity.
      assert.deepEqual((await api.model.readData('secret/', 'app/api')).data, { token: 'api-token-1' });
      assert.deepEqual((await (await otherWriter(fixture)).readData('secret', 'app/api')).data, { token: 'api-token-1' });
    } else {
      assert.equal(result, undefined);
      assert.match(ui.messages('error').join('\n'), /no store-key rotation yet/);
    }
  });

  it('refresh and lock from the palette; a locked store refuses commands and offers to unlock', async () => {
    const { api, ui, fixture } = await setup();
    assert.equal(await vscode.commands.executeCommand('kvgit.refresh'), 'unlocked');
    const editor = (await vscode.commands.executeCommand('kvgit.open', { mount: 'secret/', key: 'app/db' })) as vscode.TextEditor;
    assert.ok(editor);
    await vscode.commands.executeCommand('kvgit.copyField', { mount: 'secret/', key: 'app/db', field: 'password' });
    assert.equal(await vscode.env.clipboard.readText(), (await (await otherWriter(fixture)).readData('secret', 'app/db')).data.password);
    assert.equal(await vscode.commands.executeCommand('kvgit.lock'), 'locked');
    await waitFor('plaintext editors closed on lock', () => !tabs().some((t) => t.input instanceof vscode.TabInputText && t.input.uri.scheme === 'kvgit'));
    await waitFor('the copied value cleared from the clipboard on lock', async () => (await vscode.env.clipboard.readText()) === '');
    assert.equal(await vscode.commands.executeCommand('kvgit.open', { mount: 'secret/', key: 'app/db' }), undefined);
    const err = ui.asked.find((a) => a.method === 'error');
    assert.ok(err && /locked/.test(err.text) && err.options?.includes('Unlock…'));
    ui.reset();
    ui.answer('pick', 'file').answer('openFile', fixture.identityFile).answer('info', 'Only for This Session');
    await vscode.commands.executeCommand('kvgit.unlock');
    assert.equal((api.model.state as { kind: string }).kind, 'unlocked');
  });

  it('every contributed command is in the command table', async () => {
    const { api } = await setup();
    const ext = vscode.extensions.getExtension('kvgit.kvgit-vscode')!;
    const contributed = (ext.packageJSON.contributes.commands as Array<{ command: string; category: string }>);
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const c of contributed) {
      assert.equal(c.category, 'kvgit');
      assert.ok(registered.has(c.command), `${c.command} is registered`);
    }
    assert.ok(api);
  });
});
