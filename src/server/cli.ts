// `logpipe server`: validates configuration up front (reporting every problem at once),
// opens the store, listens, enforces retention in small chunks, and shuts down cleanly.
import { accessSync, constants, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError, type CommandSpec, type OptionsOf } from '../command/options.js';
import { exitWithParent } from '../command/parent-watch.js';
import { LogpipeError } from '../shared/errors.js';
import { buildApp } from './app.js';
import { DEFAULT_LIMITS, type Limits, type ServerConfig } from './config.js';
import type { ServerMetrics } from './metrics.js';
import { readParseConfig } from './source-parsing.js';
import { openStore, sqlitePathFor } from './storage/open.js';
import { enforceGuardedRetention, RetentionGuard } from './storage/retention.js';
import type { Store } from './storage/store.js';

const L = DEFAULT_LIMITS;

export const spec = {
  name: 'server',
  summary: 'Runs the ingest and query API, the live tail and the dashboard on one port.',
  usage: 'logpipe server [--host 127.0.0.1] [--port 8000] [--data ./data] [--db URL] [options]',
  options: {
    host: { kind: 'string', default: '127.0.0.1', help: 'address to bind; a non-loopback address needs tokens or --insecure', arg: 'ADDR' },
    port: { kind: 'int', default: 8000, help: 'port to listen on (0 = any free port)', arg: 'PORT' },
    data: { kind: 'string', default: './data', help: 'data directory (SQLite database lives here)', arg: 'DIR' },
    db: { kind: 'string', help: 'store URL: a SQLite file path, or postgres://… (default <data>/logpipe.db)', arg: 'URL' },
    retention: { kind: 'duration', help: 'delete records older than this, e.g. 7d, 12h (off by default)', arg: 'AGE' },
    'max-db-size': { kind: 'bytes', help: 'delete the oldest records while the database is larger, e.g. 2GB (off by default)', arg: 'SIZE' },
    'ingest-token': { kind: 'list', help: 'token that may write (repeat or comma-separate for rotation)', arg: 'TOKEN' },
    'ingest-token-file': { kind: 'string', help: 'file with ingest tokens, one per line', arg: 'FILE' },
    'read-token': { kind: 'list', help: 'token that may query, tail and open the dashboard', arg: 'TOKEN' },
    'read-token-file': { kind: 'string', help: 'file with read tokens, one per line', arg: 'FILE' },
    insecure: { kind: 'boolean', default: false, help: 'allow a non-loopback address without tokens' },
    'cors-origin': { kind: 'list', help: 'origins allowed to call the API from a browser (CORS is off by default)', arg: 'ORIGIN' },
    'trust-proxy': { kind: 'list', help: 'addresses or CIDRs of reverse proxies whose X-Forwarded-For names the client (also loopback, linklocal, uniquelocal); off by default', arg: 'ADDRS' },
    'max-body-bytes': { kind: 'bytes', default: L.maxBodyBytes, help: 'largest request body as sent', arg: 'SIZE' },
    'max-decompressed-bytes': { kind: 'bytes', default: L.maxDecompressedBytes, help: 'largest request body after decompression', arg: 'SIZE' },
    'max-inflight-bytes': { kind: 'bytes', default: L.maxInflightBytes, help: 'request bodies held in memory at once (as sent plus decompressed); past it, 503 with Retry-After', arg: 'SIZE' },
    'max-records': { kind: 'int', default: L.maxRecordsPerRequest, help: 'most records in one request', arg: 'N' },
    'max-line-bytes': { kind: 'bytes', default: L.maxLineBytes, help: 'longer messages are cut with a marker', arg: 'SIZE' },
    'max-json-depth': { kind: 'int', default: L.maxJsonDepth, help: 'deepest nesting of attrs', arg: 'N' },
    'max-attrs-bytes': { kind: 'bytes', default: L.maxAttrsBytes, help: 'largest attrs object', arg: 'SIZE' },
    'max-subscribers': { kind: 'int', default: L.maxSubscribers, help: 'most live-tail subscribers at once', arg: 'N' },
    'tail-buffer': { kind: 'int', default: L.tailBufferRecords, help: 'records queued for a slow live-tail subscriber before it gets a gap event', arg: 'N' },
    'rate-limit': { kind: 'int', default: L.rateLimit, help: 'requests per second per client address, 0 = unlimited', arg: 'N' },
    'max-query-limit': { kind: 'int', default: L.maxQueryLimit, help: 'most records one query returns', arg: 'N' },
    'query-scan-rows': { kind: 'int', default: L.queryScanRows, help: 'candidate rows one query may read before it answers with partial: true', arg: 'N' },
    'query-scan-time': { kind: 'duration', default: `${L.queryScanMs / 1000}s`, help: 'time one query may spend reading candidates before it answers with partial: true', arg: 'DURATION' },
    'request-timeout': { kind: 'duration', default: `${L.requestTimeoutMs / 1000}s`, help: 'longest time to receive one request, headers and body (the live tail\'s response is not limited)', arg: 'DURATION' },
    heartbeat: { kind: 'duration', default: '15s', help: 'live-tail heartbeat interval', arg: 'DURATION' },
    'parse-config': { kind: 'string', help: 'JSON file of per-source parsing overrides: {"sources": {"NAME": {"timestampFormat", "levelField", "levelRegex", "regex"}}} (see README)', arg: 'FILE' },
    'web-dir': { kind: 'string', help: 'directory of the built dashboard (default: the package\'s dist/web)', arg: 'DIR' },
    'sqlite-max-page-count': { kind: 'int', help: 'testing only: cap the SQLite database at N pages (PRAGMA max_page_count) to simulate a full disk', arg: 'N' },
    'log-level': { kind: 'string', default: 'info', help: 'log level of the server\'s own logs', choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] },
  },
} as const satisfies CommandSpec;

/** The options of this command as parsed from its spec. */
export type ServerOptions = OptionsOf<typeof spec>;

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '::ffff:127.0.0.1']);

/** An address, a CIDR range, or a named range, as Fastify's trustProxy (proxy-addr) accepts. */
function isProxySpec(p: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(p)) return true;
  const [addr, bits, ...rest] = p.split('/');
  const kind = isIP(addr);
  if (!kind || rest.length) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (kind === 4 ? 32 : 128));
}

function readTokenFile(path: string | undefined, flag: string, problems: string[]): string[] {
  if (!path) return [];
  try {
    return readFileSync(path, 'utf8').split(/\r?\n/).map((s) => s.trim()).filter((s) => s && !s.startsWith('#'));
  } catch (err) {
    problems.push(`--${flag}: cannot read "${path}": ${(err as Error).message}`);
    return [];
  }
}

/** Turns parsed options into a validated config; throws UsageError listing every problem. */
export function configFromOptions(o: ServerOptions): ServerConfig {
  const problems: string[] = [];
  if (o.port < 0 || o.port > 65535) problems.push(`--port: must be from 0 to 65535, got ${o.port}`);
  const ingestTokens = [...(o.ingestToken ?? []), ...readTokenFile(o.ingestTokenFile, 'ingest-token-file', problems)];
  const readTokens = [...(o.readToken ?? []), ...readTokenFile(o.readTokenFile, 'read-token-file', problems)];
  for (const t of [...ingestTokens, ...readTokens]) if (t.length < 8) problems.push('tokens must be at least 8 characters long');
  if (ingestTokens.some((t) => readTokens.includes(t))) problems.push('a token cannot be both an ingest token and a read token');
  if (!LOOPBACK.has(o.host) && !o.insecure && (!ingestTokens.length || !readTokens.length)) {
    const missing = [!ingestTokens.length && '--ingest-token', !readTokens.length && '--read-token'].filter(Boolean).join(' and ');
    problems.push(`--host ${o.host}: refusing to listen on a non-loopback address without ${missing}; anyone who can reach it could read or write your logs. Set the tokens, or pass --insecure if a proxy in front does authentication.`);
  }
  const limits: Limits = {
    maxBodyBytes: o.maxBodyBytes,
    maxDecompressedBytes: o.maxDecompressedBytes,
    maxInflightBytes: o.maxInflightBytes,
    maxRecordsPerRequest: o.maxRecords,
    maxLineBytes: o.maxLineBytes,
    maxJsonDepth: o.maxJsonDepth,
    maxAttrsBytes: o.maxAttrsBytes,
    maxSubscribers: o.maxSubscribers,
    tailBufferRecords: o.tailBuffer,
    rateLimit: o.rateLimit,
    maxQueryLimit: o.maxQueryLimit,
    queryScanRows: o.queryScanRows,
    queryScanMs: o.queryScanTime,
    requestTimeoutMs: o.requestTimeout,
  };
  for (const [k, v] of Object.entries(limits)) if (!(v >= 0)) problems.push(`${k} must not be negative`);
  for (const k of ['maxBodyBytes', 'maxDecompressedBytes', 'maxRecordsPerRequest', 'maxLineBytes', 'maxSubscribers', 'maxQueryLimit', 'tailBufferRecords', 'queryScanRows'] as const) {
    if (limits[k] < 1) problems.push(`${k} must be at least 1`);
  }
  if (o.maxInflightBytes < o.maxBodyBytes + o.maxDecompressedBytes) {
    problems.push(`--max-inflight-bytes (${o.maxInflightBytes}) must hold at least one largest request: --max-body-bytes + --max-decompressed-bytes = ${o.maxBodyBytes + o.maxDecompressedBytes}`);
  }
  if (o.maxLineBytes < 64) problems.push('--max-line-bytes must be at least 64');
  if (o.requestTimeout < 1000) problems.push('--request-timeout must be at least 1s');
  if (o.retention !== undefined && o.retention < 60_000) problems.push('--retention must be at least 1m');
  for (const p of o.trustProxy ?? []) if (!isProxySpec(p)) problems.push(`--trust-proxy: "${p}" is not an IP address, a CIDR range (10.0.0.0/8) or one of loopback, linklocal, uniquelocal`);
  if (o.sqliteMaxPageCount !== undefined && !(o.sqliteMaxPageCount >= 1)) problems.push('--sqlite-max-page-count must be at least 1');
  const parseOverrides = o.parseConfig ? readParseConfig(resolve(o.parseConfig), problems) : undefined;
  if (problems.length) throw new UsageError(problems);
  const defaultWeb = fileURLToPath(new URL('../web', import.meta.url));
  return {
    host: o.host,
    port: o.port,
    dataDir: resolve(o.data),
    db: o.db,
    retentionMs: o.retention,
    maxDbBytes: o.maxDbSize,
    ingestTokens,
    readTokens,
    insecure: o.insecure,
    corsOrigins: o.corsOrigin ?? [],
    trustProxy: o.trustProxy ?? [],
    limits,
    heartbeatMs: Math.max(100, o.heartbeat),
    webDir: o.webDir ? resolve(o.webDir) : existsSync(defaultWeb) ? defaultWeb : undefined,
    logLevel: o.logLevel,
    sqliteMaxPageCount: o.sqliteMaxPageCount,
    parseOverrides,
  };
}

function prepareDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK | constants.R_OK);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new LogpipeError('LP_ERR_DATA_DIR', `The data directory "${dir}" is not writable (${e.code ?? e.message}); choose another with --data or fix its permissions.`);
  }
}

/**
 * Deletes expired records in small chunks, yielding between them, so ingestion never stalls.
 * Age retention goes through a RetentionGuard, so a wall clock that jumped cannot expire more
 * than a bounded share of the data at once (storage/retention.ts).
 */
function startRetention(store: Store, config: ServerConfig, metrics: ServerMetrics, log: (msg: string) => void): () => void {
  if (!config.retentionMs && !config.maxDbBytes) return () => {};
  const policy = { maxAgeMs: config.retentionMs, maxBytes: config.maxDbBytes };
  const guard = config.retentionMs ? new RetentionGuard({ maxAgeMs: config.retentionMs, warn: log }) : undefined;
  let stopped = false;
  let timer: NodeJS.Timeout;
  const tick = async () => {
    const started = Date.now();
    try {
      while (!stopped && Date.now() - started < 100) {
        const refusedBefore = guard?.refusals ?? 0;
        const n = await enforceGuardedRetention(store, policy, guard, 2000);
        if (guard && guard.refusals > refusedBefore) metrics.retentionRefused.inc(guard.refusals - refusedBefore);
        if (!n) break;
        metrics.retentionDeleted.inc(n);
        await new Promise((r) => setImmediate(r));
      }
    } catch (err) {
      log(`Retention failed and will be retried: ${(err as Error).message}`);
    }
    if (!stopped) timer = setTimeout(tick, 1000);
  };
  timer = setTimeout(tick, 200);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

export async function run(o: ServerOptions): Promise<number> {
  const config = configFromOptions(o);
  if (!config.db || !/^postgres(ql)?:/.test(config.db)) prepareDataDir(config.dataDir);
  const store = await openStore({ db: config.db, dataDir: config.dataDir, maxPageCount: config.sqliteMaxPageCount });
  const storeFile = store.kind === 'sqlite' ? sqlitePathFor({ db: config.db, dataDir: config.dataDir }) : undefined;
  const { app, metrics } = await buildApp({ ...config, storeFile }, store);
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    await store.close();
    if (e.code === 'EADDRINUSE') throw new LogpipeError('LP_ERR_PORT_IN_USE', `Port ${config.port} on ${config.host} is already in use (is another logpipe running?); choose another with --port.`);
    if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') throw new LogpipeError('LP_ERR_BAD_HOST', `Cannot listen on "${config.host}": no such local address.`);
    if (e.code === 'EACCES') throw new LogpipeError('LP_ERR_PORT_DENIED', `Not allowed to listen on port ${config.port} (ports below 1024 need privileges).`);
    throw err;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const shownHost = config.host.includes(':') ? `[${config.host}]` : config.host;
  const stopRetention = startRetention(store, config, metrics, (m) => app.log.warn(m));

  const exited = new Promise<number>((resolveExit) => {
    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) {
        process.stderr.write(`logpipe server: second ${signal}, exiting now.\n`);
        process.exit(1);
      }
      stopping = true;
      app.log.info(`Received ${signal}; finishing in-flight requests and closing the store.`);
      stopRetention();
      try {
        await app.close();
        await store.close();
        process.stderr.write('logpipe server: stopped cleanly.\n');
        resolveExit(0);
      } catch (err) {
        process.stderr.write(`logpipe server: shutdown failed: ${(err as Error).message}\n`);
        resolveExit(1);
      }
    };
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    process.on('SIGINT', () => void shutdown('SIGINT'));
    exitWithParent();
  });
  // Announced only now that SIGTERM and SIGINT are handled: whoever waits for this line (a
  // supervisor, the demo, the tests) may signal from here on and get a graceful shutdown.
  process.stderr.write(`logpipe server: listening on http://${shownHost}:${port} (store: ${store.kind}${store.kind === 'sqlite' ? `, data: ${config.dataDir}` : ''})\n`);
  return exited;
}
