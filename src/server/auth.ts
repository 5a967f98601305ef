// Tokens: an ingest token may write, a read token may query, tail and use the dashboard.
// Comparison hashes both sides first so it takes the same time whatever the input's length.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { LogpipeError } from '../shared/errors.js';

/** Who may call a route: anyone, holders of a read token, or holders of an ingest token. */
export type Access = 'public' | 'read' | 'ingest';

export const ACCESS_LEVELS: readonly Access[] = ['public', 'read', 'ingest'];

/** What every route declares in its Fastify `config` (checked when it is registered, see app.ts). */
export interface RouteConfig {
  access: Access;
  /** A liveness or readiness probe: never rate-limited. */
  probe?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig extends Partial<RouteConfig> {}
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

export class TokenSet {
  #digests: Buffer[];
  constructor(tokens: string[]) {
    this.#digests = tokens.filter(Boolean).map(digest);
  }
  get enabled(): boolean {
    return this.#digests.length > 0;
  }
  /** Constant-time membership: every configured token is compared, always. */
  has(token: string | undefined): boolean {
    if (token === undefined) return false;
    const d = digest(token);
    let found = false;
    for (const t of this.#digests) found = timingSafeEqual(d, t) || found;
    return found;
  }
}

/**
 * `scheme credentials` of an Authorization header, blanks around them dropped. A scan, not the
 * regex `/^\s*(\w+)\s+(.+?)\s*$/`, whose lazy group retries the trailing `\s*$` from every
 * character: quadratic on a header with a long run of blanks inside.
 */
export function splitAuthorization(h: string): { scheme: string; credentials: string } | undefined {
  const t = h.trim();
  let i = 0;
  while (i < t.length && isWordChar(t.charCodeAt(i))) i++;
  if (i === 0) return undefined;
  let j = i;
  while (j < t.length && isBlank(t.charCodeAt(j))) j++;
  if (j === i || j === t.length) return undefined;
  return { scheme: t.slice(0, i), credentials: t.slice(j) };
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12 || c === 0xa0 || c === 0xfeff;
}

/**
 * The token a client sent: `Authorization: Bearer T` (our API, OTLP), or basic auth with the
 * token as password — or as user when the password is empty — as Loki clients send it.
 */
export function requestToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = splitAuthorization(h);
  if (!m) return undefined;
  const scheme = m.scheme.toLowerCase();
  if (scheme === 'bearer') return m.credentials;
  if (scheme === 'basic') {
    const decoded = Buffer.from(m.credentials, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return decoded;
    const pass = decoded.slice(i + 1);
    return pass || decoded.slice(0, i);
  }
  return undefined;
}

/** Throws 401/403 unless the request may do what `access` needs. */
export function authorize(req: FastifyRequest, access: Access, ingest: TokenSet, read: TokenSet): void {
  if (access === 'public') return;
  const need = access === 'ingest' ? ingest : read;
  if (!need.enabled) return;
  const token = requestToken(req);
  if (need.has(token)) return;
  if (token === undefined) {
    throw new LogpipeError('LP_ERR_UNAUTHORIZED', `This endpoint needs ${access === 'ingest' ? 'an ingest' : 'a read'} token: send "Authorization: Bearer <token>".`);
  }
  const other = access === 'ingest' ? read : ingest;
  if (other.has(token)) {
    throw new LogpipeError('LP_ERR_FORBIDDEN', access === 'ingest' ? 'A read token cannot write; use an ingest token.' : 'An ingest token cannot read; use a read token.');
  }
  throw new LogpipeError('LP_ERR_UNAUTHORIZED', 'The token is not valid.');
}
