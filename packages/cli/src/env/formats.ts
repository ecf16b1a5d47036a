/** Variables as text: dotenv, POSIX shell, JSON (for `export`), and dotenv parsing (for `import`). */
import { setOwn } from '@kvgit/core/json';
import { goJson } from '../output/json';

/**
 * A .env file that is safe to source from a shell (`set -a; . ./.env`) and reads back the same with
 * dotenv parsers: single quotes (nothing inside is special) unless the value holds a quote or a
 * line break; then double quotes with `\\`, `"`, `$`, the backtick and line breaks escaped, so that
 * no value can start a command substitution.
 */
export function toDotenv(vars: Array<{ name: string; value: string }>): string {
  return vars.map((v) => {
    if (!/['\n\r]/.test(v.value)) return `${v.name}='${v.value}'\n`;
    return `${v.name}="${v.value.replace(/[\\"$`]/g, (c) => `\\${c}`).replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"\n`;
  }).join('');
}

export function toShell(vars: Array<{ name: string; value: string }>): string {
  return vars.map((v) => `export ${v.name}='${v.value.replace(/'/g, `'\\''`)}'\n`).join('');
}

export function toJson(vars: Array<{ name: string; value: string }>): string {
  return `${goJson(Object.fromEntries(vars.map((v) => [v.name, v.value])))}\n`;
}

/**
 * A .env file: `NAME=value` lines, an optional `export ` in front, `#` comments; values unquoted
 * (trimmed, a " #" starts a comment), in single quotes (literal) or double quotes (\n \r \t \" \\ \$
 * escapes; may span lines). Errors name the line number, never its text.
 */
export function parseDotenv(text: string, source: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.replace(/^\s*export\s+/, '');
    if (/^\s*(#|$)/.test(line)) continue;
    const m = /^\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s?(.*)$/s.exec(line);
    if (!m) throw new Error(`${source}, line ${lineNo}: expected NAME=value`);
    const name = m[1]!;
    let rest = m[2]!.trimStart();
    if (rest.startsWith("'")) {
      const end = rest.indexOf("'", 1);
      if (end === -1) throw new Error(`${source}, line ${lineNo}: unterminated single quote`);
      setOwn(out, name, rest.slice(1, end));
    } else if (rest.startsWith('"')) {
      let value = '';
      let j = 1;
      for (;;) {
        if (j >= rest.length) {
          if (i + 1 >= lines.length) throw new Error(`${source}, line ${lineNo}: unterminated double quote`);
          value += '\n';
          rest = lines[++i]!;
          j = 0;
          continue;
        }
        const c = rest[j]!;
        if (c === '"') break;
        if (c === '\\' && j + 1 < rest.length) {
          const n = rest[j + 1]!;
          value += n === 'n' ? '\n' : n === 'r' ? '\r' : n === 't' ? '\t' : n;
          j += 2;
          continue;
        }
        value += c;
        j++;
      }
      setOwn(out, name, value);
    } else {
      setOwn(out, name, rest.replace(/\s+#.*$/, '').trim());
    }
  }
  return out;
}
