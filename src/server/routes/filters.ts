// Query-string filters shared by the query, histogram, export and tail endpoints: their schema
// (declared to Fastify with each route) and their meaning as a LogFilter.
import { LogpipeError } from '../../shared/errors.js';
import { parseLevelList } from '../../shared/levels.js';
import { parseTimestamp } from '../../shared/parse/index.js';
import type { LogFilter } from '../storage/store.js';
import { text, textList } from './schema.js';

/** The filter parameters as Fastify hands them over once the schema has checked them. */
export interface FilterQuery {
  q?: string;
  level?: string[];
  source?: string[];
  host?: string;
  from?: string;
  to?: string;
}

const MAX_Q = 1024;

/** Schema properties of the filter parameters; `time: false` leaves out from and to. */
export function filterSchema(opts: { time?: boolean } = {}): Record<string, Record<string, unknown>> {
  const props: Record<string, Record<string, unknown>> = { q: text(MAX_Q), level: textList(), source: textList(), host: text(1024) };
  if (opts.time !== false) {
    props.from = { type: 'string', maxLength: 64, description: 'ms since the epoch or an ISO-8601 time' };
    props.to = props.from;
  }
  return props;
}

function invalid(param: string, why: string): LogpipeError {
  return new LogpipeError('LP_ERR_INVALID_QUERY', `Query parameter "${param}" ${why}.`, { param });
}

/** The values of a repeated and/or comma-separated parameter. */
function list(values: string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  const parts = values.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  return parts.length ? parts : undefined;
}

/** ms since the epoch or ISO-8601 (the many spellings of a time are more than a schema says). */
export function parseTime(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  let ms: number | undefined;
  if (/^-?\d+(\.\d+)?$/.test(value)) ms = Math.floor(Number(value));
  else ms = parseTimestamp(value);
  if (ms === undefined || !Number.isFinite(ms) || ms < 0 || ms > 253_402_300_799_999) {
    throw invalid(name, `must be ms since the epoch or an ISO-8601 time, got "${value.slice(0, 40)}"`);
  }
  return ms;
}

/** Reads q, level, source, host, from and to. */
export function parseFilter(q: FilterQuery, opts: { time?: boolean } = {}): LogFilter {
  const f: LogFilter = {};
  if (q.q !== undefined && q.q.trim()) f.q = q.q;
  const levels = list(q.level);
  if (levels) {
    const { levels: ok, invalid: bad } = parseLevelList(levels.join(','));
    if (bad.length) throw invalid('level', `has unknown level "${bad[0].slice(0, 40)}" (use trace, debug, info, warn, error, fatal, unknown)`);
    f.levels = ok;
  }
  const sources = list(q.source);
  if (sources) f.sources = sources;
  if (q.host) f.host = q.host;
  if (opts.time !== false) {
    f.from = parseTime(q.from, 'from');
    f.to = parseTime(q.to, 'to');
    if (f.from !== undefined && f.to !== undefined && f.from >= f.to) throw invalid('from', 'must be before "to"');
  }
  return f;
}
