// Live tail over Server-Sent Events. Each subscriber:
//   1. subscribes to the hub first, buffering what is published meanwhile;
//   2. catches up from the store (records after Last-Event-ID / ?after=), page by page;
//   3. then says `caught-up` and sends buffered and new records, skipping ids it already sent.
// Because every record is published only after its commit and the store is read after the
// subscription, no record can fall between (2) and (3). A subscriber that cannot keep up
// (its socket buffer full and its queue past tailBufferRecords, or past TAIL_BUFFER_BYTES of
// text) loses its queue and gets a `gap` event naming the skipped id range, which the client
// refills through the query API.
import type { FastifyInstance } from 'fastify';
import { LogpipeError } from '../../shared/errors.js';
import type { Limits } from '../config.js';
import { encodeCursor } from '../../shared/cursor.js';
import type { LiveHub, PublishedBatch } from '../live/hub.js';
import type { ServerMetrics } from '../metrics.js';
import type { QueryEngine } from '../query/engine.js';
import { filterSchema, parseFilter, type FilterQuery } from './filters.js';
import { queryString, wholeNumber } from './schema.js';

export interface TailRoutesOptions {
  engine: QueryEngine;
  hub: LiveHub;
  limits: Limits;
  metrics: ServerMetrics;
  heartbeatMs: number;
  /** Headers every response carries (security headers), since SSE bypasses the reply hooks. */
  headers: () => Record<string, string>;
}

const PAGE = 1000;

/**
 * Text a subscriber's queue may hold, whatever --tail-buffer says: 20,000 records of 256 KiB
 * lines were 5 GiB held for one subscriber that stopped reading (security-limits test).
 */
export const TAIL_BUFFER_BYTES = 32 * 1024 * 1024;

function parseLastId(text: string | undefined, name: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  if (!/^\d{1,15}$/.test(text.trim())) throw new LogpipeError('LP_ERR_INVALID_QUERY', `${name} must be a record id, got "${text.slice(0, 40)}".`);
  return Number(text.trim());
}

export default async function tailRoutes(app: FastifyInstance, opts: TailRoutesOptions): Promise<void> {
  const { engine, hub, limits, metrics } = opts;

  app.get<{ Querystring: FilterQuery & { after?: number } }>('/api/v1/tail', {
    config: { access: 'read' },
    schema: { querystring: queryString({ ...filterSchema({ time: false }), after: wholeNumber(0, 999_999_999_999_999, 'a whole number (a record id)') }) },
  }, async (req, reply) => {
    const q = req.query;
    // The same query language as the query API, applied by the same evaluator the engine uses on
    // candidates, so the tail selects what GET /api/v1/logs returns. A pipe is not a condition:
    // the tail follows the records the pipe would count.
    const prepared = engine.prepare(q.q, parseFilter(q, { time: false }));
    const predicate = prepared.all ? undefined : prepared.matches;
    const header = req.headers['last-event-id'];
    const resumeFrom = parseLastId(Array.isArray(header) ? header[0] : header, 'Last-Event-ID') ?? q.after;
    if (hub.size >= limits.maxSubscribers) {
      throw new LogpipeError('LP_ERR_TOO_MANY_SUBSCRIBERS', `The server already has ${hub.size} live-tail subscribers (limit ${limits.maxSubscribers}).`, undefined, 5);
    }

    const res = reply.raw;
    let lastSent = resumeFrom ?? hub.lastId;
    let catchingUp = resumeFrom !== undefined && resumeFrom < hub.lastId;
    // Records waiting to be written, as id + JSON text (serialized once per batch, shared).
    let pending: { id: number; text: string }[] = [];
    /** Characters of text in `pending`. */
    let pendingChars = 0;
    let overflowed = false;
    let gap: { from: number; to: number } | null = null;
    let closed = false;

    const writeEvent = (event: string, id: number | null, data: string): boolean =>
      res.write(`${id !== null ? `id: ${id}\n` : ''}event: ${event}\ndata: ${data}\n\n`);

    const flush = (): void => {
      if (closed || catchingUp) return;
      if (gap) {
        writeEvent('gap', gap.to, JSON.stringify({ from: gap.from, to: gap.to, cursor: encodeCursor({ order: 'asc', id: gap.from }) }));
        metrics.gaps.inc();
        lastSent = gap.to;
        gap = null;
      }
      while (pending.length && !res.writableNeedDrain) {
        const batch = pending.length > PAGE ? pending.splice(0, PAGE) : pending.splice(0);
        for (const r of batch) pendingChars -= r.text.length;
        const fresh = batch[0].id > lastSent ? batch : batch.filter((r) => r.id > lastSent);
        if (!fresh.length) continue;
        lastSent = fresh[fresh.length - 1].id;
        let data = '[';
        for (let i = 0; i < fresh.length; i++) data += (i ? ',' : '') + fresh[i].text;
        writeEvent('logs', lastSent, data + ']');
      }
    };

    const subscriber = {
      deliver(batch: PublishedBatch) {
        const { records } = batch;
        // The common case, a follower of everything that keeps up: one shared text per batch.
        if (!predicate && !pending.length && !gap && !catchingUp && !res.writableNeedDrain && records[0].id > lastSent) {
          lastSent = records[records.length - 1].id;
          writeEvent('logs', lastSent, batch.allText());
          return;
        }
        const matched: { id: number; text: string }[] = [];
        let chars = 0;
        for (let i = 0; i < records.length; i++) {
          if (!predicate || predicate(records[i], () => batch.tokens(i))) {
            const text = batch.text(i);
            matched.push({ id: records[i].id, text });
            chars += text.length;
          }
        }
        if (!matched.length) return;
        if (pending.length + matched.length > limits.tailBufferRecords || pendingChars + chars > TAIL_BUFFER_BYTES) {
          if (catchingUp) {
            // The store has them all: drop the buffer and let the catch-up loop read again.
            overflowed = true;
            pending = [];
            pendingChars = 0;
            return;
          }
          const to = matched[matched.length - 1].id;
          gap = { from: gap?.from ?? lastSent, to };
          pending = [];
          pendingChars = 0;
          // Tell the client now (or as soon as its socket drains), not with the next line.
          flush();
          return;
        }
        for (const r of matched) pending.push(r);
        pendingChars += chars;
        flush();
      },
      close() {
        if (!closed) res.end();
      },
    };

    reply.hijack();
    res.writeHead(200, {
      ...opts.headers(),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // HEAD (Fastify's twin of every GET) gets the head and nothing else: a response that can
    // carry no body would otherwise hold a subscriber slot, unsent, for as long as the client waits.
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.write(`retry: 2000\n: connected, last id ${lastSent}\n\n`);
    const unsubscribe = hub.subscribe(subscriber);
    metrics.subscribers.set(hub.size);
    const heartbeat = setInterval(() => {
      if (!res.writableNeedDrain) res.write(': heartbeat\n\n');
    }, opts.heartbeatMs);
    res.on('drain', flush);
    const cleanup = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      unsubscribe();
      metrics.subscribers.set(hub.size);
    };
    res.on('close', cleanup);
    req.raw.on('close', cleanup);

    if (catchingUp) {
      try {
        // A client very far behind is not replayed line by line: it gets a gap to refill by query.
        const maxReplay = limits.tailBufferRecords * 5;
        let replayed = 0;
        for (;;) {
          overflowed = false;
          // Candidates that do not match are read past (lastSent moves on) but not sent.
          const { rows, last, read } = await engine.since(prepared, lastSent, PAGE);
          if (closed) return;
          if (rows.length) {
            writeEvent('logs', last, JSON.stringify(rows));
            if (res.writableNeedDrain) await new Promise((r) => res.once('drain', r));
          }
          lastSent = last;
          replayed += read;
          if (read < PAGE && !overflowed) break;
          if (replayed >= maxReplay) {
            const to = hub.lastId;
            if (to > lastSent) {
              writeEvent('gap', to, JSON.stringify({ from: lastSent, to, cursor: encodeCursor({ order: 'asc', id: lastSent }) }));
              metrics.gaps.inc();
              lastSent = to;
            }
            break;
          }
        }
      } catch (err) {
        req.log.error({ err }, 'Live-tail catch-up failed; closing the stream so the client reconnects.');
        res.end();
        return;
      }
      catchingUp = false;
      // Says that everything stored up to the subscription has been sent (a client refilling
      // lines it skipped knows it is done even when no newer line matches its filters).
      writeEvent('caught-up', null, JSON.stringify({ id: lastSent }));
      flush();
    }
  });
}
