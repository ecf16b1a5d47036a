/** Turns a CommandResult into what goes to stdout and stderr, for one output format. */
import { goString } from './goValue';
import { goJson } from './json';
import type { CommandResult } from './result';
import { renderTable, warningsText } from './table';
import { goYaml } from './yaml';

export const FORMATS = ['table', 'json', 'yaml'] as const;
export type Format = (typeof FORMATS)[number];

/** As Vault's CLI, case-insensitive (`-format=JSON`, `VAULT_FORMAT=JSON`). */
export function parseFormat(given: string): Format | undefined {
  const s = given.toLowerCase();
  if (s === 'yml') return 'yaml';
  return (FORMATS as readonly string[]).includes(s) ? (s as Format) : undefined;
}

export interface RenderOptions {
  format: Format;
  field?: string;
  /** PrintRaw: a raw field ends with a newline only on a terminal. */
  stdoutIsTTY: boolean;
}

export interface Rendered {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export function render(result: CommandResult, options: RenderOptions): Rendered {
  const exitCode = result.exitCode ?? 0;
  const notices = (result.notices ?? []).map((n) => `${n}\n`).join('');
  if (result.raw !== undefined) return { stdout: result.raw, stderr: notices, exitCode };
  if (options.field !== undefined && result.field) return renderField(result, options, notices);
  if (options.format === 'table') {
    const t = renderTable(result.table ?? []);
    return { stdout: t.stdout, stderr: warningsText(result.warnings ?? []) + t.stderr + notices, exitCode };
  }
  if (result.data === undefined) return { stdout: '', stderr: notices, exitCode };
  const text = options.format === 'json' ? goJson(result.data, { ordered: result.envelope }) : goYaml(result.data);
  return { stdout: `${text}\n`, stderr: notices, exitCode };
}

/** PrintRawField: the value alone; `%v` in table format, encoded in json and yaml. */
function renderField(result: CommandResult, options: RenderOptions, notices: string): Rendered {
  const name = options.field!;
  const found = result.field!(name);
  if ('error' in found) return { stdout: '', stderr: `${found.error}\n${notices}`, exitCode: found.exitCode };
  if (found.value === null || found.value === undefined) {
    return { stdout: '', stderr: `Field "${name}" not present in secret\n${notices}`, exitCode: 1 };
  }
  const text = options.format === 'table' ? goString(found.value) : options.format === 'json' ? goJson(found.value) : goYaml(found.value);
  return { stdout: options.stdoutIsTTY ? `${text}\n` : text, stderr: notices, exitCode: result.exitCode ?? 0 };
}
