import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { Store } from '@kvgit/core';
import { toUri } from '../../src/fs/uris';
import { otherWriterEnv } from '../fixture';
import { closeAllEditors, ensureUnlocked, git, otherWriter, setup, waitFor } from './helpers';

describe('changes made outside the editor', () => {
  before(ensureUnlocked);
  afterEach(closeAllEditors);

  it('a write by another process (the CLI) refreshes the tree and reloads clean documents', async () => {
    const { api, fixture } = await setup();
    const uri = toUri({ kind: 'data', mount: 'secret/', key: 'app/api' });
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const treeChanged = new Promise((resolve) => api.tree.onDidChangeTreeData(resolve));
    await (await otherWriter(fixture)).writeData('secret', 'app/api', { data: { token: 'api-token-2' } });
    await treeChanged;
    await waitFor('the document to show v2', () => doc.getText().includes('api-token-2'));
    assert.equal(api.fs.baseOf(uri), 2);
  });

  it('git pull of commits made in another clone shows up', async () => {
    const { api, fixture } = await setup();
    const clone = join(fixture.root, 'clone');
    execFileSync('git', ['clone', '-q', fixture.repo, clone], { env: fixture.env });
    const theirs = await Store.open({ path: clone, env: otherWriterEnv(fixture) });
    await theirs.writeData('secret', 'pulled/key', { data: { from: 'clone' } });
    const seen = new Promise((resolve) => api.model.onDidChangeStore(resolve));
    git(fixture, 'pull', '-q', '--ff-only', clone, 'main');
    await seen;
    const mount = (await api.tree.getChildren())[0]!;
    await waitFor('the pulled folder in the tree', async () => (await api.tree.getChildren(mount)).some((n) => n.type === 'folder' && n.folder === 'pulled/'));
  });

  it('a branch switch shows that branch\'s store, and a branch without one shows "no store"', async () => {
    const { api, fixture } = await setup();
    git(fixture, 'branch', 'before');
    await (await otherWriter(fixture)).writeData('secret', 'app/api', { data: { token: 'api-token-3' } });
    await waitFor('v3 on main', async () => (await api.model.readMetadata('secret/', 'app/api')).current_version === 3);
    git(fixture, 'switch', '-q', 'before');
    await waitFor('v2 on the other branch', async () => (await api.model.readMetadata('secret/', 'app/api')).current_version === 2);
    const first = git(fixture, 'rev-list', '--max-parents=0', 'HEAD').trim();
    git(fixture, 'switch', '-q', '-c', 'no-store', first);
    await waitFor('"no store"', () => (api.model.state as { kind: string }).kind === 'noStore');
    assert.deepEqual(await api.tree.getChildren(), []);
    git(fixture, 'switch', '-q', 'main');
    await waitFor('unlocked again on main', () => (api.model.state as { kind: string }).kind === 'unlocked');
    assert.equal((await api.model.readMetadata('secret/', 'app/api')).current_version, 3);
    // Locked by the user, the store stays locked across the same round trip.
    await vscode.commands.executeCommand('kvgit.lock');
    git(fixture, 'switch', '-q', 'no-store');
    await waitFor('"no store" again', () => (api.model.state as { kind: string }).kind === 'noStore');
    git(fixture, 'switch', '-q', 'main');
    await waitFor('the store found again', () => (api.model.state as { kind: string }).kind !== 'noStore');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((api.model.state as { kind: string }).kind, 'locked', 'an explicit lock holds across branch switches');
    await ensureUnlocked();
  });

  it('a branch whose keyring fails its integrity check is shown as an error, not only as locked', async () => {
    const { api, fixture, ui } = await setup();
    ui.reset();
    git(fixture, 'switch', '-q', '-c', 'tampered');
    const file = join(fixture.repo, '.kvgit', 'keyring.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/"store_recipient": "age1[a-z0-9]+"/, '"store_recipient": "age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"'));
    git(fixture, 'commit', '-qam', 'tamper', '--no-verify');
    await waitFor('an error naming the keyring', () => ui.messages('error').some((m) => /keyring\.json/.test(m)));
    assert.equal((api.model.state as { kind: string }).kind, 'locked');
    git(fixture, 'switch', '-q', 'main');
    await waitFor('the store on main found again', () => (api.model.state as { kind: string }).kind === 'locked');
    ui.reset();
    await ensureUnlocked();
  });
});
