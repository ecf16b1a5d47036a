/**
 * Vault's wire formats for time: RFC 3339 timestamps with trailing fractional zeros trimmed
 * (Go's time.RFC3339Nano) and durations in Go's Duration.String() form (reference §2.3).
 */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

/** Milliseconds since the epoch → `2018-03-22T02:24:06.945Z`; fraction omitted when zero. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  const iso = new Date(ms).toISOString(); // always .sssZ
  return iso.replace(/\.?0+Z$/, 'Z').replace(/\.Z$/, 'Z');
}

export function parseTime(s: string): number | null {
  if (s === '') return null;
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) throw new Error(`invalid timestamp ${JSON.stringify(s)}`);
  return ms;
}

/** Whole seconds → Go Duration.String(): `0s`, `30s`, `1m30s`, `1h0m0s`, `-1s`. */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const sign = seconds < 0 ? '-' : '';
  let s = Math.abs(seconds);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (h > 0) return `${sign}${h}h${m}m${s}s`;
  if (m > 0) return `${sign}${m}m${s}s`;
  return `${sign}${s}s`;
}

const UNIT_NS: Record<string, number> = {
  ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9,
};

/** Go's time.ParseDuration, returning nanoseconds (as a float; precision beyond seconds is dropped later). */
export function parseGoDuration(input: string): number {
  let s = input;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new Error(`invalid duration "${input}"`);
  let total = 0;
  const re = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;
  while (s.length > 0) {
    const m = re.exec(s);
    if (!m || (m[1] === '' && (m[2] === undefined || m[2] === ''))) {
      if (/^[\d.]+$/.test(s)) throw new Error(`missing unit in duration "${input}"`);
      throw new Error(`invalid duration "${input}"`);
    }
    const whole = m[1] === '' ? 0 : Number(m[1]);
    const frac = m[2] ? Number(`0.${m[2]}`) : 0;
    total += (whole + frac) * UNIT_NS[m[3]!]!;
    s = s.slice(m[0].length);
  }
  return sign * total;
}

/**
 * parseutil.ParseDurationSecond: a number or integer string is seconds, `Nd` is days, anything
 * else a Go duration. Truncated to whole seconds, as Vault's field types do.
 */
export function parseDurationSeconds(value: unknown): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`invalid duration ${value}`);
    return Math.trunc(value);
  }
  if (typeof value !== 'string') throw new Error(`could not parse duration from input`);
  const s = value.trim();
  if (s === '') return 0;
  if (/^[-+]?\d+$/.test(s)) return Number(s);
  const days = /^([-+]?\d+)d$/.exec(s);
  if (days) return Number(days[1]) * 86400;
  return Math.trunc(parseGoDuration(s) / 1e9);
}
