/**
 * Paired sampling. The machines drift up to 2× within minutes, so every command of a group runs
 * once per round, in a rotating order, and comparisons are made round by round (paired ratios).
 * A sample is the wall time from spawn to exit, less the median cost of spawning /bin/true
 * measured in the same rounds (as hyperfine subtracts its shell).
 */
import { spawnSync } from 'node:child_process';

export interface Cmd {
  id: string;
  argv: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Standard input: a fixed text, or one made per round (e.g. a fresh value to put). */
  input?: string | ((round: number) => string);
  /** Per-round argv (e.g. a different key each round). */
  argvFor?: (round: number) => string[];
  /** Untimed work before each timed run (e.g. copy a template repository). */
  prepare?: (round: number) => void;
  /** Untimed check after each successful timed run (e.g. that a blob is really gone). */
  after?: (round: number) => void;
}

export interface Series {
  id: string;
  /** One value per round (ms); NaN where that round failed. */
  ms: number[];
  error?: string;
}

export const SPAWN_FLOOR = '__spawn_floor__';

export interface SampleOptions {
  rounds: number;
  warmup: number;
  log?: (s: string) => void;
  /** Don't subtract the spawn floor (long runs, where it is noise). */
  raw?: boolean;
}

function once(c: Cmd, round: number): { ms: number; error?: string } {
  c.prepare?.(round);
  const argv = c.argvFor ? c.argvFor(round) : c.argv;
  const input = typeof c.input === 'function' ? c.input(round) : c.input;
  const t0 = performance.now();
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: c.cwd, env: c.env, input, stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
  const ms = performance.now() - t0;
  if (!r.error && r.status === 0) c.after?.(round);
  if (r.error || r.status !== 0) {
    return { ms: NaN, error: `${argv.join(' ')} → ${r.error ? r.error.message : `exit ${r.status}${r.signal ? ` (${r.signal})` : ''}`}: ${String(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ').slice(0, 300)}` };
  }
  return { ms };
}

export function sample(cmds: Cmd[], o: SampleOptions): Map<string, Series> {
  const all: Cmd[] = o.raw ? cmds : [{ id: SPAWN_FLOOR, argv: ['/bin/true'] }, ...cmds];
  const out = new Map<string, Series>(all.map((c) => [c.id, { id: c.id, ms: [] }]));
  const dead = new Set<string>();
  for (let w = 0; w < o.warmup; w++) {
    for (const c of all) {
      if (dead.has(c.id)) continue;
      const r = once(c, -1 - w);
      if (r.error) {
        dead.add(c.id);
        out.get(c.id)!.error = r.error;
        o.log?.(`  not measured: ${c.id}: ${r.error}`);
      }
    }
  }
  for (let round = 0; round < o.rounds; round++) {
    const shift = round % all.length;
    const order = [...all.slice(shift), ...all.slice(0, shift)];
    if (round % 2 === 1) order.reverse();
    for (const c of order) {
      const s = out.get(c.id)!;
      if (dead.has(c.id)) { s.ms.push(NaN); continue; }
      const r = once(c, round);
      if (r.error) {
        s.error ??= r.error;
        o.log?.(`  failed in round ${round}: ${c.id}: ${r.error}`);
      }
      s.ms.push(r.ms);
    }
  }
  if (!o.raw) {
    const floor = median(out.get(SPAWN_FLOOR)!.ms);
    for (const s of out.values()) if (s.id !== SPAWN_FLOOR) s.ms = s.ms.map((x) => x - floor);
  }
  return out;
}

export function quantile(xs: number[], q: number): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const pos = (v.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return v[lo]! + (v[hi]! - v[lo]!) * (pos - lo);
}

export const median = (xs: number[]) => quantile(xs, 0.5);

export interface Stat { median: number; p25: number; p75: number; min: number; max: number; n: number }

export function stat(xs: number[]): Stat {
  const v = xs.filter((x) => Number.isFinite(x));
  return { median: median(v), p25: quantile(v, 0.25), p75: quantile(v, 0.75), min: Math.min(...v), max: Math.max(...v), n: v.length };
}

/** Round-by-round ratios a/b (only rounds where both succeeded). */
export function pairedRatio(a: Series | undefined, b: Series | undefined): Stat | undefined {
  if (!a || !b || a.error && a.ms.every((x) => !Number.isFinite(x)) || b.error && b.ms.every((x) => !Number.isFinite(x))) return undefined;
  const r: number[] = [];
  for (let i = 0; i < Math.min(a.ms.length, b.ms.length); i++) {
    if (Number.isFinite(a.ms[i]!) && Number.isFinite(b.ms[i]!) && b.ms[i]! > 0) r.push(a.ms[i]! / b.ms[i]!);
  }
  return r.length > 0 ? stat(r) : undefined;
}
