import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TreeNode } from '../../src/views/tree';
import { REMEMBER } from '../../src/commands/store';
import { SEEDS } from '../fixture';
import { setup, waitFor } from './helpers';

describe('activation, lock state and the tree', () => {
  it('activates on a workspace holding a store and starts locked when no identity is in reach', async () => {
    const { api } = await setup();
    assert.equal((api.model.state as { kind: string }).kind, 'locked');
    assert.equal(api.model.location?.layout, 'directory');
    assert.deepEqual(await api.tree.getChildren(), [], 'a locked store shows no items (the "locked" welcome view)');
    const doc = vscode.Uri.parse('kvgit:/secret/app/db.json?mount=secret%2F&key=app%2Fdb');
    await assert.rejects(Promise.resolve(vscode.workspace.fs.readFile(doc)), /locked/);
  });

  it('unlock asks for an identity, and keeps it in SecretStorage only when the user agrees', async () => {
    const { api, fixture, ui } = await setup();
    ui.reset();
    ui.answer('pick', 'paste').answer('input', fixture.identity, /identity/).answer('info', 'Only for This Session', /Keep this identity/);
    const who = (await vscode.commands.executeCommand('kvgit.unlock')) as { member: string; remembered: boolean };
    assert.equal(who.member, 'tester');
    assert.equal(who.remembered, false);
    assert.equal((api.model.state as { kind: string }).kind, 'unlocked');
    ui.assertDone();

    await vscode.commands.executeCommand('kvgit.lock');
    assert.equal((api.model.state as { kind: string }).kind, 'locked');
    // Not remembered: unlocking asks again. This time the user agrees.
    ui.reset();
    ui.answer('pick', 'paste').answer('input', fixture.identity, /identity/).answer('info', REMEMBER, /Keep this identity/);
    const again = (await vscode.commands.executeCommand('kvgit.unlock')) as { remembered: boolean };
    assert.equal(again.remembered, true);
    ui.assertDone();

    await vscode.commands.executeCommand('kvgit.lock');
    ui.reset();
    // Remembered: no prompt at all.
    const silent = (await vscode.commands.executeCommand('kvgit.unlock')) as { member: string; source: string };
    assert.equal(silent.source, 'VS Code secret storage');
    assert.deepEqual(ui.asked.filter((a) => a.method !== 'info'), []);

    // Forget it; the key stays unlocked for this session.
    assert.equal(await vscode.commands.executeCommand('kvgit.forgetIdentity'), true);
    assert.equal((api.model.state as { kind: string }).kind, 'unlocked');
  });

  it('a passphrase prompt that does not match a member keeps the store locked and says why', async () => {
    const { api, ui } = await setup();
    await vscode.commands.executeCommand('kvgit.lock');
    ui.reset();
    ui.answer('pick', 'passphrase').answer('input', 'not the passphrase', /passphrase/);
    assert.equal(await vscode.commands.executeCommand('kvgit.unlock'), undefined);
    assert.equal((api.model.state as { kind: string }).kind, 'locked');
    assert.match(ui.messages('error').join('\n'), /not a member/);
    // Back to unlocked for the rest of the suite, from a file this time.
    ui.reset();
    const { fixture } = await setup();
    ui.answer('pick', 'file').answer('openFile', fixture.identityFile).answer('info', 'Only for This Session');
    await vscode.commands.executeCommand('kvgit.unlock');
    assert.equal((api.model.state as { kind: string }).kind, 'unlocked');
  });

  it('the tree shows mounts → folders → keys → versions, with states and metadata but no values', async () => {
    const { api } = await setup();
    const mounts = await api.tree.getChildren();
    assert.deepEqual(mounts.map((m) => m.type === 'mount' && m.mount), ['secret/']);
    const top = await api.tree.getChildren(mounts[0]);
    assert.deepEqual(top.map((n) => (n.type === 'folder' ? `folder:${n.folder}` : n.type === 'key' ? `key:${n.key}` : n.type)), ['folder:app/', 'key:top']);
    const app = await api.tree.getChildren(top[0]);
    assert.deepEqual(app.map((n) => n.type === 'key' && n.key), ['app/api', 'app/db']);
    const db = app[1]!;
    const item = api.tree.getTreeItem(db);
    assert.equal(item.description, 'v1');
    assert.equal(item.contextValue, 'key.live');
    const tooltip = (item.tooltip as vscode.MarkdownString).value;
    assert.match(tooltip, /current version \| 1/);
    const versions = await api.tree.getChildren(db);
    assert.equal(versions.length, 1);
    const v1 = api.tree.getTreeItem(versions[0]!);
    assert.equal(v1.label, 'v1');
    assert.match(String(v1.description), /^current · /);
    assert.equal(v1.contextValue, 'version.live.current');
    // No value of any seed appears in any item's text.
    const texts: string[] = [];
    const walk = async (n?: TreeNode) => {
      for (const c of await api.tree.getChildren(n)) {
        const i = api.tree.getTreeItem(c);
        texts.push(String(i.label), String(i.description ?? ''), typeof i.tooltip === 'string' ? i.tooltip : (i.tooltip?.value ?? ''));
        await walk(c);
      }
    };
    await walk();
    for (const data of Object.values(SEEDS)) for (const v of Object.values(data)) assert.ok(!texts.some((t) => t.includes(String(v))), `no item shows ${String(v)}`);
  });

  it('the status bar and the welcome-view context follow the lock state', async () => {
    const { api, ui, fixture } = await setup();
    const fired: string[] = [];
    const sub = api.model.onDidChangeState((s) => fired.push(s.kind));
    await vscode.commands.executeCommand('kvgit.lock');
    ui.reset();
    ui.answer('pick', 'file').answer('openFile', fixture.identityFile).answer('info', 'Only for This Session');
    await vscode.commands.executeCommand('kvgit.unlock');
    sub.dispose();
    assert.deepEqual(fired, ['locked', 'unlocked']);
    await waitFor('unlocked state', () => (api.model.state as { kind: string }).kind === 'unlocked');
  });
});
