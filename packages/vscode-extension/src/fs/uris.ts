/**
 * The kvgit: URI scheme. The path is for people (tab titles, hovers); the query is authoritative,
 * because a KV key may contain any character and no path form could be parsed back unambiguously.
 *
 *   kvgit:/secret/app/db.json?mount=secret/&key=app/db                 latest version (editable)
 *   kvgit:/secret/app/db@v3.json?mount=secret/&key=app/db&version=3    version 3 (read-only)
 *   kvgit:/secret/app/db.metadata.json?...&kind=metadata               the key's settings (editable)
 *   kvgit:/secret.config.json?mount=secret/&kind=config                the mount's config (editable)
 *   kvgit:/secret/app/db.history.md?...&kind=history                   commits of the key (read-only)
 */
import * as vscode from 'vscode';

export const SCHEME = 'kvgit';

export type DocRef =
  | { kind: 'data'; mount: string; key: string; version?: number }
  | { kind: 'metadata'; mount: string; key: string }
  | { kind: 'config'; mount: string }
  | { kind: 'history'; mount: string; key: string };

function query(params: Record<string, string | undefined>): string {
  return Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(v!)}`)
    .join('&');
}

export function toUri(ref: DocRef): vscode.Uri {
  const mountName = ref.mount.replace(/\/$/, '');
  switch (ref.kind) {
    case 'data': {
      const suffix = ref.version === undefined ? '.json' : `@v${ref.version}.json`;
      return vscode.Uri.from({ scheme: SCHEME, path: `/${ref.mount}${ref.key}${suffix}`, query: query({ mount: ref.mount, key: ref.key, version: ref.version?.toString() }) });
    }
    case 'metadata':
      return vscode.Uri.from({ scheme: SCHEME, path: `/${ref.mount}${ref.key}.metadata.json`, query: query({ mount: ref.mount, key: ref.key, kind: 'metadata' }) });
    case 'config':
      return vscode.Uri.from({ scheme: SCHEME, path: `/${mountName}.config.json`, query: query({ mount: ref.mount, kind: 'config' }) });
    case 'history':
      return vscode.Uri.from({ scheme: SCHEME, path: `/${ref.mount}${ref.key}.history.md`, query: query({ mount: ref.mount, key: ref.key, kind: 'history' }) });
  }
}

export function parseUri(uri: vscode.Uri): DocRef | undefined {
  if (uri.scheme !== SCHEME) return undefined;
  const params = new Map<string, string>();
  for (const part of uri.query.split('&')) {
    if (part === '') continue;
    const i = part.indexOf('=');
    if (i < 0) continue;
    params.set(part.slice(0, i), decodeURIComponent(part.slice(i + 1)));
  }
  const mount = params.get('mount');
  if (!mount) return undefined;
  const kind = params.get('kind') ?? 'data';
  const key = params.get('key');
  if (kind === 'config') return { kind, mount };
  if (key === undefined || key === '') return undefined;
  if (kind === 'metadata' || kind === 'history') return { kind, mount, key };
  if (kind !== 'data') return undefined;
  const v = params.get('version');
  if (v === undefined) return { kind: 'data', mount, key };
  const version = Number(v);
  if (!Number.isInteger(version) || version <= 0) return undefined;
  return { kind: 'data', mount, key, version };
}

/** "secret/app/db" for messages. */
export function describeRef(ref: { mount: string; key?: string; version?: number }): string {
  return `${ref.mount}${ref.key ?? ''}${ref.version !== undefined ? ` v${ref.version}` : ''}`;
}
