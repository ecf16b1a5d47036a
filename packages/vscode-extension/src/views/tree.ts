/**
 * The "Secrets" tree: mounts → folders → keys → versions. Items show names, version numbers,
 * states and metadata; they never read or show a value.
 */
import * as vscode from 'vscode';
import type { Mount } from '@kvgit/core';
import type { Metadata, StoreModel, VersionInfo } from '../model/storeModel';

export type VersionStatus = 'live' | 'scheduled' | 'deleted' | 'destroyed';

export type TreeNode =
  | { type: 'mount'; mount: string; info: Mount }
  | { type: 'folder'; mount: string; folder: string }
  | { type: 'key'; mount: string; key: string; meta: Metadata | undefined }
  | { type: 'version'; mount: string; key: string; version: number; info: VersionInfo; current: boolean; status: VersionStatus };

export function versionStatus(v: { deletion_time: string; destroyed: boolean }, now = Date.now()): VersionStatus {
  if (v.destroyed) return 'destroyed';
  if (v.deletion_time !== '') return Date.parse(v.deletion_time) < now ? 'deleted' : 'scheduled';
  return 'live';
}

export function versionsOf(meta: Metadata): VersionInfo[] {
  return Object.entries(meta.versions)
    .map(([n, v]) => ({ version: Number(n), ...v }))
    .sort((a, b) => b.version - a.version);
}

function metadataTooltip(title: string, meta: Metadata): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = false;
  md.supportHtml = false;
  const versions = versionsOf(meta);
  const counts: Record<VersionStatus, number> = { live: 0, scheduled: 0, deleted: 0, destroyed: 0 };
  for (const v of versions) counts[versionStatus(v)]++;
  md.appendMarkdown(`**${escape(title)}**\n\n`);
  md.appendMarkdown(`| | |\n|---|---|\n`);
  md.appendMarkdown(`| current version | ${meta.current_version} |\n| oldest version | ${meta.oldest_version} |\n`);
  md.appendMarkdown(`| versions | ${versions.length} (${counts.live} live, ${counts.scheduled} scheduled for deletion, ${counts.deleted} deleted, ${counts.destroyed} destroyed) |\n`);
  md.appendMarkdown(`| created | ${meta.created_time} |\n| updated | ${meta.updated_time} |\n`);
  md.appendMarkdown(`| max_versions | ${meta.max_versions} |\n| cas_required | ${meta.cas_required} |\n| delete_version_after | ${meta.delete_version_after} |\n`);
  const custom = meta.custom_metadata ?? {};
  for (const [k, v] of Object.entries(custom)) md.appendMarkdown(`| custom: ${escape(k)} | ${escape(v)} |\n`);
  return md;
}

function escape(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}

export class SecretsTree implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: { dispose(): void }[] = [];

  constructor(private readonly model: StoreModel) {
    this.subscriptions.push(
      model.onDidChangeStore(() => this.changed.fire(undefined)),
      model.onDidChangeState(() => this.changed.fire(undefined)),
    );
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (this.model.state.kind !== 'unlocked') return [];
    if (!node) {
      return (await this.model.mounts()).map((m) => ({ type: 'mount', mount: m.path, info: m }));
    }
    if (node.type === 'mount' && node.info.version !== 2) return [];
    if (node.type === 'mount' || node.type === 'folder') {
      const folder = node.type === 'folder' ? node.folder : '';
      const { keys, info } = await this.model.detailed(node.mount, folder);
      const folders = keys.filter((k) => k.endsWith('/')).map((k): TreeNode => ({ type: 'folder', mount: node.mount, folder: folder + k }));
      const leaves = keys
        .filter((k) => !k.endsWith('/'))
        .map((k): TreeNode => {
          const m = info[k];
          return { type: 'key', mount: node.mount, key: folder + k, meta: m && 'current_version' in m ? (m as Metadata) : undefined };
        });
      return [...folders, ...leaves];
    }
    if (node.type === 'key') {
      const meta = await this.model.readMetadata(node.mount, node.key);
      return versionsOf(meta).map((v) => ({
        type: 'version',
        mount: node.mount,
        key: node.key,
        version: v.version,
        info: v,
        current: v.version === meta.current_version,
        status: versionStatus(v),
      }));
    }
    return [];
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    switch (node.type) {
      case 'mount': {
        const item = new vscode.TreeItem(node.mount, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `mount:${node.mount}`;
        item.iconPath = new vscode.ThemeIcon('database');
        item.description = node.info.version === 2 ? node.info.description || 'kv v2' : 'kv v1 (use the CLI)';
        item.contextValue = node.info.version === 2 ? 'mount' : 'mount.v1';
        item.tooltip = `${node.mount}: KV version ${node.info.version}${node.info.description ? ` — ${node.info.description}` : ''}`;
        return item;
      }
      case 'folder': {
        const name = node.folder.slice(0, -1).split('/').pop()!;
        const item = new vscode.TreeItem(name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `folder:${node.mount}${node.folder}`;
        item.iconPath = vscode.ThemeIcon.Folder;
        item.contextValue = 'folder';
        item.tooltip = `${node.mount}${node.folder}`;
        return item;
      }
      case 'key': {
        const name = node.key.split('/').pop()!;
        const item = new vscode.TreeItem(name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `key:${node.mount}${node.key}`;
        const meta = node.meta;
        const current = meta?.versions[String(meta.current_version)];
        const status = current ? versionStatus(current) : undefined;
        item.iconPath = new vscode.ThemeIcon(status === 'deleted' || status === 'destroyed' ? 'key' : 'symbol-key', status === 'deleted' || status === 'destroyed' ? new vscode.ThemeColor('disabledForeground') : undefined);
        item.description = meta ? `v${meta.current_version}${status && status !== 'live' ? ` · ${status}` : ''}` : undefined;
        item.contextValue = `key.${status ?? 'empty'}`;
        item.tooltip = meta ? metadataTooltip(`${node.mount}${node.key}`, meta) : `${node.mount}${node.key}`;
        item.resourceUri = undefined;
        if (status === 'live' || status === 'scheduled') item.command = { command: 'kvgit.open', title: 'Open Latest Version', arguments: [node] };
        return item;
      }
      case 'version': {
        const item = new vscode.TreeItem(`v${node.version}`, vscode.TreeItemCollapsibleState.None);
        item.id = `version:${node.mount}${node.key}@${node.version}`;
        const icons: Record<VersionStatus, vscode.ThemeIcon> = {
          live: new vscode.ThemeIcon(node.current ? 'pass-filled' : 'circle-outline', node.current ? new vscode.ThemeColor('testing.iconPassed') : undefined),
          scheduled: new vscode.ThemeIcon('watch', new vscode.ThemeColor('list.warningForeground')),
          deleted: new vscode.ThemeIcon('trash', new vscode.ThemeColor('disabledForeground')),
          destroyed: new vscode.ThemeIcon('flame', new vscode.ThemeColor('list.errorForeground')),
        };
        item.iconPath = icons[node.status];
        const when: Record<VersionStatus, string> = {
          live: node.info.created_time,
          scheduled: `deletes at ${node.info.deletion_time}`,
          deleted: `deleted ${node.info.deletion_time}`,
          destroyed: 'destroyed',
        };
        item.description = `${node.current ? 'current · ' : ''}${when[node.status]}`;
        const live = node.status === 'live' || node.status === 'scheduled';
        item.contextValue = live ? `version.live.${node.current ? 'current' : 'old'}${node.status === 'scheduled' ? '.scheduled' : ''}` : `version.${node.status}`;
        item.tooltip = new vscode.MarkdownString(
          `**${escape(`${node.mount}${node.key}`)} v${node.version}**\n\n| | |\n|---|---|\n| created | ${node.info.created_time} |\n| deletion | ${node.info.deletion_time || 'none'} |\n| destroyed | ${node.info.destroyed} |\n| state | ${node.current ? 'current, ' : ''}${node.status} |\n`,
        );
        if (live) item.command = { command: 'kvgit.openVersion', title: 'Open Version', arguments: [node] };
        return item;
      }
    }
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}
