// Owns the live tail connection: one fetch()-streamed SSE request at a time (fetch, not
// EventSource, so the read token can go in a header), parsed incrementally, delivered in one
// batch per animation frame, resumed after any break from the last id seen so that a
// reconnect neither loses nor repeats lines, and reporting its state for the UI.
import { useEffect, useRef, useState } from 'react';
import { backoffDelay } from '../../../src/shared/backoff.js';
import type { LogRecord } from '../../../src/shared/record.js';
import { ApiError, openTail } from '../api.js';
import { SseParser } from '../../../src/shared/sse.js';
import { TailBuffer } from '../lib/tailBuffer.js';

export type TailState = 'off' | 'connecting' | 'live' | 'reconnecting' | 'unauthorized';

/** What the UI shows about the connection. */
export interface TailStatus {
  state: TailState;
  /** When the next reconnect attempt starts (ms since epoch), while reconnecting. */
  retryAt: number | null;
  /** The last failure, in words. */
  error: string | null;
}

export interface LiveTailOptions {
  /** Filter query string for /api/v1/tail (q, level, source). */
  params: string;
  /** Connect only when true (a live range and a loaded first page). */
  enabled: boolean;
  /** Resume strictly after this id when the stream (re)starts for a new session. */
  startAfter: number | null;
  /** Changes whenever the stream must start over from `startAfter` (new filters, reload). */
  session: number;
  /** New records, oldest first, at most one call per animation frame. */
  onRecords(records: LogRecord[]): void;
  /** Records in (from, to] were skipped by the server because we fell behind. */
  onGap(from: number, to: number): void;
  /** The server has sent every stored record up to the subscription (after a resume). */
  onCaughtUp?(id: number): void;
}

/** A stream with nothing on it for this long (heartbeats come every 15 s) is treated as dead. */
const STALL_MS = 40_000;
const MAX_BACKOFF_MS = 5_000;


/** Runs the live tail described by `opts` and returns its connection status. */
export function useLiveTail(opts: LiveTailOptions): TailStatus {
  const [status, setStatus] = useState<TailStatus>({ state: 'off', retryAt: null, error: null });
  const callbacks = useRef(opts);
  callbacks.current = opts;

  useEffect(() => {
    if (!opts.enabled) {
      setStatus({ state: 'off', retryAt: null, error: null });
      return;
    }
    const outer = new AbortController();
    let lastId = opts.startAfter;
    const buffer = new TailBuffer(opts.startAfter ?? 0);
    let raf = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;

    const flush = () => {
      cancelAnimationFrame(raf);
      clearTimeout(timer);
      raf = 0;
      timer = undefined;
      if (!buffer.size || outer.signal.aborted) return;
      callbacks.current.onRecords(buffer.take());
    };
    // rAF batches to one render per frame; the timer covers hidden tabs, where rAF stops.
    const schedule = () => {
      if (!raf) raf = requestAnimationFrame(flush);
      if (!timer) timer = setTimeout(flush, 250);
    };

    const handle = (event: string, data: string, eventId: string) => {
      if (event === 'logs' || event === 'message') {
        let records: unknown;
        try {
          records = JSON.parse(data);
        } catch {
          return;
        }
        if (!Array.isArray(records) || !records.length) return;
        const dropped = buffer.push(records as LogRecord[]);
        if (dropped) callbacks.current.onGap(dropped.from, dropped.to);
        const idFromEvent = Number(eventId);
        const maxId = (records as LogRecord[]).reduce((m, r) => Math.max(m, r.id), 0);
        lastId = Math.max(lastId ?? 0, Number.isFinite(idFromEvent) && eventId !== '' ? idFromEvent : 0, maxId);
        schedule();
      } else if (event === 'caught-up') {
        // Deliver the replayed lines first, so the caller sees them before the signal.
        flush();
        let id = 0;
        try {
          id = Number((JSON.parse(data) as { id?: number }).id) || 0;
        } catch {
          // A malformed signal still says the replay ended.
        }
        callbacks.current.onCaughtUp?.(id);
      } else if (event === 'gap') {
        let gap: { from?: number; to?: number };
        try {
          gap = JSON.parse(data);
        } catch {
          return;
        }
        if (typeof gap.from !== 'number' || typeof gap.to !== 'number') return;
        // Deliver what came before the gap first, so the marker lands in stream order.
        flush();
        // Resume after the gap: the skipped lines are refilled through the query API.
        lastId = Math.max(lastId ?? 0, gap.to);
        buffer.skip(gap.to);
        callbacks.current.onGap(gap.from, gap.to);
      }
    };

    const run = async () => {
      let attempt = 0;
      while (!outer.signal.aborted) {
        setStatus((s) => ({ state: attempt ? 'reconnecting' : 'connecting', retryAt: null, error: attempt ? s.error : null }));
        const conn = new AbortController();
        const abortConn = () => conn.abort();
        outer.signal.addEventListener('abort', abortConn);
        let stall: ReturnType<typeof setTimeout> | undefined;
        const armStall = () => {
          clearTimeout(stall);
          stall = setTimeout(() => conn.abort(), STALL_MS);
        };
        try {
          armStall();
          const res = await openTail(new URLSearchParams(callbacks.current.params), lastId, conn.signal);
          setStatus({ state: 'live', retryAt: null, error: null });
          attempt = 0;
          const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
          const parser = new SseParser();
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            armStall();
            for (const ev of parser.push(value)) handle(ev.event, ev.data, ev.lastEventId);
          }
          flush();
          if (!outer.signal.aborted) setStatus((s) => ({ ...s, error: 'The server closed the live stream.' }));
        } catch (err) {
          flush();
          if (outer.signal.aborted) return;
          if (err instanceof ApiError && err.status === 401) {
            setStatus({ state: 'unauthorized', retryAt: null, error: 'The server needs a read token.' });
            return;
          }
          const message = err instanceof ApiError ? err.message : conn.signal.aborted ? 'The live stream went silent.' : 'The connection to the server was lost.';
          setStatus((s) => ({ ...s, error: message }));
        } finally {
          clearTimeout(stall);
          outer.signal.removeEventListener('abort', abortConn);
        }
        attempt++;
        // Exponential backoff with jitter, so that many tabs do not reconnect in lockstep.
        const delay = backoffDelay(attempt - 1, { baseMs: 300, capMs: MAX_BACKOFF_MS });
        setStatus((s) => ({ state: 'reconnecting', retryAt: Date.now() + delay, error: s.error }));
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, delay);
          outer.signal.addEventListener('abort', () => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    };
    void run();
    return () => {
      outer.abort();
      cancelAnimationFrame(raf);
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [opts.params, opts.enabled, opts.session]);

  return status;
}
