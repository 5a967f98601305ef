// Builds the Fastify app (never listens): body parsers, auth, limits, security headers, the
// error catalogue, and every route. The CLI and the tests both start from here.
import { STATUS_CODES } from 'node:http';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import { ERRORS, LogpipeError } from '../shared/errors.js';
import type { ErrorBody } from '../shared/api.js';
import { ACCESS_LEVELS, authorize, TokenSet, type Access, type RouteConfig } from './auth.js';
import { registerBodyParsers } from './body.js';
import type { ServerConfig } from './config.js';
import { IngestPipeline } from './ingest.js';
import { LiveHub } from './live/hub.js';
import { SourceParsing } from './source-parsing.js';
import { followCommits } from './live/follow-commits.js';
import { ServerMetrics } from './metrics.js';
import { InflightBudget } from './inflight.js';
import { RateLimiter } from './rate-limit.js';
import { guardStore, StoreFileGuard } from './store-guard.js';
import ingestRoutes from './routes/ingest.js';
import opsRoutes from './routes/ops.js';
import { QueryEngine } from './query/engine.js';
import queryRoutes from './routes/query.js';
import tailRoutes from './routes/tail.js';
import webRoutes from './routes/web.js';
import { dropEmptyParams, validationError } from './routes/schema.js';
import type { Store } from './storage/store.js';

export interface App {
  app: FastifyInstance;
  pipeline: IngestPipeline;
  hub: LiveHub;
  metrics: ServerMetrics;
  /** Every route the app registered (HEAD twins included) with the access it declared. */
  routes: RouteInfo[];
}

/** One registered route, as the onRoute hook saw it. */
export interface RouteInfo {
  method: string;
  url: string;
  access: Access;
}

/** Content-Security-Policy of the dashboard: no inline script, nothing from elsewhere. */
export const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

export function securityHeaders(): Record<string, string> {
  return {
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
  };
}

function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return details === undefined ? { error: code, message } : { error: code, message, details };
}

/**
 * Fastify's own error codes mapped onto our catalogue. `bodyLimit` is the limit the app gave
 * Fastify (no route sets its own), so the message says it without reading Fastify's wording.
 */
function fromFastifyError(err: any, bodyLimit: number, url?: string): LogpipeError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new LogpipeError('LP_ERR_TOO_LARGE', `The request body is larger than the limit of ${bodyLimit} bytes.`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? new LogpipeError('LP_ERR_UNSUPPORTED_MEDIA_TYPE', `${err.message}. Use application/json, application/x-ndjson or text/plain.`)
        : new LogpipeError('LP_ERR_BAD_REQUEST', err.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return new LogpipeError('LP_ERR_BAD_REQUEST', err.message);
    case 'FST_ERR_VALIDATION':
      return new LogpipeError('LP_ERR_INVALID_QUERY', err.message);
    case 'FST_ERR_BAD_URL':
      return new LogpipeError('LP_ERR_BAD_REQUEST', `The URL path is not valid percent-encoded UTF-8: "${String(url ?? '').split('?')[0].slice(0, 200)}".`);
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new LogpipeError('LP_ERR_BAD_REQUEST', 'A path segment is longer than 100 characters.');
    case 'FST_ERR_ASYNC_CONSTRAINT':
      return new LogpipeError('LP_ERR_BAD_REQUEST', err.message);
  }
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return new LogpipeError(err.statusCode === 413 ? 'LP_ERR_TOO_LARGE' : err.statusCode === 415 ? 'LP_ERR_UNSUPPORTED_MEDIA_TYPE' : 'LP_ERR_BAD_REQUEST', err.message);
  }
  return undefined;
}

/** Builds the app around a store; `config.webDir` adds the dashboard. */
export async function buildApp(config: ServerConfig, openedStore: Store, fastifyOpts: FastifyServerOptions = {}): Promise<App> {
  const { limits } = config;
  // A lost WAL is rescued by a checkpoint into the database file (SQLite store only).
  const checkpoint = (openedStore as { checkpoint?: () => void }).checkpoint?.bind(openedStore);
  const guard = config.storeFile ? new StoreFileGuard(config.storeFile, checkpoint) : undefined;
  const store = guard ? guardStore(openedStore, guard) : openedStore;
  const metrics = new ServerMetrics();
  const app = Fastify({
    logger: fastifyOpts.logger ?? { level: config.logLevel },
    bodyLimit: limits.maxBodyBytes,
    // X-Forwarded-For is believed only from the proxies named by --trust-proxy; otherwise any
    // client could pick its own address and slip past the per-client rate limit.
    trustProxy: config.trustProxy?.length ? config.trustProxy : false,
    forceCloseConnections: 'idle',
    // Node's request timeout covers receiving a request (headers and body), never sending the
    // response: live-tail streams are not cut by it, while a client that trickles a body
    // forever is. Node 20 applies it only when given to http.createServer as well.
    requestTimeout: limits.requestTimeoutMs,
    http: { requestTimeout: limits.requestTimeoutMs, connectionsCheckingInterval: Math.min(30_000, Math.max(250, Math.floor(limits.requestTimeoutMs / 4))) },
    // One log line per request would cost more than the insert at 100k lines/s.
    logController: new LogController({ disableRequestLogging: true }),
    // Errors Fastify raises before routing (a URL that does not decode, a path parameter
    // over 100 characters) get our JSON body and headers instead of Fastify's own.
    frameworkErrors: (err, req, rawReply) => {
      const reply = rawReply as unknown as FastifyReply;
      const e = fromFastifyError(err, limits.maxBodyBytes, req.url) ?? new LogpipeError('LP_ERR_BAD_REQUEST', err.message);
      metrics.errors.inc({ status: String(e.statusCode) });
      reply.headers(securityHeaders());
      return reply.code(e.statusCode).send(errorBody(e.code, e.message));
    },
    // Requests Node's HTTP parser rejects (a malformed request line or header, headers over
    // 16 KiB) get our JSON error and headers too, then the connection is closed.
    clientErrorHandler: (err, socket) => {
      if (err.code === 'ECONNRESET' || socket.destroyed) return;
      const e =
        err.code === 'HPE_HEADER_OVERFLOW' ? new LogpipeError('LP_ERR_HEADERS_TOO_LARGE', 'The request line and headers are larger than 16 KiB.')
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? new LogpipeError('LP_ERR_REQUEST_TIMEOUT', `The request (headers and body) did not arrive within ${limits.requestTimeoutMs / 1000} s.`)
        : new LogpipeError('LP_ERR_BAD_REQUEST', `The HTTP request is malformed (${String((err as { reason?: string }).reason ?? err.code ?? 'unparseable').slice(0, 100)}).`);
      metrics.errors.inc({ status: String(e.statusCode) });
      if (socket.writable) {
        const body = JSON.stringify(errorBody(e.code, e.message));
        const head = [
          `HTTP/1.1 ${e.statusCode} ${STATUS_CODES[e.statusCode]}`,
          'content-type: application/json; charset=utf-8',
          `content-length: ${Buffer.byteLength(body)}`,
          'connection: close',
          ...Object.entries(securityHeaders()).map(([k, v]) => `${k}: ${v}`),
        ];
        // A response to HEAD has no body, even an error: a client would read it as garbage.
        const isHead = (err as unknown as { rawPacket?: Buffer }).rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
        socket.write(`${head.join('\r\n')}\r\n\r\n${isHead ? '' : body}`);
      }
      socket.destroy(err);
    },
    // Routes declare their query and path schemas; a value that fails one is our 400, naming
    // the parameter (routes/schema.ts). `verbose` gives the formatter the schema's description.
    schemaErrorFormatter: validationError,
    ajv: { customOptions: { verbose: true } },
    ...fastifyOpts,
  });
  app.addHook('preValidation', dropEmptyParams);
  // CONNECT (a proxy tunnel) never reaches Fastify: Node hands it to a 'connect' listener, and
  // with none it drops the connection without a word. It gets the JSON 404 of any path that
  // holds nothing, with our headers.
  app.server.on('connect', (req: { method?: string; url?: string }, socket: import('node:stream').Duplex) => {
    metrics.errors.inc({ status: '404' });
    const body = JSON.stringify(errorBody('LP_ERR_NOT_FOUND', `Nothing is at "${req.method} ${String(req.url ?? '').slice(0, 200)}".`));
    const head = [
      'HTTP/1.1 404 Not Found',
      'content-type: application/json; charset=utf-8',
      `content-length: ${Buffer.byteLength(body)}`,
      'connection: close',
      ...Object.entries(securityHeaders()).map(([k, v]) => `${k}: ${v}`),
    ];
    socket.on('error', () => {});
    socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
  });
  const hub = new LiveHub();
  hub.lastId = (await store.stats()).lastId;
  // Other servers sharing the database (PostgreSQL) commit too: their records reach this hub
  // in id order, interleaved with ours (no-op for SQLite).
  const stopFollowing = followCommits(store, hub, (message) => app.log.warn(message));
  app.addHook('onClose', async () => stopFollowing());
  const pipeline = new IngestPipeline(store, hub, metrics, limits, new SourceParsing(config.parseOverrides));
  const ingestTokens = new TokenSet(config.ingestTokens);
  const readTokens = new TokenSet(config.readTokens);
  const inflight = new InflightBudget(limits.maxInflightBytes);
  metrics.inflightBytes = () => inflight.used;
  const limiter = limits.rateLimit > 0 ? new RateLimiter(limits.rateLimit) : undefined;
  const cors = new Set(config.corsOrigins);

  registerBodyParsers(app, limits);

  // Who may call a route is part of the route: each declares `config.access`, and the onRequest
  // hook below reads it from the route Fastify's router actually matched — after it decoded the
  // path — never from the raw URL, which a client can spell in many ways (`/%6Coki/…` is
  // `/loki/…` to the router but not to a string prefix test). A route that declares nothing
  // stops the server from starting, so a new route cannot be open by omission.
  const routes: RouteInfo[] = [];
  app.addHook('onRoute', (route) => {
    const access = (route.config as Partial<RouteConfig> | undefined)?.access;
    const methods = ([] as string[]).concat(route.method);
    if (!access || !ACCESS_LEVELS.includes(access)) {
      throw new Error(`Route "${methods.join(',')} ${route.url}" declares no access level: give it config.access = ${ACCESS_LEVELS.map((a) => `'${a}'`).join(' | ')}.`);
    }
    for (const method of methods) routes.push({ method, url: route.url, access });
  });

  app.addHook('onRequest', async (req, reply) => {
    const origin = req.headers.origin;
    if (origin && cors.has(origin)) {
      reply.header('access-control-allow-origin', origin);
      reply.header('vary', 'Origin');
      reply.header('access-control-allow-credentials', 'true');
      if (req.method === 'OPTIONS') {
        reply.header('access-control-allow-methods', 'GET, POST, OPTIONS');
        reply.header('access-control-allow-headers', 'authorization, content-type, content-encoding, last-event-id');
        reply.header('access-control-max-age', '600');
        return reply.code(204).send();
      }
    }
    // A request that matched no route runs only the 404 handler, which serves nothing but the
    // public index.html or a JSON 404. Every matched route declared its access (onRoute above);
    // should one somehow lack it, it needs the read token — closed, not open.
    const route: Partial<RouteConfig> | undefined = req.is404 ? undefined : req.routeOptions.config;
    // Health probes are exempt: behind a proxy that is not trusted, they share the proxy's
    // address with all traffic, and a 429 there would take a busy server out of rotation.
    if (limiter && !route?.probe) {
      const wait = limiter.take(req.ip);
      if (wait > 0) throw new LogpipeError('LP_ERR_RATE_LIMITED', `Too many requests from ${req.ip}; retry in ${wait} s.`, undefined, wait);
    }
    const access: Access = req.is404 ? 'public' : (route?.access ?? 'read');
    authorize(req, access, ingestTokens, readTokens);
    // Reserve the body before reading it: a chunked body (no length) reserves the most it may be.
    if (req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH') {
      const length = Number(req.headers['content-length']);
      const bytes = Number.isFinite(length) ? Math.min(length, limits.maxBodyBytes) : req.headers['transfer-encoding'] ? limits.maxBodyBytes : 0;
      inflight.reserve(req.raw, reply.raw, bytes);
    }
  });

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.headers(securityHeaders());
    return payload;
  });

  app.setErrorHandler((err: any, req, reply) => {
    const e = err instanceof LogpipeError ? err : fromFastifyError(err, limits.maxBodyBytes, req.url);
    if (!e) {
      req.log.error({ err }, `Request "${req.method} ${req.url.slice(0, 200)}" failed.`);
      metrics.errors.inc({ status: '500' });
      return reply.code(500).send(errorBody('LP_ERR_INTERNAL', ERRORS.LP_ERR_INTERNAL.message));
    }
    if (e.statusCode >= 500) req.log.warn(`Request "${req.method} ${req.url.slice(0, 200)}" answered ${e.statusCode}: ${e.message}`);
    metrics.errors.inc({ status: String(e.statusCode) });
    if (e.retryAfter) reply.header('retry-after', String(e.retryAfter));
    if (e.statusCode === 401) reply.header('www-authenticate', 'Bearer realm="logpipe"');
    return reply.code(e.statusCode).send(errorBody(e.code, e.message, e.details));
  });

  // No index.html fallback for unknown paths: the dashboard lives at `/` alone (its state is in
  // the query string), so an unknown path is a 404 for browsers and API clients alike. (The
  // fallback this replaces never ran — reply.sendFile is not decorated at this level — and
  // chose by a prefix test on the raw URL.)
  app.setNotFoundHandler(async (req, reply) => {
    metrics.errors.inc({ status: '404' });
    return reply.code(404).send(errorBody('LP_ERR_NOT_FOUND', `Nothing is at "${req.method} ${req.url.split('?')[0].slice(0, 200)}".`));
  });

  // SSE replies are hijacked and never reach onSend; end them before the server waits for
  // in-flight requests, or shutdown would wait for clients that never leave.
  app.addHook('preClose', async () => hub.closeAll());

  await app.register(ingestRoutes, { pipeline });
  // Both stores apply LogFilter.fields (the conformance suites check them against matchesFields),
  // so field filters go to the store and only what it cannot express is left to the engine.
  const engine = new QueryEngine(store, { budget: { rows: limits.queryScanRows, ms: limits.queryScanMs }, fieldsInStore: true });
  await app.register(queryRoutes, { store, engine, limits, lastId: () => hub.lastId });
  await app.register(tailRoutes, { engine, hub, limits, metrics, heartbeatMs: config.heartbeatMs, headers: securityHeaders });
  await app.register(opsRoutes, { store, hub, metrics, storeProblem: guard && (() => guard.problem()) });
  await registerInterop(app, pipeline, config, store);
  if (config.webDir) await app.register(webRoutes, { webDir: config.webDir });
  return { app, pipeline, hub, metrics, routes };
}

const INTEROP_DOORS = { otlp: 'OTLP/HTTP door (/v1/logs)', loki: 'Loki push door (/loki/api/v1/push)' } as const;

/**
 * The OTLP and Loki doors. They are part of the server, not options: a package they need that
 * is missing (protobufjs, snappyjs) stops the start with a sentence saying which, rather than
 * leaving a server that silently refuses every protobuf client.
 */
async function registerInterop(app: FastifyInstance, pipeline: IngestPipeline, config: ServerConfig, store: Store): Promise<void> {
  for (const [name, door] of Object.entries(INTEROP_DOORS)) {
    let mod: { default: (app: FastifyInstance, opts: any) => Promise<void> };
    try {
      mod = await import(`./routes/${name}.js`);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code !== 'ERR_MODULE_NOT_FOUND') throw err;
      throw new LogpipeError('LP_ERR_MISSING_MODULE', `The ${door} cannot be loaded: ${e.message.split('\n')[0]}. Reinstall logpipe's dependencies ("npm ci" in its folder) and start again.`);
    }
    await app.register(mod.default, { pipeline, limits: config.limits, store });
  }
}
