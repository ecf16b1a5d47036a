/** The Markdown report: tables of medians, spread and paired ratios, and the targets' verdicts. */
import type { Series, Stat } from './sample';
import { pairedRatio, stat } from './sample';

export interface Target {
  name: string;
  /** e.g. "≤ 1.3×" */
  goal: string;
  measured: string;
  met: boolean | undefined;
  /** Where the time goes, when missed (a profile), or why it was not measured. */
  note?: string;
}

export interface Section {
  title: string;
  body: string[];
  targets: Target[];
}

export const fmtMs = (x: number) => (!Number.isFinite(x) ? '–' : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : x >= 100 ? `${x.toFixed(0)} ms` : x >= 10 ? `${x.toFixed(1)} ms` : `${x.toFixed(2)} ms`);
export const fmtRatio = (x: number) => (!Number.isFinite(x) ? '–' : `${x.toFixed(2)}×`);

export function timeCell(s: Series | undefined): string {
  if (!s) return 'not measured';
  if (s.ms.every((x) => !Number.isFinite(x))) return `not measured: ${s.error ?? 'failed'}`;
  const st = stat(s.ms);
  return `${fmtMs(st.median)} (${fmtMs(st.p25)}–${fmtMs(st.p75)})`;
}

export function ratioCell(r: Stat | undefined): string {
  if (!r) return 'not measured';
  return `**${fmtRatio(r.median)}** (${fmtRatio(r.p25)}–${fmtRatio(r.p75)})`;
}

export function ratio(a: Series | undefined, b: Series | undefined): Stat | undefined {
  return pairedRatio(a, b);
}

export function table(head: string[], rows: string[][], align?: string[]): string[] {
  return [`| ${head.join(' | ')} |`, `| ${(align ?? head.map((_, i) => (i === 0 ? '---' : '---:'))).join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

export function verdict(met: boolean | undefined): string {
  return met === undefined ? 'not measured' : met ? '**met**' : '**missed**';
}
