// Realistic log records for browser tests, screenshots and dashboard benchmarks: lines from
// the Loghub corpus (several real systems as sources, their own timestamps replaced by recent
// ones) mixed with generated application lines (JSON fields, stack traces, incidents).
import { readFileSync, existsSync } from 'node:fs';
import type { IngestRecord } from '../../src/shared/record.js';

const LOGHUB = process.env.LOGHUB_DIR ?? process.env.LOGPIPE_LOGHUB ?? new URL('../../../shared/loghub', import.meta.url).pathname;

// How to cut each system's own timestamp off its lines, and its source name.
const SYSTEMS: { file: string; source: string; host: string; strip: RegExp }[] = [
  { file: 'Hadoop_2k.log', source: 'hadoop', host: 'mr-node-07', strip: /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ / },
  { file: 'Zookeeper_2k.log', source: 'zookeeper', host: 'zk-1', strip: /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ - / },
  { file: 'Spark_2k.log', source: 'spark', host: 'spark-exec-3', strip: /^\d\d\/\d\d\/\d\d \d\d:\d\d:\d\d / },
  { file: 'OpenSSH_2k.log', source: 'sshd', host: 'bastion', strip: /^\w{3} +\d+ \d\d:\d\d:\d\d \S+ / },
  { file: 'Apache_2k.log', source: 'apache', host: 'web-2', strip: /^\[[^\]]+\] / },
  { file: 'Linux_2k.log', source: 'syslog', host: 'combo', strip: /^\w{3} +\d+ \d\d:\d\d:\d\d \S+ / },
  { file: 'Android_2k.log', source: 'android', host: 'pixel-7', strip: /^\d\d-\d\d \d\d:\d\d:\d\d\.\d+ +/ },
];

function levelOf(text: string): string {
  const m = /\b(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|FATAL|CRITICAL)\b/i.exec(text.slice(0, 60));
  if (m) return m[1].toLowerCase().replace('notice', 'info').replace('warning', 'warn').replace('critical', 'fatal');
  const letter = /^\s*\d+\s+\d+\s+([VDIWEF]) /.exec(text);
  if (letter) return { V: 'trace', D: 'debug', I: 'info', W: 'warn', E: 'error', F: 'fatal' }[letter[1]]!;
  if (/fail|invalid|refused|denied|break-in/i.test(text)) return 'warn';
  return 'info';
}

interface CorpusLine {
  message: string;
  level: string;
  source: string;
  host: string;
}

let corpus: CorpusLine[] | null = null;

/** The Loghub lines, timestamps cut off, with a level and a source each. */
export function loghubLines(): CorpusLine[] {
  if (corpus) return corpus;
  corpus = [];
  for (const s of SYSTEMS) {
    const path = `${LOGHUB}/${s.file}`;
    if (!existsSync(path)) continue;
    for (const raw of readFileSync(path, 'utf8').split('\n')) {
      if (!raw.trim()) continue;
      const message = raw.replace(s.strip, '').trim();
      corpus.push({ message, level: levelOf(message), source: s.source, host: s.host });
    }
  }
  return corpus;
}

const PATHS = ['/api/orders', '/api/orders/{id}', '/api/cart', '/api/login', '/api/search', '/healthz', '/api/payments/charge'];
const USERS = ['ada', 'linus', 'grace', 'ken', 'barbara', 'dennis', 'margaret'];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** One generated application line (an HTTP access line, a slow query, an exception, …). */
function appLine(r: () => number, i: number): CorpusLine {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const x = r();
  if (x < 0.55) {
    const status = r() < 0.9 ? 200 : pick([201, 204, 301, 404, 429]);
    const path = pick(PATHS).replace('{id}', String(1000 + Math.floor(r() * 9000)));
    const ms = Math.round(2 + r() * r() * 400);
    return { source: 'api', host: `api-${1 + (i % 3)}`, level: status >= 400 ? 'warn' : 'info', message: `${pick(['GET', 'GET', 'POST', 'PUT'])} ${path} ${status} ${ms}ms user=${pick(USERS)} req_id=${(i * 2654435761 >>> 0).toString(16)}` };
  }
  if (x < 0.7) return { source: 'worker', host: 'worker-1', level: 'debug', message: `job ${pick(['email.send', 'thumbnail.render', 'invoice.pdf', 'search.reindex'])} picked up attempt=${1 + Math.floor(r() * 3)} queue_depth=${Math.floor(r() * 40)}` };
  if (x < 0.8) return { source: 'db', host: 'pg-primary', level: 'warn', message: `slow query (${Math.round(500 + r() * 2500)} ms): SELECT * FROM orders WHERE customer_id = $1 AND status = ANY($2) ORDER BY created_at DESC LIMIT 50` };
  if (x < 0.9) return { source: 'api', host: 'api-2', level: 'error', message: `POST /api/payments/charge 502 upstream error: connection reset by peer (payments-gateway:8443)\n    at TLSSocket.onConnectEnd (node:_tls_wrap:1727:19)\n    at TLSSocket.emit (node:events:531:35)\n    at endReadableNT (node:internal/streams/readable:1696:12)\nCaused by: Error: read ECONNRESET` };
  if (x < 0.97) return { source: 'worker', host: 'worker-2', level: 'trace', message: `heartbeat ok lag_ms=${Math.round(r() * 30)} inflight=${Math.floor(r() * 8)}` };
  return r() < 0.4
    ? { source: 'payments', host: 'pay-1', level: 'fatal', message: 'FATAL ledger invariant violated: balance mismatch on account 4471 (expected 1200.00, got 1180.00); refusing further writes' }
    : { source: 'payments', host: 'pay-1', level: 'error', message: `card processor timeout after 30000 ms; charge ${(i * 40503 >>> 0).toString(16).slice(0, 6)} left pending` };
}

/**
 * `count` records spread over [now - spanMs, now], oldest first: Loghub lines and generated
 * ones in turn, with a burst of errors around two thirds of the span (an incident).
 */
export function realisticRecords(count: number, opts: { now?: number; spanMs?: number; seed?: number } = {}): IngestRecord[] {
  const now = opts.now ?? Date.now();
  const span = opts.spanMs ?? 55 * 60_000;
  const r = rng(opts.seed ?? 42);
  const lines = loghubLines();
  const out: IngestRecord[] = [];
  for (let i = 0; i < count; i++) {
    const t = i / Math.max(1, count - 1);
    const ts = Math.round(now - span + t * span);
    const incident = Math.abs(t - 0.68) < 0.035;
    let line: CorpusLine;
    if (incident && r() < 0.5) line = appLine(() => 0.85 + r() * 0.15, i);
    else if (lines.length && r() < 0.6) line = lines[Math.floor(r() * lines.length)];
    else line = appLine(r, i);
    const rec: IngestRecord = { message: line.message, level: line.level, source: line.source, host: line.host, ts };
    if (line.source === 'api' && line.message.startsWith('GET')) {
      const m = /^(\S+) (\S+) (\d+) (\d+)ms user=(\S+)/.exec(line.message);
      if (m) rec.attrs = { method: m[1], path: m[2], status: Number(m[3]), duration_ms: Number(m[4]), user: m[5] };
    }
    out.push(rec);
  }
  return out;
}

/** Posts records to a running server in batches; resolves to the number accepted. */
export async function postRecords(baseUrl: string, records: IngestRecord[], batch = 5000, headers: Record<string, string> = {}): Promise<number> {
  let accepted = 0;
  for (let i = 0; i < records.length; i += batch) {
    const res = await fetch(`${baseUrl}/api/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(records.slice(i, i + batch)),
    });
    if (!res.ok) throw new Error(`POST /api/v1/logs answered ${res.status}: ${await res.text()}`);
    accepted += ((await res.json()) as { accepted: number }).accepted;
  }
  return accepted;
}
