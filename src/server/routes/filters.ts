// Query-string filters shared by the query, histogram, export and tail endpoints.
import { LogpipeError } from '../../shared/errors.js';
import { parseLevelList } from '../../shared/levels.js';
import { parseTimestamp } from '../../shared/parse/index.js';
import type { LogFilter } from '../storage/store.js';

export type Query = Record<string, string | string[] | undefined>;

const MAX_Q = 1024;

function invalid(param: string, why: string): LogpipeError {
  return new LogpipeError('LP_ERR_INVALID_QUERY', `Query parameter "${param}" ${why}.`, { param });
}

/** One value of a parameter; a repeated parameter keeps its last value. */
export function one(q: Query, name: string): string | undefined {
  const v = q[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** A repeated and/or comma-separated parameter. */
export function list(q: Query, name: string): string[] | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  const parts = (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  return parts.length ? parts : undefined;
}

/** ms since the epoch or ISO-8601. */
export function parseTime(q: Query, name: string): number | undefined {
  const v = one(q, name);
  if (v === undefined || v === '') return undefined;
  let ms: number | undefined;
  if (/^-?\d+(\.\d+)?$/.test(v)) ms = Math.floor(Number(v));
  else ms = parseTimestamp(v);
  if (ms === undefined || !Number.isFinite(ms) || ms < 0 || ms > 253_402_300_799_999) {
    throw invalid(name, `must be ms since the epoch or an ISO-8601 time, got "${v.slice(0, 40)}"`);
  }
  return ms;
}

export function parseIntParam(q: Query, name: string, def: number, min: number, max: number): number {
  const v = one(q, name);
  if (v === undefined || v === '') return def;
  if (!/^\d{1,12}$/.test(v)) throw invalid(name, `must be a whole number from ${min} to ${max}, got "${v.slice(0, 40)}"`);
  const n = Number(v);
  if (n < min || n > max) throw invalid(name, `must be a whole number from ${min} to ${max}, got ${n}`);
  return n;
}

/** Reads q, level, source, host, from and to. */
export function parseFilter(q: Query, opts: { time?: boolean } = {}): LogFilter {
  const f: LogFilter = {};
  const text = one(q, 'q');
  if (text !== undefined && text.trim()) {
    if (text.length > MAX_Q) throw invalid('q', `is longer than ${MAX_Q} characters`);
    f.q = text;
  }
  const levels = one(q, 'level') !== undefined ? list(q, 'level') : undefined;
  if (levels) {
    const { levels: ok, invalid: bad } = parseLevelList(levels.join(','));
    if (bad.length) throw invalid('level', `has unknown level "${bad[0].slice(0, 40)}" (use trace, debug, info, warn, error, fatal, unknown)`);
    f.levels = ok;
  }
  const sources = list(q, 'source');
  if (sources) f.sources = sources;
  const host = one(q, 'host');
  if (host) f.host = host;
  if (opts.time !== false) {
    f.from = parseTime(q, 'from');
    f.to = parseTime(q, 'to');
    if (f.from !== undefined && f.to !== undefined && f.from >= f.to) throw invalid('from', 'must be before "to"');
  }
  return f;
}
