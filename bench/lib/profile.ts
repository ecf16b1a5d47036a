/**
 * Where the time goes: runs a command under `node --cpu-prof` and sums self time by function and
 * by source module. The CLI is profiled from a copy of its bundle built with source maps
 * (same sources, same esbuild options), so bundled chunks are mapped back to their modules.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

interface SourceMap { sources: string[]; lines: Array<Array<[number, number, number, number]>> }

function decodeMap(text: string, dir: string): SourceMap {
  const raw = JSON.parse(text) as { sources: string[]; mappings: string; sourceRoot?: string };
  const lines: SourceMap['lines'] = [];
  let src = 0;
  let sLine = 0;
  let sCol = 0;
  for (const line of raw.mappings.split(';')) {
    const segs: Array<[number, number, number, number]> = [];
    let col = 0;
    for (const seg of line.split(',')) {
      if (seg === '') continue;
      const vals: number[] = [];
      let shift = 0;
      let acc = 0;
      for (const ch of seg) {
        const d = B64.indexOf(ch);
        acc += (d & 31) << shift;
        if (d & 32) shift += 5;
        else {
          vals.push(acc & 1 ? -(acc >>> 1) : acc >>> 1);
          acc = 0;
          shift = 0;
        }
      }
      col += vals[0]!;
      if (vals.length >= 4) {
        src += vals[1]!;
        sLine += vals[2]!;
        sCol += vals[3]!;
        segs.push([col, src, sLine, sCol]);
      }
    }
    lines.push(segs);
  }
  return { sources: raw.sources.map((s) => resolve(dir, raw.sourceRoot ?? '', s)), lines };
}

const maps = new Map<string, SourceMap | null>();

function mapped(url: string, line: number, col: number): { file: string; line: number } | undefined {
  // Modules have file URLs; the CLI bundle, compiled by bin/kvgit.cjs through node:vm, has its
  // path (its wrapping function is part of the file, and of its source map).
  if (!url.startsWith('file://') && !url.startsWith('/')) return undefined;
  const path = url.startsWith('/') ? url : fileURLToPath(url);
  let m = maps.get(path);
  if (m === undefined) {
    m = existsSync(`${path}.map`) ? decodeMap(readFileSync(`${path}.map`, 'utf8'), dirname(path)) : null;
    maps.set(path, m);
  }
  if (!m) return undefined;
  const segs = m.lines[line];
  if (!segs || segs.length === 0) return undefined;
  let best = segs[0]!;
  for (const s of segs) if (s[0] <= col) best = s; else break;
  return { file: m.sources[best[1]]!, line: best[2] + 1 };
}

/** A readable module name: a package for node_modules, a repository path for our own sources. */
export function moduleName(file: string, repoRoot: string): string {
  const nm = file.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = file.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]} (${rest.slice(2).join('/')})` : `${rest[0]} (${rest.slice(1).join('/')})`;
  }
  return relative(repoRoot, file);
}

export interface ProfileSummary {
  /** Per run (means when several runs were summed). */
  wallMs: number;
  profiledMs: number;
  runs: number;
  byCategory: Array<{ name: string; ms: number }>;
  byModule: Array<{ name: string; ms: number }>;
  byFunction: Array<{ name: string; ms: number }>;
}

interface CpuNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; children?: number[] }

const FS_NATIVE = /^(openFileHandle|open|fstat|lstat|stat|close|read|readFileUtf8|readFileHandle|writeBuffer|writeString|writeFile|rename|fsync|fdatasync|mkdir|access|readdir|realpath|unlink|rmdir|utimes|chmod|ftruncate|existsSync|readlink|symlink|copyFile)$/;

/** A coarse bucket for a module / function, so a reader sees at once what kind of work dominates. */
function category(mod: string, fn: string): string {
  if (mod === '(garbage collector)') return 'garbage collection';
  if (mod === '(idle)') return 'idle (waiting for I/O or children)';
  if (mod === '(program)' || /^node: internal\/(modules|bootstrap|url|vm)|^node: (path|url|module)/.test(mod) || /^compile/.test(fn)) return 'Node start-up, module loading and compiling';
  if (/crypto|@noble|age-encryption|scrypt/i.test(mod)) return 'cryptography';
  if (/^packages\/core\/src\/storage|isomorphic-git|^node: zlib/.test(mod)) return 'git objects, trees and index (kvgit code)';
  if (/^node: internal\/fs|^node: fs/.test(mod) || (mod === '(native)' && FS_NATIVE.test(fn.split(' ')[0]!))) return 'file system calls';
  if (/^node: internal\/child_process|^node: child_process/.test(mod) || /^(spawn|spawnSync)$/.test(fn.split(' ')[0]!)) return 'child processes';
  if (/^packages\/|^bench\//.test(mod)) return 'other kvgit code';
  return 'other (Node built-ins, buffers, JSON, …)';
}

interface CpuProfile { nodes: CpuNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export function summarise(file: string | string[], repoRoot: string, wallMs: number): ProfileSummary {
  const files = Array.isArray(file) ? file : [file];
  const mods = new Map<string, number>();
  const fns = new Map<string, number>();
  const cats = new Map<string, number>();
  let profiled = 0;
  for (const f of files) {
    const p = JSON.parse(readFileSync(f, 'utf8')) as CpuProfile;
    profiled += (p.endTime - p.startTime) / 1000;
    addProfile(p, repoRoot, mods, fns, cats);
  }
  const n = files.length;
  const top = (m: Map<string, number>) => [...m].map(([name, ms]) => ({ name, ms: ms / n })).sort((a, b) => b.ms - a.ms);
  return { wallMs, profiledMs: profiled / n, runs: n, byCategory: top(cats), byModule: top(mods), byFunction: top(fns) };
}

function addProfile(p: CpuProfile, repoRoot: string, mods: Map<string, number>, fns: Map<string, number>, cats: Map<string, number>): void {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
    self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + dt);
  }
  for (const [id, ms] of self) {
    const { functionName, url, lineNumber, columnNumber } = byId.get(id)!.callFrame;
    let mod: string;
    let where: string;
    const m = mapped(url, lineNumber, columnNumber);
    if (m) {
      mod = moduleName(m.file, repoRoot);
      where = `${mod.split(' ')[0]}:${m.line}`;
    } else if (url === '') {
      mod = functionName.startsWith('(') ? functionName : '(native)';
      where = '';
    } else if (url.startsWith('node:')) {
      mod = `node: ${url.slice(5).split('/').slice(0, 3).join('/')}`;
      where = url.slice(5);
    } else {
      const path = url.startsWith('file://') ? fileURLToPath(url) : url;
      mod = moduleName(path, repoRoot);
      where = `${mod.split(' ')[0]}:${lineNumber + 1}`;
    }
    mods.set(mod, (mods.get(mod) ?? 0) + ms);
    const fn = `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    fns.set(fn, (fns.get(fn) ?? 0) + ms);
    const cat = category(mod, fn);
    cats.set(cat, (cats.get(cat) ?? 0) + ms);
  }
}

/**
 * Runs `node --cpu-prof … script args` `runs` times (a short process gives few samples, and one
 * run on a shared machine is noisy) and summarises the profiles together, as means per run.
 */
export function profileNode(script: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; input?: string; dir: string; repoRoot: string; runs?: number; prepare?: () => void }): ProfileSummary | { error: string } {
  rmSync(opts.dir, { recursive: true, force: true });
  mkdirSync(opts.dir, { recursive: true });
  const runs = opts.runs ?? 1;
  let wall = 0;
  for (let i = 0; i < runs; i++) {
    opts.prepare?.();
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-interval', '250', '--cpu-prof-dir', opts.dir, ...script], { cwd: opts.cwd, env: opts.env, input: opts.input, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
    wall += performance.now() - t0;
    if (r.status !== 0) return { error: `exit ${r.status}: ${String(r.stderr).trim().slice(0, 300)}` };
  }
  const files = readdirSync(opts.dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(opts.dir, f));
  if (files.length === 0) return { error: 'no profile written' };
  return summarise(files, opts.repoRoot, wall / runs);
}

export function profileMarkdown(title: string, s: ProfileSummary | { error: string }, topN = 12): string {
  if ('error' in s) return `**${title}**: profile failed (${s.error})\n`;
  const total = s.byModule.reduce((a, b) => a + b.ms, 0);
  const pct = (ms: number) => `${((100 * ms) / total).toFixed(1)} %`;
  const lines = [`**${title}** — ${s.runs > 1 ? `means of ${s.runs} profiled runs: ` : ''}wall ${s.wallMs.toFixed(0)} ms under the profiler, profiled ${s.profiledMs.toFixed(0)} ms (the rest is Node's own start-up before the profiler attaches, and exit)`, ''];
  lines.push('| kind of work | ms | share |', '| --- | ---: | ---: |');
  for (const c of s.byCategory) lines.push(`| ${c.name} | ${c.ms.toFixed(1)} | ${pct(c.ms)} |`);
  lines.push('', '| self time by module | ms | share |', '| --- | ---: | ---: |');
  for (const m of s.byModule.slice(0, topN)) lines.push(`| ${m.name} | ${m.ms.toFixed(1)} | ${pct(m.ms)} |`);
  lines.push('', '| top functions (self time) | ms | share |', '| --- | ---: | ---: |');
  for (const f of s.byFunction.slice(0, topN)) lines.push(`| \`${f.name.replace(/\|/g, '\\|')}\` | ${f.ms.toFixed(1)} | ${pct(f.ms)} |`);
  return `${lines.join('\n')}\n`;
}
