/**
 * The part of HCL (version 1, as Vault parses policies) that policies use: blocks with string
 * labels, `key = value` attributes, strings (with escapes and heredocs), numbers, booleans, lists
 * and objects, and the three comment styles. JSON documents are HCL too, so a policy written as
 * JSON parses here as well.
 */
export type HclValue = string | number | boolean | HclValue[] | HclObject;

export interface HclItem {
  key: string;
  labels: string[];
  value: HclValue;
  line: number;
}

export interface HclObject {
  kind: 'object';
  items: HclItem[];
}

export class HclError extends Error {}

type Tok =
  | { t: 'ident'; v: string; line: number }
  | { t: 'string'; v: string; line: number }
  | { t: 'number'; v: number; line: number }
  | { t: 'punct'; v: string; line: number }
  | { t: 'eof'; line: number };

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  let line = 1;
  const at = () => `At ${line}`;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\ufeff') {
      i++;
      continue;
    }
    if (c === '#' || (c === '/' && src[i + 1] === '/')) {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end === -1) throw new HclError(`${at()}: comment not terminated`);
      for (let j = i; j < end; j++) if (src[j] === '\n') line++;
      i = end + 2;
      continue;
    }
    if ('{}[]=,:'.includes(c)) {
      out.push({ t: 'punct', v: c, line });
      i++;
      continue;
    }
    if (c === '"') {
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length || src[i] === '\n') throw new HclError(`${at()}: unterminated string`);
        const d = src[i]!;
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\') {
          const e = src[i + 1];
          const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f' };
          if (e !== undefined && simple[e] !== undefined) {
            s += simple[e];
            i += 2;
            continue;
          }
          if (e === 'u') {
            const hex = src.slice(i + 2, i + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new HclError(`${at()}: invalid escape`);
            s += String.fromCharCode(parseInt(hex, 16));
            i += 6;
            continue;
          }
          throw new HclError(`${at()}: invalid escape sequence`);
        }
        s += d;
        i++;
      }
      out.push({ t: 'string', v: s, line });
      continue;
    }
    if (c === '<' && src[i + 1] === '<') {
      const m = /^<<(-?)([A-Za-z_][A-Za-z0-9_]*)\r?\n/.exec(src.slice(i));
      if (!m) throw new HclError(`${at()}: invalid heredoc`);
      const startLine = line;
      i += m[0].length;
      line++;
      const lines: string[] = [];
      for (;;) {
        if (i >= src.length) throw new HclError(`At ${startLine}: heredoc not terminated`);
        const nl = src.indexOf('\n', i);
        const raw = src.slice(i, nl === -1 ? src.length : nl).replace(/\r$/, '');
        i = nl === -1 ? src.length : nl + 1;
        line++;
        if ((m[1] ? raw.trim() : raw) === m[2]) break;
        lines.push(raw);
      }
      out.push({ t: 'string', v: lines.length ? `${lines.join('\n')}\n` : '', line: startLine });
      continue;
    }
    const num = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(src.slice(i, i + 40));
    if (num && (c === '-' || /\d/.test(c))) {
      out.push({ t: 'number', v: Number(num[0]), line });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_.\-]*/.exec(src.slice(i, i + 256));
    if (id) {
      out.push({ t: 'ident', v: id[0], line });
      i += id[0].length;
      continue;
    }
    throw new HclError(`${at()}: illegal char '${c}'`);
  }
  out.push({ t: 'eof', line });
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}

  private peek(): Tok {
    return this.toks[this.i]!;
  }

  private next(): Tok {
    return this.toks[this.i++]!;
  }

  private isPunct(v: string): boolean {
    const t = this.peek();
    return t.t === 'punct' && t.v === v;
  }

  private expectPunct(v: string): void {
    const t = this.next();
    if (t.t !== 'punct' || t.v !== v) throw new HclError(`At ${t.line}: expected '${v}', got ${describe(t)}`);
  }

  document(): HclObject {
    const obj = this.body(true);
    return obj;
  }

  /** Items until '}' (or end of file at the top level). */
  private body(top: boolean): HclObject {
    const items: HclItem[] = [];
    for (;;) {
      const t = this.peek();
      if (top && t.t === 'eof') break;
      if (!top && this.isPunct('}')) break;
      if (t.t === 'eof') throw new HclError(`At ${t.line}: expected '}', got end of file`);
      if (t.t !== 'ident' && t.t !== 'string') throw new HclError(`At ${t.line}: expected a key, got ${describe(t)}`);
      this.next();
      const labels: string[] = [];
      while (this.peek().t === 'string' || this.peek().t === 'ident') labels.push((this.next() as { v: string }).v);
      let value: HclValue;
      if (this.isPunct('=') || this.isPunct(':')) {
        if (labels.length > 0) throw new HclError(`At ${t.line}: unexpected '=' after block labels`);
        this.next();
        value = this.value();
      } else if (this.isPunct('{')) {
        this.next();
        value = this.body(false);
        this.expectPunct('}');
      } else {
        const n = this.peek();
        throw new HclError(`At ${n.line}: expected '=' or '{' after key "${t.v}", got ${describe(n)}`);
      }
      items.push({ key: String(t.v), labels, value, line: t.line });
      if (this.isPunct(',')) this.next();
    }
    return { kind: 'object', items };
  }

  private value(): HclValue {
    const t = this.next();
    if (t.t === 'string' || t.t === 'number') return t.v;
    if (t.t === 'ident') {
      if (t.v === 'true') return true;
      if (t.v === 'false') return false;
      throw new HclError(`At ${t.line}: unknown token ${t.v}`);
    }
    if (t.t === 'punct' && t.v === '[') {
      const list: HclValue[] = [];
      while (!this.isPunct(']')) {
        list.push(this.value());
        if (this.isPunct(',')) this.next();
        else if (!this.isPunct(']')) {
          const n = this.peek();
          throw new HclError(`At ${n.line}: expected ',' or ']', got ${describe(n)}`);
        }
      }
      this.next();
      return list;
    }
    if (t.t === 'punct' && t.v === '{') {
      const obj = this.body(false);
      this.expectPunct('}');
      return obj;
    }
    throw new HclError(`At ${t.line}: unexpected ${describe(t)}`);
  }
}

function describe(t: Tok): string {
  if (t.t === 'eof') return 'end of file';
  if (t.t === 'string') return `string "${t.v}"`;
  return `'${String(t.v)}'`;
}

/** JSON documents map onto the same item model: every object key becomes an item. */
function fromJson(v: unknown): HclValue {
  if (Array.isArray(v)) return v.map(fromJson);
  if (v !== null && typeof v === 'object') {
    return { kind: 'object', items: Object.entries(v as Record<string, unknown>).map(([key, value]) => ({ key, labels: [], value: fromJson(value), line: 0 })) };
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  throw new HclError('null values are not supported');
}

export function parseHcl(src: string): HclObject {
  const trimmed = src.trim();
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (e) {
      throw new HclError(`invalid JSON: ${(e as Error).message}`);
    }
    const v = fromJson(parsed);
    if (typeof v !== 'object' || Array.isArray(v)) throw new HclError('a policy document must be an object');
    return v;
  }
  return new Parser(lex(src)).document();
}
