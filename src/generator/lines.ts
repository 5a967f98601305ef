// Realistic log records for demos, tests and benchmarks: a seeded mix of services, levels,
// HTTP requests, latencies and occasional multi-line stack traces, rendered in the prototype's
// plain format, as JSON or as logfmt. Every record carries its sequence number (see extractSeq)
// so that tests can check that nothing was lost or repeated on the way to the server.
//
// Lines are built with template strings from precomputed tables and a cached time prefix,
// because the writer must sustain well over 200,000 records per second.
import { mulberry32 } from '../shared/random.js';

/** Output formats: `plain` (the prototype's leveled lines, with a few seed-style `Log N` lines),
 * `seed` (only `Log N` lines, exactly as the prototype's logs.sh wrote them), `json`, `logfmt`. */
export const FORMATS = ['plain', 'seed', 'json', 'logfmt'] as const;
export type Format = (typeof FORMATS)[number];

/** The level mix in percent of leveled records (the seed-style `Log N` lines carry no level). */
export const LEVEL_MIX = { info: 70, debug: 15, warn: 10, error: 4, fatal: 1 } as const;
export type GeneratedLevel = keyof typeof LEVEL_MIX;

const SEQ_FIELD = /(?:(?<![\w.])seq=|"seq":)(\d+)/;
const SEED_LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} - Log (\d+)\s*$/m;

/**
 * Extracts the generator's sequence number from a record's message: ` seq=N` (plain, logfmt),
 * `"seq":N` (JSON) or the N of a seed-style `YYYY-MM-DD HH:MM:SS.mmm - Log N` line. Continuation
 * lines of a stack trace carry none (undefined), so a joined multi-line record yields its first line's.
 */
export function extractSeq(message: string): number | undefined {
  const m = SEQ_FIELD.exec(message) ?? SEED_LINE.exec(message);
  return m ? Number(m[1]) : undefined;
}

/**
 * The sequence number of a stored record: from its message, or else from its `seq` attribute
 * (the server keeps a JSON line's `msg` as the message and its fields, `seq` included, as attrs).
 */
export function extractRecordSeq(record: { message: string; attrs?: Record<string, unknown> | null }): number | undefined {
  const fromMessage = extractSeq(record.message);
  if (fromMessage !== undefined) return fromMessage;
  const seq = record.attrs?.seq;
  const n = typeof seq === 'number' ? seq : typeof seq === 'string' && /^\d+$/.test(seq) ? Number(seq) : undefined;
  return n;
}

const HEX2: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Seedable random picks over mulberry32; the same seed gives the same records. */
export class Rand {
  /** Returns a float in [0, 1). */
  readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** Returns an integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Returns an integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Returns `len` lowercase hex digits (len ≤ 12). */
  hex(len: number): string {
    // Two 24-bit draws, six bytes, looked up two digits at a time (toString(16) is far slower).
    const a = Math.floor(this.next() * 0x1000000);
    const b = Math.floor(this.next() * 0x1000000);
    const s = HEX2[a >>> 16] + HEX2[(a >>> 8) & 255] + HEX2[a & 255] + HEX2[b >>> 16] + HEX2[(b >>> 8) & 255] + HEX2[b & 255];
    return len >= 12 ? s : s.slice(0, len);
  }
}

/** Turns a --seed value (number or any text) into a 32-bit PRNG seed. */
export function seedFrom(value: string | number | undefined): number {
  if (value === undefined || value === '') return (Math.random() * 0x100000000) >>> 0;
  const text = String(value);
  if (/^\d+$/.test(text) && Number(text) <= 0xffffffff) return Number(text) >>> 0;
  let h = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const PAD3: string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const pad2 = (n: number): string => PAD3[n].slice(1);

/** Formats timestamps fast by recomputing the date part only when the second changes. */
export class TimeFormatter {
  #sec = Number.NaN;
  #local = '';
  #iso = '';

  #refresh(sec: number): void {
    this.#sec = sec;
    const d = new Date(sec * 1000);
    this.#local = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.`;
    this.#iso = d.toISOString().slice(0, 20);
  }

  /** `YYYY-MM-DD HH:MM:SS.mmm` in local time without a zone, as the prototype wrote it. */
  local(ms: number): string {
    const sec = Math.floor(ms / 1000);
    if (sec !== this.#sec) this.#refresh(sec);
    return this.#local + PAD3[Math.floor(ms - sec * 1000)];
  }

  /** ISO-8601 in UTC with milliseconds (`2026-11-28T03:59:32.123Z`). */
  iso(ms: number): string {
    const sec = Math.floor(ms / 1000);
    if (sec !== this.#sec) this.#refresh(sec);
    return `${this.#iso}${PAD3[Math.floor(ms - sec * 1000)]}Z`;
  }
}

// ---- the vocabulary -------------------------------------------------------------------------

const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj', 'oscar', 'peggy', 'rupert', 'sybil', 'trent', 'victor', 'walter', 'yuki'];
const METHODS = ['GET', 'GET', 'GET', 'GET', 'GET', 'GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH'];
const OK_STATUS = [200, 200, 200, 200, 200, 200, 201, 204, 304];
const WARN_STATUS = [400, 401, 403, 404, 404, 409, 422, 429];
const ERROR_STATUS = [500, 502, 503, 503, 504];
const TABLES = ['orders', 'users', 'invoices', 'sessions', 'products', 'payments', 'events'];
const JOBS = ['email.send', 'report.generate', 'invoice.render', 'thumbnail.resize', 'search.reindex', 'webhook.deliver', 'export.csv'];
const CACHE_KEYS = ['user:{id}:profile', 'product:{id}', 'cart:{id}', 'session:{id}', 'rates:EUR', 'feature-flags'];
const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF'];
const HOSTS = ['10.0.3.17:5432', '10.0.4.22:6379', '10.0.2.9:9200', 'billing.internal:8443', 'smtp.internal:587'];
const PATHS: ((r: Rand) => string)[] = [
  (r) => `/api/v1/orders/${r.range(1000, 99999)}`,
  (r) => `/api/v1/users/${r.range(1, 20000)}`,
  () => '/api/v1/cart',
  (r) => `/api/v1/products/${r.range(1, 5000)}`,
  (r) => `/api/v1/search?q=${r.pick(['shoes', 'laptop', 'coffee', 'desk+lamp', 'usb-c'])}`,
  (r) => `/api/v1/invoices/${r.range(10000, 99999)}/pay`,
  () => '/api/v1/session',
  () => '/healthz',
  () => '/login',
];

/** Continuation frames: Java (tab + `at`, `Caused by:`, `... N more`) and Node (4 spaces + `at`). */
const JAVA_TRACES: { service: string; ex: string; frames: string[]; cause?: { ex: string; frames: string[] } }[] = [
  {
    service: 'billing',
    ex: 'java.lang.IllegalStateException: Connection pool exhausted (max=20, waited 5000 ms)',
    frames: ['com.acme.billing.db.PoolManager.acquire(PoolManager.java:142)', 'com.acme.billing.db.InvoiceRepository.lock(InvoiceRepository.java:88)', 'com.acme.billing.ChargeService.charge(ChargeService.java:61)', 'com.acme.billing.http.ChargeController.post(ChargeController.java:37)', 'io.javalin.http.JavalinServlet.service(JavalinServlet.kt:129)'],
    cause: { ex: 'java.net.SocketTimeoutException: Connect timed out', frames: ['java.base/sun.nio.ch.NioSocketImpl.timedFinishConnect(NioSocketImpl.java:546)', 'java.base/java.net.Socket.connect(Socket.java:751)', 'org.postgresql.core.PGStream.createSocket(PGStream.java:243)'] },
  },
  {
    service: 'billing',
    ex: 'org.springframework.dao.DataIntegrityViolationException: could not execute statement',
    frames: ['org.springframework.orm.jpa.vendor.HibernateJpaDialect.convertHibernateAccessException(HibernateJpaDialect.java:276)', 'com.acme.billing.PaymentRepository.save(PaymentRepository.java:52)', 'com.acme.billing.RefundService.refund(RefundService.java:118)'],
    cause: { ex: 'org.postgresql.util.PSQLException: ERROR: duplicate key value violates unique constraint "payments_pkey"', frames: ['org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:2713)', 'org.postgresql.jdbc.PgPreparedStatement.executeUpdate(PgPreparedStatement.java:152)'] },
  },
  {
    service: 'search',
    ex: 'java.lang.NullPointerException: Cannot invoke "com.acme.search.Query.terms()" because "query" is null',
    frames: ['com.acme.search.QueryPlanner.plan(QueryPlanner.java:212)', 'com.acme.search.SearchService.execute(SearchService.java:95)', 'com.acme.search.http.SearchHandler.handle(SearchHandler.java:44)', 'java.base/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1144)'],
  },
  {
    service: 'search',
    ex: 'org.elasticsearch.ElasticsearchStatusException: Elasticsearch exception [type=search_phase_execution_exception, reason=all shards failed]',
    frames: ['org.elasticsearch.rest.BytesRestResponse.errorFromXContent(BytesRestResponse.java:178)', 'org.elasticsearch.client.RestHighLevelClient.search(RestHighLevelClient.java:1101)', 'com.acme.search.SearchService.execute(SearchService.java:102)'],
    cause: { ex: 'org.elasticsearch.client.ResponseException: method [POST], host [http://10.0.2.9:9200], URI [/products/_search], status line [HTTP/1.1 503 Service Unavailable]', frames: ['org.elasticsearch.client.RestClient.convertResponse(RestClient.java:326)', 'org.elasticsearch.client.RestClient.performRequest(RestClient.java:296)'] },
  },
];
const NODE_TRACES: { service: string; ex: string; frames: string[] }[] = [
  { service: 'api', ex: 'Error: connect ECONNREFUSED 10.0.3.17:5432', frames: ['TCPConnectWrap.afterConnect [as oncomplete] (node:net:1611:16)', 'async Pool.connect (/app/node_modules/pg-pool/index.js:45:11)', 'async OrderStore.findByUser (/app/dist/store/orders.js:88:20)', 'async handler (/app/dist/routes/orders.js:31:17)'] },
  { service: 'api', ex: "TypeError: Cannot read properties of undefined (reading 'id')", frames: ['toInvoiceView (/app/dist/views/invoice.js:14:29)', 'Array.map (<anonymous>)', 'renderInvoices (/app/dist/routes/invoices.js:57:31)', 'process.processTicksAndRejections (node:internal/process/task_queues:95:5)'] },
  { service: 'auth', ex: 'JsonWebTokenError: jwt malformed', frames: ['Object.module.exports [as verify] (/app/node_modules/jsonwebtoken/verify.js:70:17)', 'verifyToken (/app/dist/auth/tokens.js:22:14)', 'authenticate (/app/dist/auth/middleware.js:12:5)'] },
  { service: 'worker', ex: 'Error: Job timed out after 30000 ms', frames: ['Timeout._onTimeout (/app/dist/worker/runner.js:104:23)', 'listOnTimeout (node:internal/timers:573:17)', 'process.processTimers (node:internal/timers:514:7)'] },
  { service: 'worker', ex: "TypeError: Cannot read properties of null (reading 'email')", frames: ['renderReceipt (/app/dist/worker/jobs/email.js:41:37)', 'async runJob (/app/dist/worker/runner.js:77:18)', 'async Worker.loop (/app/dist/worker/worker.js:52:9)'] },
  { service: 'gateway', ex: 'Error: socket hang up', frames: ['TLSSocket.socketOnEnd (node:_http_client:524:23)', 'TLSSocket.emit (node:events:530:35)', 'endReadableNT (node:internal/streams/readable:1698:12)', 'process.processTicksAndRejections (node:internal/process/task_queues:90:21)'] },
];

/** Services the generator writes records for (`--services` picks a subset). */
export const SERVICES = ['api', 'gateway', 'auth', 'billing', 'db', 'worker', 'cache', 'search'] as const;

/** One generated event before rendering; reused between records to avoid allocation. */
interface Event {
  service: string;
  msg: string;
  /** Flattened attribute pairs (key, value, key, value…) for JSON and logfmt. */
  kv: (string | number)[];
  requestId: string;
  user: string;
  /** Exception header appended to the message, followed by its stack trace (indented lines). */
  exception: string;
  trace: string[];
}

/** A kind of event of one service; `fill` sets the message, attributes and maybe a stack trace. */
interface Template {
  service: string;
  fill: (r: Rand, e: Event) => void;
}

function latency(r: Rand, slow: boolean): number {
  // Mostly fast, with a long tail, like real request latencies.
  return slow ? r.range(1000, 8000) : Math.round(1 + Math.exp(r.next() * r.next() * 6.2));
}

function request(r: Rand, e: Event, statuses: readonly number[], slow: boolean): void {
  const method = r.pick(METHODS);
  const path = r.pick(PATHS)(r);
  const status = r.pick(statuses);
  const ms = latency(r, slow);
  e.msg = `${method} ${path} ${status} ${ms}ms`;
  e.kv.push('method', method, 'path', path, 'status', status, 'latency_ms', ms);
}

/** Appends a stack trace of the event's service (Java: tab + `at`, `Caused by:`, `... N more`; Node: 4 spaces + `at`). */
function attachTrace(r: Rand, e: Event, java: boolean): void {
  if (java) {
    const own = JAVA_TRACES.filter((t) => t.service === e.service);
    const t = r.pick(own.length ? own : JAVA_TRACES);
    e.exception = t.ex;
    for (const f of t.frames) e.trace.push(`\tat ${f}`);
    if (t.cause) {
      e.trace.push(`Caused by: ${t.cause.ex}`);
      for (const f of t.cause.frames) e.trace.push(`\tat ${f}`);
      e.trace.push(`\t... ${r.range(8, 40)} more`);
    }
  } else {
    const own = NODE_TRACES.filter((t) => t.service === e.service);
    const t = r.pick(own.length ? own : NODE_TRACES);
    e.exception = t.ex;
    for (const f of t.frames) e.trace.push(`    at ${f}`);
  }
}

const t = (service: (typeof SERVICES)[number], fill: Template['fill']): Template => ({ service, fill });

const TEMPLATES: Record<GeneratedLevel, Template[]> = {
  info: [
    t('api', (r, e) => request(r, e, OK_STATUS, false)),
    t('api', (r, e) => request(r, e, OK_STATUS, false)),
    t('api', (r, e) => request(r, e, OK_STATUS, false)),
    t('gateway', (r, e) => {
      request(r, e, OK_STATUS, false);
      const upstream = `api-${r.range(1, 6)}`;
      e.msg = `${e.msg} upstream=${upstream}`;
      e.kv.push('upstream', upstream);
    }),
    t('auth', (r, e) => {
      const how = r.pick(['password', 'oauth:github', 'oauth:google', 'sso', 'api-key']);
      e.msg = `login succeeded for ${e.user} via ${how}`;
      e.kv.push('auth_method', how);
    }),
    t('billing', (r, e) => {
      const amount = `${r.range(1, 499)}.${pad2(r.int(100))}`;
      const cur = r.pick(CURRENCIES);
      const inv = `inv-${r.range(10000, 99999)}`;
      e.msg = `charged invoice ${inv} ${amount} ${cur}`;
      e.kv.push('invoice', inv, 'amount', amount, 'currency', cur);
    }),
    t('db', (r, e) => {
      const table = r.pick(TABLES);
      const ms = latency(r, false);
      const rows = r.range(0, 500);
      e.msg = `query ok on ${table}: ${rows} rows in ${ms}ms`;
      e.kv.push('table', table, 'rows', rows, 'latency_ms', ms);
    }),
    t('worker', (r, e) => {
      const job = r.pick(JOBS);
      const id = `job-${r.hex(8)}`;
      const ms = r.range(20, 4000);
      e.msg = `job ${job} ${id} completed in ${ms}ms`;
      e.kv.push('job', job, 'job_id', id, 'latency_ms', ms);
    }),
    t('cache', (r, e) => {
      const ratio = (0.8 + r.next() * 0.19).toFixed(2);
      e.msg = `hit ratio ${ratio} over the last 10s (${r.range(50000, 400000)} keys)`;
      e.kv.push('hit_ratio', Number(ratio));
    }),
    t('search', (r, e) => {
      const docs = r.range(10, 2000);
      e.msg = `indexed ${docs} documents into products in ${r.range(5, 900)}ms`;
      e.kv.push('documents', docs);
    }),
  ],
  debug: [
    t('cache', (r, e) => {
      const key = r.pick(CACHE_KEYS).replace('{id}', String(r.range(1, 20000)));
      e.msg = `cache ${r.chance(0.7) ? 'hit' : 'miss'} for key ${key}`;
      e.kv.push('key', key);
    }),
    t('db', (r, e) => {
      const table = r.pick(TABLES);
      const ms = (r.next() * 8).toFixed(1);
      e.msg = `SELECT * FROM ${table} WHERE user_id = $1 LIMIT 50 (${ms} ms)`;
      e.kv.push('table', table, 'latency_ms', Number(ms));
    }),
    t('api', (r, e) => {
      const len = r.range(0, 8192);
      e.msg = `request body parsed content-type=application/json length=${len}`;
      e.kv.push('content_length', len);
    }),
    t('worker', (r, e) => {
      const q = r.pick(['emails', 'reports', 'webhooks', 'thumbnails']);
      const n = r.range(0, 40);
      e.msg = `polled queue ${q}: ${n} jobs ready`;
      e.kv.push('queue', q, 'ready', n);
    }),
    t('gateway', (r, e) => {
      const upstream = `api-${r.range(1, 6)}`;
      const conns = r.range(1, 64);
      e.msg = `picked upstream ${upstream} (least connections: ${conns})`;
      e.kv.push('upstream', upstream, 'connections', conns);
    }),
    t('auth', (r, e) => {
      const ttl = r.range(300, 3600);
      e.msg = `session refreshed for ${e.user}, expires in ${ttl}s`;
      e.kv.push('ttl_s', ttl);
    }),
    t('billing', (r, e) => {
      const pair = r.pick(['EUR/USD', 'GBP/EUR', 'USD/CHF']);
      const rate = (0.8 + r.next() * 0.5).toFixed(4);
      e.msg = `exchange rate ${pair}=${rate} loaded from cache`;
      e.kv.push('pair', pair, 'rate', Number(rate));
    }),
    t('search', (r, e) => {
      const shards = r.range(1, 8);
      e.msg = `query rewritten with synonyms, fanned out to ${shards} shards`;
      e.kv.push('shards', shards);
    }),
  ],
  warn: [
    t('api', (r, e) => request(r, e, WARN_STATUS, false)),
    t('api', (r, e) => {
      request(r, e, OK_STATUS, true);
      e.msg = `slow request: ${e.msg}`;
    }),
    t('gateway', (r, e) => {
      request(r, e, [429], false);
      e.msg = `${e.msg} rate limit exceeded for ${e.user} (100 requests/min)`;
    }),
    t('db', (r, e) => {
      const used = r.range(16, 19);
      e.msg = `connection pool at ${Math.round((used / 20) * 100)}% (${used}/20), waited ${r.range(50, 900)}ms`;
      e.kv.push('pool_used', used, 'pool_max', 20);
    }),
    t('auth', (r, e) => {
      const attempt = r.range(2, 5);
      e.msg = `login failed for ${e.user}: invalid password (attempt ${attempt} of 5)`;
      e.kv.push('attempt', attempt);
    }),
    t('cache', (r, e) => {
      const n = r.range(1000, 20000);
      e.msg = `evicted ${n} keys in 1s: memory at ${r.range(88, 99)}% of maxmemory`;
      e.kv.push('evicted', n);
    }),
    t('worker', (r, e) => {
      const job = r.pick(JOBS);
      const attempt = r.range(1, 4);
      e.msg = `job ${job} will retry (attempt ${attempt}): timeout after 30s`;
      e.kv.push('job', job, 'attempt', attempt);
    }),
    t('billing', (r, e) => {
      const inv = `inv-${r.range(10000, 99999)}`;
      const reason = r.pick(['card_expired', 'insufficient_funds', 'do_not_honor']);
      e.msg = `payment for invoice ${inv} declined: ${reason}`;
      e.kv.push('invoice', inv, 'reason', reason);
    }),
    t('search', (r, e) => {
      const ms = r.range(500, 3000);
      e.msg = `query took ${ms}ms, over the 500ms budget`;
      e.kv.push('latency_ms', ms);
    }),
  ],
  error: [
    t('api', (r, e) => {
      request(r, e, ERROR_STATUS, r.chance(0.5));
      e.msg = `${e.msg} upstream ${r.pick(['billing', 'search', 'db', 'auth'])} failed`;
      if (r.chance(0.4)) attachTrace(r, e, false);
    }),
    t('gateway', (r, e) => {
      request(r, e, [502, 504], r.chance(0.5));
      e.msg = `${e.msg} upstream api-${r.range(1, 6)} failed`;
      if (r.chance(0.3)) attachTrace(r, e, false);
    }),
    t('db', (r, e) => {
      const table = r.pick(TABLES);
      e.msg = `query failed on ${table}: ${r.pick(['deadlock detected', 'canceling statement due to statement timeout', 'could not serialize access due to concurrent update'])}`;
      e.kv.push('table', table);
    }),
    t('billing', (r, e) => {
      const inv = `inv-${r.range(10000, 99999)}`;
      e.msg = `charge failed for invoice ${inv}`;
      e.kv.push('invoice', inv);
      if (r.chance(0.6)) attachTrace(r, e, true);
    }),
    t('worker', (r, e) => {
      const job = r.pick(JOBS);
      e.msg = `job ${job} job-${r.hex(8)} failed after 3 attempts`;
      e.kv.push('job', job);
      if (r.chance(0.6)) attachTrace(r, e, false);
    }),
    t('search', (r, e) => {
      e.msg = `query planning failed for user ${e.user}`;
      if (r.chance(0.6)) attachTrace(r, e, true);
    }),
    t('cache', (r, e) => {
      const host = r.pick(HOSTS);
      e.msg = `connection to ${host} lost: ECONNRESET`;
      e.kv.push('peer', host);
    }),
    t('auth', (r, e) => {
      e.msg = `token verification failed for ${e.user}`;
      if (r.chance(0.5)) attachTrace(r, e, false);
    }),
  ],
  fatal: [
    t('db', (_r, e) => {
      e.msg = 'could not write to /var/lib/db/pg_wal: No space left on device; shutting down';
    }),
    t('worker', (r, e) => {
      e.msg = 'uncaught exception; exiting';
      attachTrace(r, e, false);
    }),
    t('api', (r, e) => {
      e.msg = `heap limit reached (${r.pick([1024, 2048, 4096])} MB); process will exit`;
    }),
    t('billing', (r, e) => {
      e.msg = 'payment provider credentials rejected; refusing to start';
      if (r.chance(0.5)) attachTrace(r, e, true);
    }),
    t('gateway', (_r, e) => {
      e.msg = 'TLS certificate for api.example.com expired; refusing connections';
    }),
    t('auth', (_r, e) => {
      e.msg = 'signing key /etc/auth/jwt.key is unreadable (EACCES); exiting';
    }),
    t('cache', (_r, e) => {
      e.msg = 'cluster lost quorum (1 of 3 nodes reachable); shutting down';
    }),
    t('search', (_r, e) => {
      e.msg = 'index products is corrupt (checksum mismatch in segment _4f.cfs); shutting down';
    }),
  ],
};

/** The templates of each level restricted to some services; a level none of them has keeps all its templates. */
function selectTemplates(services: readonly string[] | undefined): Record<GeneratedLevel, Template[]> {
  if (!services || services.length === 0) return TEMPLATES;
  const out = {} as Record<GeneratedLevel, Template[]>;
  for (const level of Object.keys(TEMPLATES) as GeneratedLevel[]) {
    const own = TEMPLATES[level].filter((x) => services.includes(x.service));
    out[level] = own.length ? own : TEMPLATES[level];
  }
  return out;
}

// Cumulative thresholds in the order the levels are drawn.
const LEVEL_ORDER: GeneratedLevel[] = ['info', 'debug', 'warn', 'error', 'fatal'];
const LEVEL_CUT: number[] = (() => {
  let acc = 0;
  return LEVEL_ORDER.map((l) => (acc += LEVEL_MIX[l] / 100));
})();
const LEVEL_UPPER: Record<GeneratedLevel, string> = { info: 'INFO', debug: 'DEBUG', warn: 'WARN', error: 'ERROR', fatal: 'FATAL' };

const NEEDS_QUOTES = /[\s"=\\]/;
function logfmtValue(v: string | number): string {
  if (typeof v === 'number') return String(v);
  return v === '' || NEEDS_QUOTES.test(v) ? JSON.stringify(v) : v;
}
function jsonValue(v: string | number): string {
  return typeof v === 'number' ? String(v) : JSON.stringify(v);
}

/** How a LineFactory renders records. */
export interface LineFactoryOptions {
  format?: Format;
  /** PRNG seed; the same seed, options and timestamps give byte-identical output. */
  seed?: string | number;
  /** Sequence number of the first record (default 1). */
  startSeq?: number;
  /** Multi-line stack traces after some ERROR/FATAL records (default true). */
  stackTraces?: boolean;
  /** Share of seed-style `Log N` records mixed into `plain` output (default 0.05). */
  seedLineShare?: number;
  /** Only records of these services (see SERVICES); default all. */
  services?: readonly string[];
}

/** A chunk of whole records. */
export interface Chunk {
  text: string;
  records: number;
}

/** Produces records one after the other, each stamped with its sequence number. */
export class LineFactory {
  readonly format: Format;
  #rand: Rand;
  #seq: number;
  #stackTraces: boolean;
  #seedShare: number;
  #time = new TimeFormatter();
  #templates: Record<GeneratedLevel, Template[]>;
  #event: Event = { service: '', msg: '', kv: [], requestId: '', user: '', exception: '', trace: [] };

  constructor(opts: LineFactoryOptions = {}) {
    this.format = opts.format ?? 'plain';
    this.#rand = new Rand(seedFrom(opts.seed));
    this.#seq = opts.startSeq ?? 1;
    this.#stackTraces = opts.stackTraces ?? true;
    this.#templates = selectTemplates(opts.services);
    this.#seedShare = this.format === 'seed' ? 1 : this.format === 'plain' ? (opts.seedLineShare ?? 0.05) : 0;
  }

  /** The sequence number the next record will carry. */
  get nextSeq(): number {
    return this.#seq;
  }

  /** Renders the next record stamped with time `ms`: one line, or several for a stack trace, each ending in "\n". */
  record(ms: number): string {
    const r = this.#rand;
    const seq = this.#seq++;
    if (this.#seedShare > 0 && (this.#seedShare >= 1 || r.next() < this.#seedShare)) {
      return `${this.#time.local(ms)} - Log ${seq}\n`;
    }
    const x = r.next();
    let li = 0;
    while (x >= LEVEL_CUT[li] && li < LEVEL_CUT.length - 1) li++;
    const level = LEVEL_ORDER[li];
    const e = this.#event;
    e.kv.length = 0;
    e.trace.length = 0;
    e.exception = '';
    e.requestId = r.hex(12);
    e.user = r.pick(USERS);
    const template = r.pick(this.#templates[level]);
    e.service = template.service;
    template.fill(r, e);
    if (!this.#stackTraces) e.trace.length = 0;
    switch (this.format) {
      case 'json':
        return this.#renderJson(ms, level, seq, e);
      case 'logfmt':
        return this.#renderLogfmt(ms, level, seq, e);
      default:
        return this.#renderPlain(ms, level, seq, e);
    }
  }

  /** Renders up to `maxRecords` records (at least one) until the text reaches `maxChars`;
   * record i is stamped `startMs + i * stepMs`. */
  chunk(maxRecords: number, maxChars: number, startMs: number, stepMs = 0): Chunk {
    let text = '';
    let n = 0;
    while (n < maxRecords && text.length < maxChars) {
      text += this.record(startMs + n * stepMs);
      n++;
    }
    return { text, records: n };
  }

  #renderPlain(ms: number, level: GeneratedLevel, seq: number, e: Event): string {
    const head = `${this.#time.local(ms)} - [${LEVEL_UPPER[level]}]: ${e.service}: ${e.msg}${e.exception ? `: ${e.exception}` : ''} request_id=${e.requestId} user=${e.user} seq=${seq}\n`;
    return e.trace.length ? `${head}${e.trace.join('\n')}\n` : head;
  }

  #renderJson(ms: number, level: GeneratedLevel, seq: number, e: Event): string {
    let s = `{"time":"${this.#time.iso(ms)}","level":"${level}","msg":${JSON.stringify(e.exception ? `${e.msg}: ${e.exception}` : e.msg)},"service":"${e.service}","request_id":"${e.requestId}","user":"${e.user}"`;
    const kv = e.kv;
    for (let i = 0; i < kv.length; i += 2) s += `,"${kv[i]}":${jsonValue(kv[i + 1])}`;
    s += `,"seq":${seq}`;
    if (e.trace.length) s += `,"stack":${JSON.stringify(`${e.exception}\n${e.trace.join('\n')}`)}`;
    return `${s}}\n`;
  }

  #renderLogfmt(ms: number, level: GeneratedLevel, seq: number, e: Event): string {
    let s = `ts=${this.#time.iso(ms)} level=${level} msg=${logfmtValue(e.exception ? `${e.msg}: ${e.exception}` : e.msg)} service=${e.service} request_id=${e.requestId} user=${e.user}`;
    const kv = e.kv;
    for (let i = 0; i < kv.length; i += 2) s += ` ${kv[i]}=${logfmtValue(kv[i + 1])}`;
    s += ` seq=${seq}`;
    if (e.trace.length) s += ` stack=${logfmtValue(`${e.exception}\n${e.trace.join('\n')}`)}`;
    return `${s}\n`;
  }
}
