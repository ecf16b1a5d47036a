/**
 * Vault's table layout (reference §9.1; command/format.go, base_helpers.go, kv_helpers.go, and the
 * columnize package): cells trimmed, empty cells shown as `n/a`, columns padded to the widest cell
 * in runes and joined by four spaces, the last column unpadded; a header row underlined with
 * dashes; section headers padded with `=` to the table's width.
 */
import { byteLength, goString, humanDuration, looksLikeDuration, sortedKeys } from './goValue';
import type { Block } from './result';

const GLUE = '    ';

/** columnize.Format with Vault's config (Glue "    ", Empty "n/a"). */
export function columnize(rows: string[][]): string {
  const cells = rows.map((r) => r.map((c) => (c.trim() === '' ? 'n/a' : c.trim())));
  const widths: number[] = [];
  for (const r of cells) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, runeLength(c))));
  return cells
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - runeLength(c)) + GLUE)).join(''))
    .join('\n');
}

function runeLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** tableOutput: the first row is the header, underlined with dashes as long as each header. */
export function tableWithHeader(headers: string[], rows: string[][]): string {
  return columnize([headers, headers.map((h) => '-'.repeat(byteLength(h.trim()))), ...rows]);
}

/** padEqualSigns: `== Title ==` as wide as totalLen. */
export function padEqualSigns(title: string, totalLen: number): string {
  let n = totalLen - (byteLength(title) + 2);
  if (n <= 0) n = 4;
  if (n % 2 !== 0) n += 1;
  const side = '='.repeat(n / 2);
  return `${side} ${title} ${side}`;
}

/** getHeaderForMap: longest key + 4 (column glue) + 5 (len("value")). */
export function headerForMap(title: string, map: Record<string, unknown>): string {
  let max = 0;
  for (const k of Object.keys(map)) max = Math.max(max, byteLength(k));
  return padEqualSigns(title, max + 4 + 5);
}

/** TableFormatter.OutputMap: a Key/Value table sorted by key; nothing at all for an empty map. */
export function keyValueTable(map: Record<string, unknown>): string | undefined {
  const keys = sortedKeys(map);
  if (keys.length === 0) return undefined;
  const rows = keys.map((k) => {
    const v = map[k];
    const shown = looksLikeDuration(k) && typeof v === 'number' && Number.isInteger(v) ? humanDuration(v) : goString(v);
    return [k, shown];
  });
  return tableWithHeader(['Key', 'Value'], rows);
}

export interface TableOutput {
  stdout: string;
  stderr: string;
}

export function renderTable(blocks: Block[]): TableOutput {
  let stdout = '';
  let stderr = '';
  const line = (s: string) => (stdout += `${s}\n`);
  for (const b of blocks) {
    switch (b.kind) {
      case 'path':
        line(padEqualSigns(b.title, byteLength(b.path)));
        line(b.path);
        line('');
        break;
      case 'section': {
        line(`${b.blankBefore ? '\n' : ''}${headerForMap(b.title, b.map)}`);
        const t = keyValueTable(b.map);
        if (t !== undefined) line(t);
        break;
      }
      case 'map': {
        const t = keyValueTable(b.map);
        if (t !== undefined) line(t);
        break;
      }
      case 'columns':
        if (b.rows.length > 0 || b.headers.length > 0) line(tableWithHeader(b.headers, b.rows.map((r) => r.map(goString))));
        break;
      case 'text':
        line(b.text);
        break;
      case 'error':
        stderr += `${b.text}\n`;
        break;
    }
  }
  return { stdout, stderr };
}

/** TableFormatter.printWarnings. */
export function warningsText(warnings: string[], product = 'kvgit'): string {
  if (warnings.length === 0) return '';
  return `WARNING! The following warnings were returned from ${product}:\n\n${warnings.map((w) => `  * ${w}\n\n`).join('')}`;
}
