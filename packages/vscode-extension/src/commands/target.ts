/**
 * What a command acts on: a tree node (context menus), a kvgit: URI (editor title), a plain
 * {mount, key, version} object (other extensions, the tests), or nothing (the palette: then ask).
 */
import * as vscode from 'vscode';
import { versionStatus, versionsOf } from '../views/tree';
import { parseUri } from '../fs/uris';
import type { CommandContext } from './context';

export interface KeyTarget {
  mount: string;
  key: string;
}
export interface VersionTarget extends KeyTarget {
  version: number;
}

export class Cancelled extends Error {
  readonly code = 'CANCELLED';
  constructor() {
    super('cancelled');
  }
}

interface Loose {
  mount?: string;
  key?: string;
  folder?: string;
  version?: number;
}

export function loose(arg: unknown): Loose {
  if (arg instanceof vscode.Uri) {
    const ref = parseUri(arg);
    if (!ref) return {};
    return { mount: ref.mount, key: 'key' in ref ? ref.key : undefined, version: ref.kind === 'data' ? ref.version : undefined };
  }
  if (arg && typeof arg === 'object') {
    const o = arg as Record<string, unknown>;
    return {
      mount: typeof o.mount === 'string' ? o.mount : undefined,
      key: typeof o.key === 'string' ? o.key : undefined,
      folder: typeof o.folder === 'string' ? o.folder : undefined,
      version: typeof o.version === 'number' ? o.version : undefined,
    };
  }
  return {};
}

export function required<T>(v: T | undefined): T {
  if (v === undefined) throw new Cancelled();
  return v;
}

export async function mountTarget(ctx: CommandContext, arg: unknown): Promise<string> {
  const l = loose(arg);
  if (l.mount) return l.mount;
  const mounts = (await ctx.model.mounts()).filter((m) => m.version === 2);
  if (mounts.length === 1) return mounts[0]!.path;
  return required(await ctx.ui.pick('kvgit: mount', mounts.map((m) => ({ label: m.path, description: m.description, value: m.path }))));
}

export async function keyTarget(ctx: CommandContext, arg: unknown): Promise<KeyTarget> {
  const l = loose(arg);
  if (l.mount && l.key !== undefined) return { mount: l.mount, key: l.key };
  const items = [];
  for (const m of await ctx.model.mounts()) {
    if (m.version !== 2) continue;
    for (const key of await ctx.model.scan(m.path)) items.push({ label: `${m.path}${key}`, value: { mount: m.path, key } });
  }
  return required(await ctx.ui.pick('kvgit: key', items, 'Pick a key'));
}

/** A version of a key; `filter` limits which versions may be picked. */
export async function versionTarget(ctx: CommandContext, arg: unknown, filter: (s: ReturnType<typeof versionStatus>) => boolean = () => true): Promise<VersionTarget> {
  const l = loose(arg);
  const k = await keyTarget(ctx, arg);
  if (l.version !== undefined) return { ...k, version: l.version };
  const meta = await ctx.model.readMetadata(k.mount, k.key);
  if (arg instanceof vscode.Uri && l.key !== undefined) return { ...k, version: meta.current_version };
  const items = versionsOf(meta)
    .filter((v) => filter(versionStatus(v)))
    .map((v) => ({ label: `v${v.version}`, description: `${v.version === meta.current_version ? 'current · ' : ''}${versionStatus(v)} · ${v.created_time}`, value: v.version }));
  return { ...k, version: required(await ctx.ui.pick(`kvgit: version of ${k.mount}${k.key}`, items)) };
}
