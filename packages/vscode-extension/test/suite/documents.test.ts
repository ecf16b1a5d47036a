import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { toUri } from '../../src/fs/uris';
import { SAVE_OVER } from '../../src/fs/conflicts';
import { closeAllEditors, ensureUnlocked, docText, otherWriter, replaceText, setup, subjects, tabs, waitFor } from './helpers';

const db = { mount: 'secret/', key: 'app/db' };

describe('kvgit: documents', () => {
  before(ensureUnlocked);
  afterEach(closeAllEditors);

  it('the latest version opens as a JSON document with the data', async () => {
    await setup();
    const doc = await vscode.workspace.openTextDocument(toUri({ kind: 'data', ...db }));
    assert.equal(doc.languageId, 'json');
    assert.deepEqual(JSON.parse(doc.getText()), { username: 'dbuser', password: 'db-password-1' });
  });

  it('saving the latest writes a new version with check-and-set, as one commit', async () => {
    const { fixture } = await setup();
    const doc = await vscode.workspace.openTextDocument(toUri({ kind: 'data', ...db }));
    await vscode.window.showTextDocument(doc);
    await replaceText(doc, JSON.stringify({ username: 'dbuser', password: 'db-password-2' }, null, 2));
    assert.equal(await doc.save(), true);
    const store = await otherWriter(fixture);
    const r = await store.readData('secret', 'app/db');
    assert.equal(r.metadata.version, 2);
    assert.deepEqual(r.data, { username: 'dbuser', password: 'db-password-2' });
    assert.equal(subjects(fixture)[0], 'kvgit: put secret/app/db v2');
    assert.equal(doc.isDirty, false);
  });

  it('a concurrent write turns the save into a conflict with a diff, and "save over" retries with check-and-set', async () => {
    const { api, fixture, ui } = await setup();
    ui.reset();
    const uri = toUri({ kind: 'data', ...db });
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    assert.equal(api.fs.baseOf(uri), 2);
    await replaceText(doc, JSON.stringify({ username: 'dbuser', password: 'mine' }, null, 2));
    // Someone else (the CLI, another clone after a pull) writes v3 meanwhile.
    const other = await otherWriter(fixture);
    await other.writeData('secret', 'app/db', { data: { username: 'dbuser', password: 'theirs' }, options: { cas: 2 } });
    // A read of the saved content (what "Compare with Saved" or a reload does) leaves the edit's base alone.
    await vscode.workspace.fs.readFile(uri);
    assert.equal(api.fs.baseOf(uri), 2, 'the base of a dirty editor does not move');
    const shown = new Promise((resolve) => api.conflicts.onDidShowConflict(resolve));
    assert.equal(await doc.save(), false, 'the save is refused');
    await shown;
    assert.equal(doc.isDirty, true, 'the edit is kept');
    const diff = tabs().find((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.toString() === uri.toString());
    assert.ok(diff, 'a diff of the newer version against the edit is open');
    assert.equal((diff.input as vscode.TabInputTextDiff).original.toString(), toUri({ kind: 'data', ...db, version: 3 }).toString());
    assert.match(ui.messages('warn').join('\n'), /changed to v3 while you edited v2/);
    assert.equal((await other.readData('secret', 'app/db')).data.password, 'theirs', 'nothing was overwritten');

    assert.equal(await vscode.commands.executeCommand('kvgit.retrySave', uri), true);
    const r = await other.readData('secret', 'app/db');
    assert.equal(r.metadata.version, 4);
    assert.equal(r.data.password, 'mine');
    assert.deepEqual(subjects(fixture, 'HEAD', 2), ['kvgit: put secret/app/db v4', 'kvgit: put secret/app/db v3']);
  });

  it('the conflict question itself can save over the newer version', async () => {
    const { api, fixture, ui } = await setup();
    ui.reset();
    ui.answer('warn', SAVE_OVER, /changed to v5/);
    const uri = toUri({ kind: 'data', ...db });
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    await replaceText(doc, JSON.stringify({ username: 'dbuser', password: 'mine-again' }, null, 2));
    await (await otherWriter(fixture)).writeData('secret', 'app/db', { data: { username: 'dbuser', password: 'theirs-again' }, options: { cas: 4 } });
    assert.equal(await doc.save(), false);
    await waitFor('the retried save', async () => (await (await otherWriter(fixture)).readData('secret', 'app/db')).metadata.version === 6);
    assert.equal((await (await otherWriter(fixture)).readData('secret', 'app/db')).data.password, 'mine-again');
    await waitFor('a clean document', () => !doc.isDirty);
    ui.assertDone();
    assert.equal(api.fs.baseOf(uri), 6);
  });

  it('historic versions open read-only and cannot be written', async () => {
    await setup();
    const uri = toUri({ kind: 'data', ...db, version: 1 });
    const stat = await vscode.workspace.fs.stat(uri);
    assert.equal(stat.permissions, vscode.FilePermission.Readonly);
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.deepEqual(JSON.parse(doc.getText()), { username: 'dbuser', password: 'db-password-1' });
    await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(uri, Buffer.from('{"x":"y"}'))), /read-only/);
  });

  it('metadata opens as a validated JSON document: inline errors, and a save writes the settings', async () => {
    const { fixture } = await setup();
    const uri = toUri({ kind: 'metadata', ...db });
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    assert.deepEqual(JSON.parse(doc.getText()), { max_versions: 0, cas_required: false, delete_version_after: '0s', custom_metadata: {} });
    await replaceText(doc, '{\n  "max_versions": "many",\n  "cas_required": false,\n  "colour": "blue",\n  "custom_metadata": { "owner": 7 }\n}\n');
    const diags = await waitFor('diagnostics', () => {
      const d = vscode.languages.getDiagnostics(uri).filter((x) => x.source === 'kvgit');
      return d.length >= 3 ? d : undefined;
    });
    const messages = diags.map((d) => d.message).join('\n');
    assert.match(messages, /max_versions is a whole number/);
    assert.match(messages, /"colour" is not a key setting/);
    assert.match(messages, /custom_metadata values are strings/);
    const maxDiag = diags.find((d) => /max_versions is a whole number/.test(d.message))!;
    assert.equal(doc.getText(maxDiag.range), '"many"', 'the error underlines the bad value');
    assert.equal(await doc.save(), false, 'an invalid document is not saved');

    await replaceText(doc, '{\n  "max_versions": 5,\n  "cas_required": false,\n  "delete_version_after": "0s",\n  "custom_metadata": { "owner": "team-a" }\n}\n');
    await waitFor('no diagnostics', () => vscode.languages.getDiagnostics(uri).filter((x) => x.source === 'kvgit').length === 0);
    assert.equal(await doc.save(), true);
    const meta = await (await otherWriter(fixture)).readMetadata('secret', 'app/db');
    assert.equal(meta.max_versions, 5);
    assert.deepEqual(meta.custom_metadata, { owner: 'team-a' });
    assert.equal(subjects(fixture)[0], 'kvgit: metadata-put secret/app/db');

    // A change made in the store meanwhile is not undone by a save of the whole document.
    await replaceText(doc, doc.getText().replace('"max_versions": 5', '"max_versions": 6'));
    await (await otherWriter(fixture)).patchMetadata('secret', 'app/db', { cas_required: true });
    assert.equal(await doc.save(), false, 'the save of a stale settings document is refused');
    const after = await (await otherWriter(fixture)).readMetadata('secret', 'app/db');
    assert.deepEqual([after.max_versions, after.cas_required], [5, true]);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await (await otherWriter(fixture)).patchMetadata('secret', 'app/db', { cas_required: false });
  });

  it('the core\'s refusal of a save shows inline until the next good save', async () => {
    const { fixture } = await setup();
    const uri = toUri({ kind: 'metadata', ...db });
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    // The core refuses to write over store files with uncommitted work-tree edits.
    const file = join(fixture.repo, '.kvgit/mounts/secret/app/db.kv/metadata.json');
    const original = readFileSync(file);
    writeFileSync(file, Buffer.concat([original, Buffer.from(' ')]));
    await replaceText(doc, '{ "max_versions": 7 }');
    assert.equal(await doc.save(), false);
    const diag = await waitFor('the core error inline', () => vscode.languages.getDiagnostics(uri).find((d) => /not saved: .*uncommitted changes/.test(d.message)));
    assert.equal(diag.severity, vscode.DiagnosticSeverity.Error);
    writeFileSync(file, original);
    assert.equal(await doc.save(), true);
    await waitFor('the error gone', () => !vscode.languages.getDiagnostics(uri).some((d) => /not saved/.test(d.message)));
    assert.equal((await (await otherWriter(fixture)).readMetadata('secret', 'app/db')).max_versions, 7);
  });

  it('the mount config opens as a validated JSON document and saves to the mount', async () => {
    const { fixture } = await setup();
    const uri = toUri({ kind: 'config', mount: 'secret/' });
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    assert.deepEqual(JSON.parse(doc.getText()), { max_versions: 0, cas_required: false, delete_version_after: '0s' });
    await replaceText(doc, '{ "max_versions": 20, "cas_required": "yes", "delete_version_after": "0s" }');
    await waitFor('a cas_required diagnostic', () => vscode.languages.getDiagnostics(uri).find((d) => /cas_required is true or false/.test(d.message)));
    await replaceText(doc, '{ "max_versions": 20, "cas_required": false, "delete_version_after": "0s" }');
    assert.equal(await doc.save(), true);
    assert.equal((await (await otherWriter(fixture)).readConfig('secret')).max_versions, 20);
    assert.equal(subjects(fixture)[0], 'kvgit: config secret/');
  });
});
