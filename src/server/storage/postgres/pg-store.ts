// The PostgreSQL implementation of Store: several stateless servers share one database.
import pg from 'pg';
import { LogpipeError } from '../../../shared/errors.js';
import { LEVEL_CODE, levelFromCode } from '../../../shared/levels.js';
import type { LogRecord, NormalizedRecord } from '../../../shared/record.js';
import type {
  FieldFilter,
  HistogramQuery,
  HistogramResult,
  InsertResult,
  LogFilter,
  QueryOptions,
  RetentionOutlook,
  RetentionPolicy,
  SourceInfo,
  Store,
  StoreStats,
  StreamCheck,
} from '../store.js';
import { emptyHistogram, HOUR_MS, MINUTE_MS, rollupUnits, splitRange } from '../buckets.js';
import { RollupBatch } from '../rollups.js';
import { fallbackSubstring, toLikePattern } from '../fts-query.js';
import { createPartitions, DAY_MS, fieldsPartitionName, ident, lockKey, migrateSchema, partitionName, WRITE_LOCK_CLASS } from './pg-schema.js';
import { addFieldEntries, emptyFieldColumns, entryCondition, fieldColumnValues, fieldTerm, insertFieldsSql, prepareFieldEntries } from './pg-fields.js';
import { translatePgError, translatePgOpenError } from './pg-errors.js';
import { toTsqueryLiteral, toTsvectorLiteral } from './text-search.js';
import { toRecord, type Row } from '../row.js';
import { backoffDelay } from '../../../shared/backoff.js';

/** Reconnect delays of the LISTEN connection (live tail across servers). */
const LISTEN_BACKOFF = { baseMs: 250, capMs: 10_000 };

/** Options of the PostgreSQL store beyond the URL. */
export interface PostgresStoreOptions {
  /** Clock for ingest times and partition windows (retention); tests may move it. */
  now?: () => number;
  /** Schema holding logpipe's tables (default: `?schema=` in the URL, else "logpipe"). */
  schema?: string;
  /** Connections in the pool (default 8). */
  poolSize?: number;
  /**
   * Whether retention may drop a whole expired partition at once (default true). The rows
   * counted for it can exceed the chunk size; with false, everything is deleted in chunks.
   */
  dropPartitions?: boolean;
  /** Field index entries counted to tell a selective field filter from a common one (default FIELD_DRIVE_CAP); tests lower it to reach both plans. */
  fieldDriveCap?: number;
}


const COLUMNS = 'id, ts, level, source, host, message, attrs';
/** Field index entries counted to tell a selective field filter from a common one (see #fieldDriver). */
const FIELD_DRIVE_CAP = 5000;
/** Days before now that still get a partition of their own; older rows go to the default partition. */
const PAST_DAYS = 400;
/** Days after now that get a partition of their own (clock skew, time zones). */
const FUTURE_DAYS = 2;
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const STREAMS_UPSERT = (s: string) => `INSERT INTO ${s}.streams (stream, last_offset)`;
const STREAMS_CONFLICT = 'ON CONFLICT (stream) DO UPDATE SET last_offset = greatest(streams.last_offset, excluded.last_offset)';

/** Node-postgres returns int8 and numeric as strings; our values all fit in a double. */
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

/** PostgreSQL text cannot hold NUL; it is stored (and looked for) as U+FFFD, as ingest already does for messages. */
function clean(s: string): string {
  return s.includes('\u0000') ? s.replace(/\u0000/g, '\ufffd') : s;
}

/** Splits a postgres:// URL into the connection string for pg and the schema named by `?schema=`. */
export function parsePostgresUrl(url: string): { connectionString: string; schema?: string; where: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new LogpipeError('LP_ERR_STORE_OPEN', 'The --db URL is not a valid postgres:// URL.');
  }
  const schema = u.searchParams.get('schema') ?? undefined;
  u.searchParams.delete('schema');
  const where = `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname || '/'}`;
  return { connectionString: u.toString(), schema, where };
}

/** Builds SQL with numbered parameters. */
class Params {
  values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

/** PostgreSQL-backed Store (node-postgres pool): see pg-schema.ts for the layout and why. */
export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly schema: string;
  #pool: pg.Pool;
  #s: string;
  #now: () => number;
  #lockKey: number;
  #channel: string;
  #dropPartitions: boolean;
  #fieldDriveCap: number;
  #connectionString: string;
  #closed = false;
  #listener: pg.Client | undefined;
  #watchers = new Set<(lastId: number) => void>();
  #reconnectTimer: NodeJS.Timeout | undefined;
  #writeQueue: Promise<void> = Promise.resolve();

  private constructor(connectionString: string, schema: string, options: PostgresStoreOptions) {
    this.schema = schema;
    this.#s = ident(schema);
    this.#now = options.now ?? Date.now;
    this.#lockKey = lockKey(schema);
    this.#channel = `logpipe_commits_${schema}`.slice(0, 63);
    this.#dropPartitions = options.dropPartitions ?? true;
    this.#fieldDriveCap = Math.max(1, Math.floor(options.fieldDriveCap ?? FIELD_DRIVE_CAP));
    this.#connectionString = connectionString;
    this.#pool = new pg.Pool({
      connectionString,
      max: options.poolSize ?? 8,
      types: TYPES,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
      application_name: 'logpipe',
    });
    // An idle connection dropped by the server (restart, failover) must not crash the process:
    // the pool discards it and the next query opens a new one.
    this.#pool.on('error', () => {});
  }

  /** Connects, creates or checks the schema, and pre-creates the partitions of today and tomorrow. */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const parsed = parsePostgresUrl(url);
    const schema = options.schema ?? parsed.schema ?? 'logpipe';
    if (!SCHEMA_NAME.test(schema)) {
      throw new LogpipeError('LP_ERR_STORE_OPEN', `The PostgreSQL schema name "${schema.slice(0, 80)}" is not a plain identifier (letters, digits, underscore).`);
    }
    const store = new PostgresStore(parsed.connectionString, schema, options);
    try {
      const client = await store.#pool.connect();
      try {
        await migrateSchema(client, schema);
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock($1, $2)', [WRITE_LOCK_CLASS, store.#lockKey]);
        const today = Math.floor(store.#now() / DAY_MS);
        await createPartitions(client, schema, [today, today + 1]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    } catch (err) {
      await store.#pool.end().catch(() => {});
      throw translatePgOpenError(err, parsed.where);
    }
    return store;
  }

  /** The pool, for PostgreSQL-only tests and benchmarks. */
  get pool(): pg.Pool {
    return this.#pool;
  }

  async #run<T extends pg.QueryResultRow = any>(sql: string, values: unknown[] = []): Promise<T[]> {
    try {
      return (await this.#pool.query<T>(sql, values)).rows;
    } catch (err) {
      throw translatePgError(err);
    }
  }

  /** Runs `fn` in one read-only REPEATABLE READ transaction (one snapshot) on a pooled connection. */
  #snapshot<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.#inTransaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', fn);
  }

  /**
   * Runs `fn` on a pooled connection between `begin` and COMMIT; rolls back on an error (and
   * drops the connection if even that fails), translating PostgreSQL errors.
   */
  async #inTransaction<T>(begin: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (err) {
      throw translatePgError(err);
    }
    let broken = false;
    try {
      await client.query(begin);
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw translatePgError(err);
    } finally {
      client.release(broken);
    }
  }

  // Writers of this process queue here before taking a pooled connection: they would only
  // wait for the advisory lock inside the database anyway, and each waiting one would hold a
  // connection that queries and live-tail catch-ups need.
  #tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const run = this.#writeQueue.then(() => this.#txNow(fn));
    this.#writeQueue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  #txNow<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    // The advisory lock serializes every writer of this schema, on every server: ids are
    // taken and committed in order (the live tail resumes by id), partitions are created or
    // dropped by one transaction at a time, and stream offsets are read after the previous
    // batch committed. DDL waits for queries on the parent table: lock_timeout makes a writer
    // stuck behind a long report fail with a 503 the shipper retries. One round trip (the
    // simple protocol runs several statements; the numbers are ours, not user input).
    return this.#inTransaction(`BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK_CLASS}, ${this.#lockKey}); SET LOCAL lock_timeout = '10s'`, fn);
  }

  #partitionDay(ts: number, today: number): number | null {
    const day = Math.floor(ts / DAY_MS);
    return day >= today - PAST_DAYS && day <= today + FUTURE_DAYS ? day : null;
  }

  async insert(records: NormalizedRecord[]): Promise<InsertResult> {
    if (!records.length) return { accepted: 0, duplicates: 0, records: [] };
    // Validation and tokenizing happen before the transaction, so the write lock is held
    // only for the database round trips: lock, read, write, commit (plus DDL on a new day).
    for (const r of records) if (typeof r.message !== 'string') throw new TypeError('Each record needs a message string.');
    const tsv = records.map((r) => toTsvectorLiteral(r.message));
    const entries = records.map((r) => prepareFieldEntries(r.attrs ?? null));
    const streamNames = [...new Set(records.filter((r) => r.stream != null && r.offset != null).map((r) => clean(r.stream as string)))];
    const now = this.#now();
    const today = Math.floor(now / DAY_MS);
    const days = new Set<number>();
    for (const r of records) {
      const d = this.#partitionDay(r.ts, today);
      if (d !== null) days.add(d);
    }
    const dayList = [...days];
    return this.#tx(async (c) => {
      const s = this.#s;
      // Read after the lock was granted, so this sees everything the previous writer committed.
      // The FOR UPDATE row locks on offsets are redundant under the write lock, but keep them
      // right even for a writer that does not take it (an older logpipe, a manual fix-up).
      const [state] = (
        await c.query(
          `SELECT (SELECT value FROM ${s}.meta WHERE key = 'last_id') AS last_id, ` +
            `(SELECT coalesce(array_agg(name), '{}') FROM ${s}.partitions WHERE name = ANY($1::text[])) AS parts, ` +
            `(SELECT coalesce(json_agg(json_build_array(stream, last_offset)), '[]') FROM (SELECT stream, last_offset FROM ${s}.streams WHERE stream = ANY($2::text[]) FOR UPDATE) AS o) AS offsets`,
          [dayList.map(partitionName), streamNames],
        )
      ).rows as { last_id: number; parts: string[]; offsets: [string, number][] }[];
      const committed = new Map<string, number>(state.offsets);
      const max = new Map<string, number>();
      const checks = new Map<string, string>();
      const keep: number[] = [];
      let duplicates = 0;
      for (let i = 0; i < records.length; i++) {
        const r = records[i];
        if (r.stream != null && r.offset != null) {
          const key = clean(r.stream);
          const m = max.get(key) ?? committed.get(key) ?? -1;
          if (r.offset <= m) {
            duplicates++;
            continue;
          }
          max.set(key, r.offset);
          if (r.check) checks.set(key, r.check);
          else checks.delete(key);
        }
        keep.push(i);
      }
      const sv = [...max];
      // The check of the record at each stream's new committed offset (see stream-check.ts).
      const cv = sv.filter(([k]) => checks.has(k));
      if (cv.length) {
        await c.query(
          `INSERT INTO ${s}.stream_checks (stream, at, check_hash) SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[]) ` +
            'ON CONFLICT (stream) DO UPDATE SET at = excluded.at, check_hash = excluded.check_hash WHERE stream_checks.at < excluded.at',
          [cv.map(([k]) => k), cv.map(([, v]) => v), cv.map(([k]) => checks.get(k)!)],
        );
      }
      if (!keep.length) {
        if (sv.length) await c.query(`${STREAMS_UPSERT(s)} SELECT * FROM unnest($1::text[], $2::bigint[]) ${STREAMS_CONFLICT}`, [sv.map(([k]) => k), sv.map(([, v]) => v)]);
        return { accepted: 0, duplicates, records: [] };
      }
      const have = new Set(state.parts);
      const missing = new Set<number>();
      for (const i of keep) {
        const d = this.#partitionDay(records[i].ts, today);
        if (d !== null && !have.has(partitionName(d))) missing.add(d);
      }
      if (missing.size) await createPartitions(c, this.schema, [...missing]);

      let id = state.last_id;
      const cols = { id: [] as number[], ts: [] as number[], level: [] as number[], source: [] as string[], host: [] as string[], message: [] as string[], attrs: [] as (string | null)[], tsv: [] as string[] };
      const fieldCols = emptyFieldColumns();
      const roll = new RollupBatch();
      const parts = new Map<string, { n: number; maxId: number }>();
      const out: LogRecord[] = [];
      for (const i of keep) {
        const r = records[i];
        id++;
        const code = LEVEL_CODE[r.level] ?? LEVEL_CODE.unknown;
        const source = clean(r.source);
        const host = clean(r.host);
        const message = clean(r.message);
        const attrs = r.attrs == null ? null : clean(r.attrs);
        cols.id.push(id);
        cols.ts.push(r.ts);
        cols.level.push(code);
        cols.source.push(source);
        cols.host.push(host);
        cols.message.push(message);
        cols.attrs.push(attrs);
        cols.tsv.push(tsv[i]);
        addFieldEntries(fieldCols, id, r.ts, entries[i]);
        roll.add(r.ts, code, source, id);
        const day = this.#partitionDay(r.ts, today);
        const pname = day === null ? 'logs_default' : partitionName(day);
        const p = parts.get(pname);
        if (p) {
          p.n++;
          p.maxId = id;
        } else parts.set(pname, { n: 1, maxId: id });
        out.push({ id, ts: r.ts, level: levelFromCode(code), source, host, message, attrs: attrs === null ? null : (JSON.parse(attrs) as Record<string, unknown>) });
      }
      const ru = roll.minutes();
      const hu = roll.hours();
      const tv = roll.totals();
      const pv = [...parts];
      // Everything else in one statement (data-modifying CTEs all run, in one snapshot):
      // rows, rollups, totals, partition counts, the ingest second, last_id, stream offsets,
      // and the notification that other servers receive when (and only if) this commits.
      const agg = (table: string, col: string, p: number) =>
        `INSERT INTO ${s}.${table} (${col}, level, source, n, min_id, max_id) SELECT * FROM unnest($${p}::bigint[], $${p + 1}::smallint[], $${p + 2}::text[], $${p + 3}::bigint[], $${p + 4}::bigint[], $${p + 5}::bigint[]) ` +
        `ON CONFLICT (${col}, level, source) DO UPDATE SET n = ${table}.n + excluded.n, min_id = least(${table}.min_id, excluded.min_id), max_id = greatest(${table}.max_id, excluded.max_id)`;
      await c.query(
        `WITH l AS (INSERT INTO ${s}.logs (id, ts, level, source, host, message, attrs, tsv) ` +
          'SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::smallint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::tsvector[])), ' +
          `r AS (${agg('rollup', 'minute', 9)}), h AS (${agg('rollup_hour', 'hour', 15)}), ` +
          `t AS (INSERT INTO ${s}.totals (source, level, n, last_seen, min_id, max_id) SELECT * FROM unnest($21::text[], $22::smallint[], $23::bigint[], $24::bigint[], $25::bigint[], $26::bigint[]) ` +
          'ON CONFLICT (source, level) DO UPDATE SET n = totals.n + excluded.n, last_seen = greatest(totals.last_seen, excluded.last_seen), ' +
          'min_id = least(totals.min_id, excluded.min_id), max_id = greatest(totals.max_id, excluded.max_id)), ' +
          `p AS (UPDATE ${s}.partitions p SET rows = p.rows + v.n, inserted = p.inserted + v.n, max_id = greatest(p.max_id, v.max_id) ` +
          'FROM unnest($27::text[], $28::bigint[], $29::bigint[]) AS v (name, n, max_id) WHERE p.name = v.name), ' +
          `i AS (INSERT INTO ${s}.ingests (second, last_id, at) VALUES ($30, $31, $32) ` +
          'ON CONFLICT (second) DO UPDATE SET last_id = greatest(ingests.last_id, excluded.last_id), at = greatest(ingests.at, excluded.at)), ' +
          `m AS (UPDATE ${s}.meta SET value = $31 WHERE key = 'last_id'), ` +
          `o AS (${STREAMS_UPSERT(s)} SELECT * FROM unnest($33::text[], $34::bigint[]) ${STREAMS_CONFLICT}), ` +
          `f AS (${insertFieldsSql(s, 36)}) ` +
          'SELECT pg_notify($35, $31::text)',
        [
          cols.id, cols.ts, cols.level, cols.source, cols.host, cols.message, cols.attrs, cols.tsv,
          ...[ru, hu].flatMap((a) => [a.map((x) => x.unit), a.map((x) => x.level), a.map((x) => x.source), a.map((x) => x.n), a.map((x) => x.minId), a.map((x) => x.maxId)]),
          tv.map((x) => x.source), tv.map((x) => x.level), tv.map((x) => x.n), tv.map((x) => x.lastSeen), tv.map((x) => x.minId), tv.map((x) => x.maxId),
          pv.map(([n]) => n), pv.map(([, p]) => p.n), pv.map(([, p]) => p.maxId),
          Math.floor(now / 1000), id, now,
          sv.map(([k]) => k), sv.map(([, v]) => v),
          this.#channel,
          ...fieldColumnValues(fieldCols),
        ],
      );
      return { accepted: out.length, duplicates, firstId: out[0].id, lastId: id, records: out };
    });
  }

  /** WHERE terms for the level/source/host/time parts of a filter. */
  #filterTerms(f: LogFilter, p: Params, t = ''): string[] {
    const terms: string[] = [];
    if (f.levels?.length) terms.push(`${t}level = ANY(${p.add(f.levels.map((l) => LEVEL_CODE[l]))}::smallint[])`);
    if (f.sources?.length) terms.push(`${t}source = ANY(${p.add(f.sources.map(clean))}::text[])`);
    if (f.host !== undefined) terms.push(`${t}host = ${p.add(clean(f.host))}`);
    if (f.from !== undefined) terms.push(`${t}ts >= ${p.add(Math.floor(f.from))}::bigint`);
    if (f.to !== undefined) terms.push(`${t}ts < ${p.add(Math.ceil(f.to))}::bigint`);
    return terms;
  }

  /** WHERE terms for the field filters of a query over `logs` (see pg-fields.ts). */
  #fieldTerms(f: LogFilter, p: Params): string[] {
    return (f.fields ?? []).map((ff) => fieldTerm(ff, this.#s, 'logs', (v) => p.add(v)));
  }

  /** WHERE terms for the search text: a tsquery, or a substring when the text has nothing indexable; null = matches nothing. */
  #searchTerms(q: string | undefined, p: Params): string[] | null {
    if (!q?.trim()) return [];
    const tsq = toTsqueryLiteral(q);
    if (tsq) return [`tsv @@ ${p.add(tsq)}::tsquery`];
    const like = fallbackSubstring(q);
    return like ? [`message LIKE ${p.add(toLikePattern(clean(like)))} ESCAPE '\\'`] : [];
  }

  async query(opts: QueryOptions): Promise<LogRecord[]> {
    const dir = opts.order === 'asc' ? 'ASC' : 'DESC';
    const limit = Math.floor(opts.limit);
    if (!(limit > 0)) return [];
    if (this.#searchTerms(opts.q, new Params()) === null) return [];
    // The rollup's id range bounds the matches of a level/source/time filter: a cheap extra
    // condition (ids are not the order here, ts is).
    const bounds = await this.#idBounds(opts);
    if (bounds?.n === 0) return [];
    const driver = opts.fields?.length ? await this.#fieldDriver(opts, Boolean(opts.q?.trim())) : undefined;
    if (driver) return this.#queryByField(opts, driver, dir, limit, bounds);
    const p = new Params();
    const terms = this.#pageTerms(opts, p, undefined, bounds);
    // A row comparison, which PostgreSQL matches to the (ts, id) index as one range.
    if (opts.after) terms.push(`(logs.ts, logs.id) ${dir === 'DESC' ? '<' : '>'} (${p.add(Math.floor(opts.after.ts))}::bigint, ${p.add(Math.floor(opts.after.id))}::bigint)`);
    const where = terms.length ? `WHERE ${terms.join(' AND ')}` : '';
    const rows = await this.#run<Row>(`SELECT ${COLUMNS} FROM ${this.#s}.logs ${where} ORDER BY ts ${dir}, id ${dir} LIMIT ${p.add(limit)}`, p.values);
    return rows.map(toRecord);
  }

  /** WHERE terms of a page query over logs: search, level/source/host/time, the field filters other than `driver` (looked up per row), id bounds. */
  #pageTerms(f: LogFilter, p: Params, driver: FieldFilter | undefined, bounds: { lo: number; hi: number } | undefined): string[] {
    const terms = [...(this.#searchTerms(f.q, p) ?? []), ...this.#filterTerms(f, p, 'logs.')];
    for (const ff of f.fields ?? []) if (ff !== driver) terms.push(fieldTerm(ff, this.#s, 'logs', (v) => p.add(v), true));
    if (bounds) terms.push(`logs.id >= ${p.add(bounds.lo)}::bigint`, `logs.id <= ${p.add(bounds.hi)}::bigint`);
    return terms;
  }

  // A page driven by the field index: the driver's entries are read in (ts, id) order, a
  // window at a time, and the rows they point to are checked against the other filters. A
  // selective driver's few entries are sorted; a common equality's entries come in index
  // order (key, value, ts, id); either way windows of growing size stop soon after a page.
  // Two statements per window rather than one join, because PostgreSQL estimates the join
  // on (ts, id) at one row and then sorts every entry of the value before the LIMIT.
  async #queryByField(opts: QueryOptions, driver: FieldFilter, dir: 'ASC' | 'DESC', limit: number, bounds: { lo: number; hi: number } | undefined): Promise<LogRecord[]> {
    const out: LogRecord[] = [];
    const cmp = dir === 'DESC' ? '<' : '>';
    let after = opts.after;
    // The first window holds a page or more; a selective driver's entries are few, so sorting
    // them (in the index) costs little, and rows are looked up only a window at a time.
    let window = Math.max(limit, Math.min(256, this.#fieldDriveCap));
    for (;;) {
      const p = new Params();
      const x = [entryCondition(driver, (v) => p.add(v), 'x')];
      if (opts.from !== undefined) x.push(`x.ts >= ${p.add(Math.floor(opts.from))}::bigint`);
      if (opts.to !== undefined) x.push(`x.ts < ${p.add(Math.ceil(opts.to))}::bigint`);
      if (after) x.push(`(x.ts, x.id) ${cmp} (${p.add(Math.floor(after.ts))}::bigint, ${p.add(Math.floor(after.id))}::bigint)`);
      const entries = await this.#run<{ ts: number; id: number }>(`SELECT x.ts, x.id FROM ${this.#s}.fields x WHERE ${x.join(' AND ')} ORDER BY x.ts ${dir}, x.id ${dir} LIMIT ${window}`, p.values);
      if (!entries.length) return out;
      // One record has several entries when several of its values match (array elements): each is sent once.
      const ts: number[] = [];
      const ids: number[] = [];
      for (let i = 0; i < entries.length; i++) {
        if (i > 0 && entries[i].id === entries[i - 1].id && entries[i].ts === entries[i - 1].ts) continue;
        ts.push(entries[i].ts);
        ids.push(entries[i].id);
      }
      const q = new Params();
      const terms = [`(logs.ts, logs.id) IN (SELECT * FROM unnest(${q.add(ts)}::bigint[], ${q.add(ids)}::bigint[]))`, ...this.#pageTerms(opts, q, driver, bounds)];
      const rows = await this.#run<Row>(`SELECT ${COLUMNS} FROM ${this.#s}.logs WHERE ${terms.join(' AND ')} ORDER BY ts ${dir}, id ${dir} LIMIT ${q.add(limit - out.length)}`, q.values);
      for (const r of rows) out.push(toRecord(r));
      if (out.length >= limit || entries.length < window) return out;
      const last = entries[entries.length - 1];
      after = { ts: last.ts, id: last.id };
      window = Math.min(window * 4, 65_536);
    }
  }

  /**
   * Which field filter should drive a page query through the field index, if any. Counting
   * at most FIELD_DRIVE_CAP entries of a filter (within the time range) tells a selective one,
   * whose few entries are read and sorted, from a common one. A common equality still drives
   * when there is no search text: its entries come in (ts, id) order, so the walk stops after
   * a page. Otherwise (a common prefix, range or exists, or only negated filters) the page
   * walks logs in time order and looks each row's fields up, stopping after a page too.
   */
  async #fieldDriver(f: LogFilter, hasSearch: boolean): Promise<FieldFilter | undefined> {
    const order = { eq: 0, prefix: 1, range: 2, exists: 3 } as const;
    const candidates = (f.fields ?? []).filter((x) => !x.negate).sort((a, b) => order[a.op] - order[b.op]);
    for (const c of candidates.slice(0, 2)) {
      const p = new Params();
      const cond = [entryCondition(c, (v) => p.add(v), 'x')];
      if (f.from !== undefined) cond.push(`x.ts >= ${p.add(Math.floor(f.from))}::bigint`);
      if (f.to !== undefined) cond.push(`x.ts < ${p.add(Math.ceil(f.to))}::bigint`);
      const [r] = await this.#run<{ n: number }>(`SELECT count(*)::bigint AS n FROM (SELECT 1 FROM ${this.#s}.fields x WHERE ${cond.join(' AND ')} LIMIT ${this.#fieldDriveCap}) AS e`, p.values);
      if (r.n < this.#fieldDriveCap) return c;
      if (c.op === 'eq' && !hasSearch) return c;
    }
    return undefined;
  }

  // Arrival (id) order, for the live tail's catch-up (since()).
  async #query(f: LogFilter, dir: 'ASC' | 'DESC', afterId: number | undefined, limit: number): Promise<LogRecord[]> {
    limit = Math.floor(limit);
    if (!(limit > 0)) return [];
    const p = new Params();
    const search = this.#searchTerms(f.q, p);
    if (search === null) return [];
    const terms = [...search, ...this.#filterTerms(f, p), ...this.#fieldTerms(f, p)];
    let lo = Number.MIN_SAFE_INTEGER;
    let hi = Number.MAX_SAFE_INTEGER;
    const bounds = await this.#idBounds(f);
    if (bounds) {
      if (bounds.n === 0) return [];
      lo = bounds.lo;
      hi = bounds.hi;
    }
    if (afterId !== undefined) {
      if (dir === 'DESC') hi = Math.min(hi, Math.ceil(afterId) - 1);
      else lo = Math.max(lo, Math.floor(afterId) + 1);
    }
    if (lo > hi) return [];
    if (lo > Number.MIN_SAFE_INTEGER) terms.push(`id >= ${p.add(lo)}::bigint`);
    if (hi < Number.MAX_SAFE_INTEGER) terms.push(`id <= ${p.add(hi)}::bigint`);
    const where = terms.length ? `WHERE ${terms.join(' AND ')}` : '';
    const rows = await this.#run<Row>(`SELECT ${COLUMNS} FROM ${this.#s}.logs ${where} ORDER BY id ${dir} LIMIT ${p.add(limit)}`, p.values);
    return rows.map(toRecord);
  }

  /**
   * How many rows a level/source/time filter can match and the id range they lie in, from the
   * rollups (time ranges: minutes up to a day, hours beyond) or the totals; undefined when the
   * filter has none of these parts. As in the SQLite store, the id range is what makes
   * "newest 100 errors between 10:20 and 10:30" fast: PostgreSQL walks (level, id) backwards
   * from the range's last id instead of from the newest error of all (it assumes matches are
   * spread evenly over ids, and they are not: ids follow time).
   */
  async #idBounds(f: LogFilter): Promise<{ n: number; lo: number; hi: number } | undefined> {
    const timed = f.from !== undefined || f.to !== undefined;
    if (!timed && !f.levels?.length && !f.sources?.length) return undefined;
    const p = new Params();
    const terms: string[] = [];
    if (f.levels?.length) terms.push(`level = ANY(${p.add(f.levels.map((l) => LEVEL_CODE[l]))}::smallint[])`);
    if (f.sources?.length) terms.push(`source = ANY(${p.add(f.sources.map(clean))}::text[])`);
    let table = 'totals';
    if (timed) {
      const from = f.from ?? 0;
      const to = f.to ?? 8.64e15;
      if (!(to > from)) return { n: 0, lo: 0, hi: -1 };
      const minutes = (to - from) / MINUTE_MS;
      const [name, col, unit] = minutes <= 1440 ? ['rollup', 'minute', MINUTE_MS] : ['rollup_hour', 'hour', HOUR_MS];
      table = name;
      terms.push(`${col} >= ${p.add(Math.floor(from / unit))}::bigint`, `${col} <= ${p.add(Math.floor((to - 1) / unit))}::bigint`);
    }
    const [r] = await this.#run<{ n: number; lo: number | null; hi: number | null }>(
      `SELECT coalesce(sum(n), 0)::bigint AS n, min(min_id) AS lo, max(max_id) AS hi FROM ${this.#s}.${table} WHERE ${terms.length ? terms.join(' AND ') : 'true'}`,
      p.values,
    );
    if (!r.n || r.lo === null || r.hi === null) return { n: 0, lo: 0, hi: -1 };
    return { n: r.n, lo: r.lo, hi: r.hi };
  }

  async get(id: number): Promise<LogRecord | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    const rows = await this.#run<Row>(`SELECT ${COLUMNS} FROM ${this.#s}.logs WHERE id = $1`, [id]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async context(id: number, before: number, after: number): Promise<{ before: LogRecord[]; record: LogRecord; after: LogRecord[] } | undefined> {
    const record = await this.get(id);
    if (!record) return undefined;
    const b = Math.max(0, Math.floor(before));
    const a = Math.max(0, Math.floor(after));
    const s = this.#s;
    const [prev, next] = await Promise.all([
      b ? this.#run<Row>(`SELECT ${COLUMNS} FROM ${s}.logs WHERE source = $1 AND (ts, id) < ($2::bigint, $3::bigint) ORDER BY ts DESC, id DESC LIMIT $4`, [record.source, record.ts, id, b]) : [],
      a ? this.#run<Row>(`SELECT ${COLUMNS} FROM ${s}.logs WHERE source = $1 AND (ts, id) > ($2::bigint, $3::bigint) ORDER BY ts ASC, id ASC LIMIT $4`, [record.source, record.ts, id, a]) : [],
    ]);
    return { before: prev.reverse().map(toRecord), record, after: next.map(toRecord) };
  }

  async since(afterId: number, filter: LogFilter, limit: number): Promise<LogRecord[]> {
    return this.#query(filter, 'ASC', afterId, limit);
  }

  async histogram(hq: HistogramQuery): Promise<HistogramResult> {
    const { result, layout, add } = emptyHistogram(hq);
    const { start, step } = layout;
    if (!(hq.to > hq.from)) return result;
    const filter: LogFilter = { levels: hq.levels, sources: hq.sources, host: hq.host, fields: hq.fields };
    const hasSearch = Boolean(hq.q?.trim());
    const s = this.#s;

    // Each piece is one statement; its rows go into the counts.
    const statements: { sql: string; values: unknown[]; apply: (rows: { k: number; level: number; n: number }[]) => void }[] = [];
    const countRows = (a: number, b: number, sign: number): void => {
      if (!(b > a)) return;
      const p = new Params();
      const search = this.#searchTerms(hq.q, p);
      if (search === null) return;
      const terms = [...search, ...this.#filterTerms({ ...filter, from: a, to: b }, p), ...this.#fieldTerms(filter, p)];
      const sql = `SELECT (ts - ${p.add(start)}::bigint) / ${p.add(step)}::bigint AS k, level, count(*) AS n FROM ${s}.logs WHERE ${terms.join(' AND ')} GROUP BY 1, 2`;
      statements.push({ sql, values: p.values, apply: (rows) => rows.forEach((r) => add(r.k, r.level, sign * r.n)) });
    };
    const readUnits = (ms: number, lo: number, hi: number): void => {
      const [table, col] = ms === HOUR_MS ? ['rollup_hour', 'hour'] : ['rollup', 'minute'];
      const p = new Params();
      const terms = [`${col} >= ${p.add(lo)}::bigint`, `${col} < ${p.add(hi)}::bigint`, ...this.#filterTerms(filter, p)];
      const sql = `SELECT ${col} AS k, level, sum(n)::bigint AS n FROM ${s}.${table} WHERE ${terms.join(' AND ')} GROUP BY 1, 2`;
      statements.push({ sql, values: p.values, apply: (rows) => rows.forEach((r) => add(Math.floor((r.k * ms - start) / step), r.level, r.n)) });
    };

    // The plan every store follows (buckets.ts splitRange); the rollups know level and source
    // only, so search text, a host or a field filter means counting rows.
    const pieces = splitRange(hq.from, hq.to, rollupUnits(step, !hasSearch && hq.host === undefined && !hq.fields?.length));
    for (const piece of pieces) {
      if (piece.kind === 'units') readUnits(piece.ms, piece.lo, piece.hi);
      else countRows(piece.a, piece.b, piece.sign);
    }
    if (pieces.some((p) => p.kind === 'rows' && p.sign < 0)) {
      // A rollup unit minus rows of part of it: both must see the same rows, so they run in one
      // read-only snapshot on one connection (each pooled statement has its own snapshot).
      await this.#snapshot(async (c) => {
        for (const st of statements) st.apply((await c.query(st.sql, st.values)).rows);
      });
    } else await Promise.all(statements.map((st) => this.#run<{ k: number; level: number; n: number }>(st.sql, st.values).then(st.apply)));
    return result;
  }

  async sources(): Promise<SourceInfo[]> {
    return this.#run<SourceInfo>(`SELECT source, sum(n)::bigint AS count, max(last_seen) AS "lastSeen" FROM ${this.#s}.totals GROUP BY source ORDER BY source`);
  }

  async stats(): Promise<StoreStats> {
    const s = this.#s;
    const [r] = await this.#run<{ rows: number; last_id: number }>(
      `SELECT (SELECT coalesce(sum(n), 0)::bigint FROM ${s}.totals) AS rows, (SELECT value FROM ${s}.meta WHERE key = 'last_id') AS last_id`,
    );
    return { rows: r.rows, dbBytes: await this.usedBytes(), lastId: r.last_id };
  }

  /** Bytes on disk of every table, index and partition of the schema (pg_total_relation_size). */
  async fileBytes(): Promise<number> {
    const [r] = await this.#run<{ n: number }>(
      "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS n FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace WHERE ns.nspname = $1 AND c.relkind IN ('r', 'S', 'm')",
      [this.schema],
    );
    return r.n;
  }

  /**
   * Bytes of live data, what size retention compares: tables other than logs count whole; each
   * logs partition counts its pg_total_relation_size scaled by live rows / rows ever inserted.
   * Deleted rows free space that PostgreSQL reuses (after VACUUM) but gives back to the file
   * system only when the partition is dropped; the estimate treats it as free, like SQLite's
   * free pages. (Rows inserted into reused space make it run a little low until then.)
   */
  async usedBytes(): Promise<number> {
    const [r] = await this.#run<{ n: number }>(
      `SELECT coalesce(sum(CASE WHEN p.name IS NULL THEN pg_total_relation_size(c.oid)::float8 ` +
        `ELSE pg_total_relation_size(c.oid)::float8 * p.rows / greatest(p.inserted, 1) END), 0)::bigint AS n ` +
        `FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace LEFT JOIN ${this.#s}.partitions p ON c.relname IN (p.name, 'fields_' || substr(p.name, 6)) ` +
        "WHERE ns.nspname = $1 AND c.relkind IN ('r', 'S', 'm')",
      [this.schema],
    );
    return r.n;
  }

  async streamChecks(streams: string[]): Promise<Map<string, StreamCheck>> {
    const s = this.#s;
    const rows = await this.#run<{ stream: string; offset: string | number; at: string | number | null; check: string | null }>(
      `SELECT o.stream, o.last_offset AS offset, c.at, c.check_hash AS check FROM ${s}.streams o LEFT JOIN ${s}.stream_checks c ON c.stream = o.stream WHERE o.stream = ANY($1::text[])`,
      [streams.map(clean)],
    );
    const out = new Map<string, StreamCheck>();
    for (const r of rows) out.set(r.stream, { offset: Number(r.offset), at: r.at === null ? null : Number(r.at), check: r.check });
    return out;
  }

  async streamOffset(stream: string): Promise<number> {
    const rows = await this.#run<{ last_offset: number }>(`SELECT last_offset FROM ${this.#s}.streams WHERE stream = $1`, [clean(stream)]);
    return rows[0]?.last_offset ?? -1;
  }

  async enforceRetention(policy: RetentionPolicy, chunk: number): Promise<number> {
    const limit = Math.max(1, Math.floor(chunk));
    const s = this.#s;
    if (policy.maxAgeMs !== undefined && policy.maxAgeMs > 0) {
      const cutoff = (policy.now ?? this.#now()) - policy.maxAgeMs;
      // Only rows ingested before the cutoff may go: the newest id inserted in a whole second
      // before the cutoff bounds them (an imported old file must not vanish on arrival).
      const [ing] = await this.#run<{ last_id: number }>(`SELECT last_id FROM ${s}.ingests WHERE second < $1 ORDER BY second DESC LIMIT 1`, [Math.floor(cutoff / 1000)]);
      if (ing) {
        const maxOldId = ing.last_id;
        if (this.#dropPartitions) {
          const [part] = await this.#run<{ name: string }>(
            `SELECT name FROM ${s}.partitions WHERE hi IS NOT NULL AND hi <= $1 AND max_id <= $2 AND rows > 0 ORDER BY lo LIMIT 1`,
            [cutoff, maxOldId],
          );
          if (part) {
            const n = await this.#dropPartition(part.name, { cutoff, maxOldId });
            if (n > 0) return n;
          }
        }
        const n = await this.#deleteRows(`id <= $1 AND ts < $2`, [maxOldId, cutoff], limit);
        if (n > 0) return n;
      }
    }
    if (policy.maxBytes !== undefined && policy.maxBytes > 0 && (await this.usedBytes()) > policy.maxBytes) {
      if (this.#dropPartitions) {
        // Only a drop gives disk back, so when there is more than one day, the day whose rows
        // were all ingested first (smallest max_id: the oldest rows, as SQLite deletes them)
        // goes whole; the last one left is deleted in chunks.
        const parts = await this.#run<{ name: string }>(`SELECT name FROM ${s}.partitions WHERE hi IS NOT NULL AND rows > 0 ORDER BY max_id LIMIT 2`);
        if (parts.length === 2) {
          const n = await this.#dropPartition(parts[0].name);
          if (n > 0) return n;
        }
      }
      return this.#deleteRows('true', [], limit);
    }
    return 0;
  }

  async retentionOutlook(cutoff: number): Promise<RetentionOutlook> {
    const s = this.#s;
    // The same bound enforceRetention uses: ids ingested in whole seconds before the cutoff.
    const [r] = await this.#run<{ max_old_id: number | null; rows: number; newest: number | null; min_id: number | null }>(
      `SELECT (SELECT last_id FROM ${s}.ingests WHERE second < $1 ORDER BY second DESC LIMIT 1) AS max_old_id, ` +
        `(SELECT coalesce(sum(n), 0) FROM ${s}.totals) AS rows, (SELECT max(at) FROM ${s}.ingests) AS newest, (SELECT min(id) FROM ${s}.logs) AS min_id`,
      [Math.floor(cutoff / 1000)],
    );
    const rows = Number(r.rows);
    // Ids are dense in ingest order, so the id range is an upper bound on the rows in it.
    const expiring = r.max_old_id === null || r.min_id === null ? 0 : Math.min(rows, Math.max(0, Number(r.max_old_id) - Number(r.min_id) + 1));
    return { expiring, rows, newestIngestAt: r.newest === null ? undefined : Number(r.newest) };
  }

  // Deletes the oldest `limit` rows matching `cond` in one transaction, keeping the rollups,
  // totals and partition counts exact; partitions left empty (other than today's and the
  // default) are dropped, which is what gives their disk space back.
  async #deleteRows(cond: string, values: unknown[], limit: number): Promise<number> {
    const s = this.#s;
    return this.#tx(async (c) => {
      const rows = (
        await c.query(
          `DELETE FROM ${s}.logs WHERE id IN (SELECT id FROM ${s}.logs WHERE ${cond} ORDER BY id LIMIT ${Math.floor(limit)}) RETURNING id, ts, level, source, tableoid::regclass::text AS part`,
          values,
        )
      ).rows as { id: number; ts: number; level: number; source: string; part: string }[];
      if (!rows.length) return 0;
      await c.query(`DELETE FROM ${s}.fields f USING unnest($1::bigint[], $2::bigint[]) AS d (id, ts) WHERE f.id = d.id AND f.ts = d.ts`, [rows.map((r) => r.id), rows.map((r) => r.ts)]);
      const removed = new RollupBatch();
      const parts = new Map<string, number>();
      for (const r of rows) {
        removed.add(r.ts, r.level, r.source, r.id);
        const part = r.part.replace(/^.*\./, '').replace(/"/g, '');
        parts.set(part, (parts.get(part) ?? 0) + 1);
      }
      await this.#decrement(c, removed);
      const pv = [...parts];
      await c.query(`UPDATE ${s}.partitions p SET rows = p.rows - v.n FROM unnest($1::text[], $2::bigint[]) AS v (name, n) WHERE p.name = v.name`, [
        pv.map(([n]) => n),
        pv.map(([, n]) => n),
      ]);
      await c.query(`DELETE FROM ${s}.ingests WHERE last_id < (SELECT coalesce(min(id), 9007199254740991) FROM ${s}.logs)`);
      const today = Math.floor(this.#now() / DAY_MS);
      const empty = (await c.query(`SELECT name FROM ${s}.partitions WHERE rows <= 0 AND hi IS NOT NULL AND name = ANY($1::text[]) AND hi <= $2`, [pv.map(([n]) => n), today * DAY_MS]))
        .rows as { name: string }[];
      for (const e of empty) await this.#dropTable(c, e.name);
      return rows.length;
    });
  }

  async #decrement(c: pg.ClientBase, removed: RollupBatch): Promise<void> {
    const s = this.#s;
    for (const [table, col, aggs] of [['rollup', 'minute', removed.minutes()], ['rollup_hour', 'hour', removed.hours()]] as const) {
      await c.query(
        `UPDATE ${s}.${table} r SET n = r.n - v.n FROM unnest($1::bigint[], $2::smallint[], $3::text[], $4::bigint[]) AS v (unit, level, source, n) ` +
          `WHERE r.${col} = v.unit AND r.level = v.level AND r.source = v.source`,
        [aggs.map((a) => a.unit), aggs.map((a) => a.level), aggs.map((a) => a.source), aggs.map((a) => a.n)],
      );
      await c.query(`DELETE FROM ${s}.${table} WHERE n <= 0`);
    }
    const tv = removed.totals();
    await c.query(
      `UPDATE ${s}.totals t SET n = t.n - v.n FROM unnest($1::smallint[], $2::text[], $3::bigint[]) AS v (level, source, n) WHERE t.level = v.level AND t.source = v.source`,
      [tv.map((a) => a.level), tv.map((a) => a.source), tv.map((a) => a.n)],
    );
    await c.query(`DELETE FROM ${s}.totals WHERE n <= 0`);
  }

  // Drops one partition with everything it holds, subtracting its rows from the rollups and
  // totals first (read from the partition itself, grouped, so this costs one scan of an index
  // rather than a delete per row). With `age`, the partition is re-checked under the lock.
  async #dropPartition(name: string, age?: { cutoff: number; maxOldId: number }): Promise<number> {
    const s = this.#s;
    return this.#tx(async (c) => {
      const [p] = (await c.query(`SELECT name, hi, max_id, rows FROM ${s}.partitions WHERE name = $1`, [name])).rows as { name: string; hi: number; max_id: number; rows: number }[];
      if (!p) return 0;
      if (age && !(p.hi <= age.cutoff && p.max_id <= age.maxOldId)) return 0;
      const t = `${s}.${ident(name)}`;
      const groups = (
        await c.query(`SELECT ts / ${MINUTE_MS} AS minute, level, source, count(*)::bigint AS n, min(id) AS min_id, max(id) AS max_id FROM ${t} GROUP BY 1, 2, 3`)
      ).rows as { minute: number; level: number; source: string; n: number; min_id: number; max_id: number }[];
      const removed = new RollupBatch();
      for (const g of groups) removed.addGroup(g.minute, g.level, g.source, g.n, g.min_id, g.max_id);
      const n = removed.rows;
      await this.#decrement(c, removed);
      await this.#dropTable(c, name);
      await c.query(`DELETE FROM ${s}.ingests WHERE last_id < (SELECT coalesce(min(id), 9007199254740991) FROM ${s}.logs)`);
      return n;
    });
  }

  async #dropTable(c: pg.ClientBase, name: string): Promise<void> {
    // Dropping a partition locks logs exclusively for a moment; queries queue behind the
    // request, so a drop that cannot have the lock soon gives up and retention retries later.
    await c.query("SET LOCAL lock_timeout = '2s'");
    await c.query(`DROP TABLE ${this.#s}.${ident(name)}`);
    await c.query(`DROP TABLE IF EXISTS ${this.#s}.${ident(fieldsPartitionName(name))}`);
    await c.query(`DELETE FROM ${this.#s}.partitions WHERE name = $1`, [name]);
  }

  /**
   * Calls `listener` with the last committed id whenever any server commits a batch into this
   * schema (LISTEN/NOTIFY), and once after each (re)connection of the listening session, since
   * notifications sent while it was away are lost. Returns the function that stops listening.
   */
  watchCommits(listener: (lastId: number) => void): () => void {
    this.#watchers.add(listener);
    if (this.#watchers.size === 1) this.#listen(0);
    return () => {
      this.#watchers.delete(listener);
      if (!this.#watchers.size) this.#unlisten();
    };
  }

  #emit(lastId: number): void {
    for (const w of this.#watchers) w(lastId);
  }

  #listen(attempt: number): void {
    if (this.#closed || !this.#watchers.size) return;
    const client = new pg.Client({ connectionString: this.#connectionString, types: TYPES, application_name: 'logpipe-listen' });
    this.#listener = client;
    const retry = () => {
      if (this.#listener !== client) return;
      this.#listener = undefined;
      client.end().catch(() => {});
      if (this.#closed || !this.#watchers.size) return;
      const delay = backoffDelay(attempt, LISTEN_BACKOFF);
      this.#reconnectTimer = setTimeout(() => this.#listen(attempt + 1), delay);
      this.#reconnectTimer.unref();
    };
    client.on('error', retry);
    client.on('end', retry);
    client.on('notification', (msg) => {
      const id = Number(msg.payload);
      if (Number.isSafeInteger(id)) this.#emit(id);
    });
    client
      .connect()
      .then(() => client.query(`LISTEN ${ident(this.#channel)}`))
      .then(() => client.query(`SELECT value FROM ${this.#s}.meta WHERE key = 'last_id'`))
      .then((res) => {
        attempt = 0;
        if (this.#listener === client) this.#emit(Number(res.rows[0].value));
      })
      .catch(retry);
  }

  #unlisten(): void {
    clearTimeout(this.#reconnectTimer);
    const client = this.#listener;
    this.#listener = undefined;
    client?.end().catch(() => {});
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#watchers.clear();
    this.#unlisten();
    await this.#pool.end();
  }
}
