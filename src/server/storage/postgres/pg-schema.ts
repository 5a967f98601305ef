// The PostgreSQL schema of logpipe: tables, partitions, and creation under an advisory lock so
// that several servers can start against one database at the same moment.
import type pg from 'pg';
import { LogpipeError } from '../../../shared/errors.js';
import { addFieldEntries, emptyFieldColumns, fieldColumnValues, insertFieldsSql, prepareFieldEntries } from './pg-fields.js';

/** Schema version stored in `meta`; bump it with a migration step in migrateSchema(). */
export const PG_SCHEMA_VERSION = 2;

export const DAY_MS = 86_400_000;

// Why each piece is there (the SQLite store's schema.ts explains the shared ideas):
// - logs is partitioned by RANGE (ts), one partition per UTC day, created on demand inside the
//   insert transaction. Expiring a day is then a DROP TABLE instead of deleting its rows one
//   by one (which in PostgreSQL also leaves dead tuples for VACUUM). Days far from now (an
//   import of very old files, clocks in the far future) go to the DEFAULT partition, so a
//   client sending random timestamps cannot make thousands of tables.
// - ids are handed out from meta.last_id inside the insert transaction, not from a sequence:
//   a sequence is not rolled back, so a failed batch would still advance stats().lastId, and
//   ids would have holes that the live tail cannot tell from uncommitted rows. Inserts are
//   serialized by a transaction-level advisory lock (see PostgresStore.insert), so ids also
//   commit in order, which is what "resume after id N" needs.
// - tsv holds the message's tokens as computed by text-search.ts (the same tokenizer as the
//   live tail and SQLite's unicode61), GIN-indexed; positions make "phrases" exact.
// - (level, id), (source, id) and (id) let PostgreSQL walk newest-first by id with a filter
//   and stop after `limit`; (ts, level) serves time ranges and histogram edges.
// - rollup / rollup_hour / totals / streams / ingests are the SQLite store's tables: counts per
//   (minute|hour, level, source) with id ranges, per (source, level) for all time, stream
//   offsets (updated under the row lock of SELECT … FOR UPDATE), and ingestion seconds.
// - partitions lists each partition with its live and ever-inserted row counts: size
//   retention estimates live bytes from them (see PostgresStore.usedBytes).
// - fields (schema 2) is the field index: one row per distinct (path, value) of a record's
//   attrs, flattened in JS by field-index.ts so that it selects exactly what matchesFields
//   does. It is partitioned by ts like logs, partition for partition (fields_<day> beside
//   logs_<day>), so that a day is still expired by dropping tables. (key, vk, ts, id) serves
//   eq and prefix: vk is the text up to VK_CHARS characters, else its head marked as long
//   (pg-fields.ts), in the C collation, where LIKE 'p%' is an index range; v holds the whole
//   text only when it is longer, since an index entry must stay small. (key, num, ts) serves
//   numeric ranges, (id) the lookup from a logs row.
//   A GIN jsonb_path_ops index over attrs was the alternative: it serves eq only (not prefix
//   or range), needs the eq value in each of its JSON types, and does not see flat dotted
//   keys as paths, so every split would be one more containment test.
// - (host, ts, id) (schema 2) makes a host filter alone an index walk in event-time order.
function ddl(s: string): string {
  return `
CREATE TABLE ${s}.meta (key text PRIMARY KEY, value bigint NOT NULL);
CREATE TABLE ${s}.logs (
  id bigint NOT NULL,
  ts bigint NOT NULL,
  level smallint NOT NULL,
  source text NOT NULL,
  host text NOT NULL,
  message text NOT NULL,
  attrs text,
  tsv tsvector NOT NULL
) PARTITION BY RANGE (ts);
CREATE INDEX logs_id ON ${s}.logs (id);
CREATE INDEX logs_ts ON ${s}.logs (ts, level);
CREATE INDEX logs_level_id ON ${s}.logs (level, id);
CREATE INDEX logs_source_id ON ${s}.logs (source, id);
CREATE INDEX logs_tsv ON ${s}.logs USING gin (tsv);
${orderIndexes(s)}
CREATE TABLE ${s}.logs_default PARTITION OF ${s}.logs DEFAULT;
${fieldsDdl(s)}
CREATE TABLE ${s}.partitions (
  name text PRIMARY KEY,
  lo bigint,
  hi bigint,
  rows bigint NOT NULL DEFAULT 0,
  inserted bigint NOT NULL DEFAULT 0,
  max_id bigint NOT NULL DEFAULT 0
);
INSERT INTO ${s}.partitions (name) VALUES ('logs_default');
CREATE TABLE ${s}.rollup (
  minute bigint NOT NULL, level smallint NOT NULL, source text NOT NULL,
  n bigint NOT NULL, min_id bigint NOT NULL, max_id bigint NOT NULL,
  PRIMARY KEY (minute, level, source)
);
CREATE TABLE ${s}.rollup_hour (
  hour bigint NOT NULL, level smallint NOT NULL, source text NOT NULL,
  n bigint NOT NULL, min_id bigint NOT NULL, max_id bigint NOT NULL,
  PRIMARY KEY (hour, level, source)
);
CREATE TABLE ${s}.totals (
  source text NOT NULL, level smallint NOT NULL,
  n bigint NOT NULL, last_seen bigint NOT NULL, min_id bigint NOT NULL, max_id bigint NOT NULL,
  PRIMARY KEY (source, level)
);
CREATE TABLE ${s}.streams (stream text PRIMARY KEY, last_offset bigint NOT NULL);
CREATE TABLE ${s}.ingests (second bigint PRIMARY KEY, last_id bigint NOT NULL, at bigint NOT NULL);
INSERT INTO ${s}.meta (key, value) VALUES ('schema_version', ${PG_SCHEMA_VERSION}), ('last_id', 0);
`;
}

/** What schema 2 adds: the field index (with its default partition) and the host index. IF NOT EXISTS: an upgrade interrupted midway runs again. */
function fieldsDdl(s: string): string {
  return `CREATE TABLE IF NOT EXISTS ${s}.fields (
  id bigint NOT NULL,
  ts bigint NOT NULL,
  key text NOT NULL,
  vk text COLLATE "C",
  v text,
  num float8
) PARTITION BY RANGE (ts);
CREATE INDEX IF NOT EXISTS fields_key_vk ON ${s}.fields (key, vk, ts, id);
CREATE INDEX IF NOT EXISTS fields_key_num ON ${s}.fields (key, num, ts) WHERE num IS NOT NULL;
CREATE INDEX IF NOT EXISTS fields_id ON ${s}.fields (id);
CREATE TABLE IF NOT EXISTS ${s}.fields_default PARTITION OF ${s}.fields DEFAULT;
CREATE INDEX IF NOT EXISTS logs_host_ts_id ON ${s}.logs (host, ts, id);`;
}

/** The fields partition beside a logs partition (`logs_20261130` → `fields_20261130`). */
export function fieldsPartitionName(logsPartition: string): string {
  return `fields_${logsPartition.replace(/^logs_/, '')}`;
}

/** Quotes an SQL identifier. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** 32-bit FNV-1a of a string as a signed int, for advisory lock keys scoped to one schema. */
export function lockKey(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** Advisory lock class ids ('logp', 'lgpm'): inserts and partition changes; schema creation. */
export const WRITE_LOCK_CLASS = 0x6c6f6770;
export const MIGRATE_LOCK_CLASS = 0x6c67706d;

/** Name of the partition holding day `day` (days since the epoch). */
export function partitionName(day: number): string {
  const d = new Date(day * DAY_MS);
  const y = d.getUTCFullYear();
  const m = String(d.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(d.getUTCDate()).padStart(2, '0');
  return `logs_${y}${m}${dd}`;
}

/**
 * Indexes that serve event-time order (ts, ties by id): pages of all records, and a source's
 * neighbours for context(); and the stream checks (stream-check.ts). IF NOT EXISTS, so that schemas made before they existed gain them
 * when a server opens them (same schema version: nothing else changed).
 */
function orderIndexes(s: string): string {
  return `CREATE INDEX IF NOT EXISTS logs_ts_id ON ${s}.logs (ts, id);
CREATE INDEX IF NOT EXISTS logs_source_ts_id ON ${s}.logs (source, ts, id);
CREATE TABLE IF NOT EXISTS ${s}.stream_checks (stream text PRIMARY KEY, at bigint NOT NULL, check_hash text NOT NULL);`;
}

/**
 * Creates the schema if it is missing and checks its version, holding a session advisory lock
 * so that servers starting together neither race on CREATE nor see a half-made schema.
 */
export async function migrateSchema(client: pg.ClientBase, schema: string): Promise<void> {
  const s = ident(schema);
  await client.query('SELECT pg_advisory_lock($1, $2)', [MIGRATE_LOCK_CLASS, lockKey(schema)]);
  try {
    const exists = (await client.query('SELECT to_regclass($1) AS t', [`${s}.meta`])).rows[0].t !== null;
    if (!exists) {
      await client.query('BEGIN');
      try {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
        const others = (await client.query("SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = 'logs'", [schema])).rows[0].n;
        if (others > 0) {
          throw new LogpipeError('LP_ERR_STORE_CORRUPT', `The PostgreSQL schema "${schema}" already has a "logs" table that is not logpipe's; refusing to touch it (choose another with ?schema=).`);
        }
        await client.query(ddl(s));
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
      return;
    }
    const row = (await client.query(`SELECT value FROM ${s}.meta WHERE key = 'schema_version'`)).rows[0] as { value: string | number } | undefined;
    const version = Number(row?.value ?? 0);
    if (version > PG_SCHEMA_VERSION) {
      throw new LogpipeError(
        'LP_ERR_STORE_OPEN',
        `The PostgreSQL schema "${schema}" has logpipe schema version ${version}, newer than this logpipe understands (${PG_SCHEMA_VERSION}); upgrade logpipe.`,
      );
    }
    await client.query(orderIndexes(s));
    if (version < 2) await upgradeTo2(client, schema);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1, $2)', [MIGRATE_LOCK_CLASS, lockKey(schema)]).catch(() => {});
  }
}

/** Rows whose fields one transaction of the upgrade to schema 2 indexes (LOGPIPE_PG_UPGRADE_CHUNK: tests make it small, to stop an upgrade midway). */
const BACKFILL_CHUNK = Math.max(1, Math.floor(Number(process.env.LOGPIPE_PG_UPGRADE_CHUNK) || 5000));

/**
 * Schema 1 → 2: adds the field index and the host index, then indexes the fields of every
 * stored row, in chunks of BACKFILL_CHUNK rows in id order. Each chunk commits together with
 * its progress (meta.fields_backfill_id), and the version becomes 2 only after the last one,
 * so an upgrade stopped at any point (SIGKILL, lost connection) resumes where it was at the
 * next start, without duplicates. Runs under the migration lock (one server upgrades; the
 * others wait) and takes the write lock per step, so this store's writers wait too. Servers of
 * the old version must be stopped first: rows they insert meanwhile would get no fields.
 */
async function upgradeTo2(client: pg.ClientBase, schema: string): Promise<void> {
  const s = ident(schema);
  const key = lockKey(schema);
  const say = (m: string) => process.stderr.write(`logpipe: ${m}\n`);
  const [{ n: total }] = (await client.query(`SELECT count(*)::bigint AS n FROM ${s}.logs WHERE attrs IS NOT NULL`)).rows as { n: string }[];
  say(`Upgrading the PostgreSQL schema "${schema}" from version 1 to 2: indexing the fields of ${total} records.`);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [WRITE_LOCK_CLASS, key]);
    await client.query(fieldsDdl(s));
    const parts = (await client.query(`SELECT name, lo, hi FROM ${s}.partitions WHERE hi IS NOT NULL`)).rows as { name: string; lo: string; hi: string }[];
    for (const p of parts) await createFieldsPartition(client, s, fieldsPartitionName(p.name), Number(p.lo), Number(p.hi));
    await client.query(`INSERT INTO ${s}.meta (key, value) VALUES ('fields_backfill_id', 0) ON CONFLICT (key) DO NOTHING`);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
  let done = 0;
  let lastReport = Date.now();
  for (;;) {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', [WRITE_LOCK_CLASS, key]);
      const from = Number((await client.query(`SELECT value FROM ${s}.meta WHERE key = 'fields_backfill_id'`)).rows[0].value);
      const rows = (await client.query(`SELECT id, ts, attrs FROM ${s}.logs WHERE id > $1 AND attrs IS NOT NULL ORDER BY id LIMIT ${BACKFILL_CHUNK}`, [from])).rows as { id: string; ts: string; attrs: string }[];
      if (!rows.length) {
        await client.query(`UPDATE ${s}.meta SET value = ${PG_SCHEMA_VERSION} WHERE key = 'schema_version'`);
        await client.query(`DELETE FROM ${s}.meta WHERE key = 'fields_backfill_id'`);
        await client.query('COMMIT');
        say(`The PostgreSQL schema "${schema}" is at version 2.`);
        return;
      }
      const cols = emptyFieldColumns();
      for (const r of rows) addFieldEntries(cols, Number(r.id), Number(r.ts), prepareFieldEntries(r.attrs));
      if (cols.id.length) await client.query(insertFieldsSql(s, 1), fieldColumnValues(cols));
      await client.query(`UPDATE ${s}.meta SET value = $1 WHERE key = 'fields_backfill_id'`, [rows[rows.length - 1].id]);
      await client.query('COMMIT');
      done += rows.length;
      if (Date.now() - lastReport > 2000) {
        lastReport = Date.now();
        say(`Upgrading "${schema}": fields of ${done} of ${total} records indexed.`);
      }
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
  }
}

/**
 * Makes sure partitions exist for `days` (inside the caller's transaction, which holds the
 * write lock). Rows of such a day already in the default partition (stamped in the far future
 * when they arrived) are moved into the new partition first, as ATTACH requires.
 */
export async function createPartitions(client: pg.ClientBase, schema: string, days: number[]): Promise<void> {
  if (!days.length) return;
  const s = ident(schema);
  const names = days.map(partitionName);
  const have = new Set((await client.query(`SELECT name FROM ${s}.partitions WHERE name = ANY($1::text[])`, [names])).rows.map((r: { name: string }) => r.name));
  for (let i = 0; i < days.length; i++) {
    const name = names[i];
    if (have.has(name)) continue;
    const lo = days[i] * DAY_MS;
    const hi = lo + DAY_MS;
    const t = `${s}.${ident(name)}`;
    const stray = (await client.query(`SELECT count(*)::bigint AS n, coalesce(max(id), 0) AS max_id FROM ${s}.logs_default WHERE ts >= $1 AND ts < $2`, [lo, hi])).rows[0] as { n: number; max_id: number };
    // CREATE TABLE … PARTITION OF would take an ACCESS EXCLUSIVE lock on logs, stalling every
    // query and insert behind any long report; ATTACH PARTITION takes SHARE UPDATE EXCLUSIVE
    // on logs (only the default partition, scanned for stray rows, is locked exclusively),
    // and the CHECK constraint spares it a scan of the new table.
    await client.query(`CREATE TABLE ${t} (LIKE ${s}.logs INCLUDING DEFAULTS INCLUDING CONSTRAINTS, CHECK (ts >= ${lo} AND ts < ${hi}))`);
    if (Number(stray.n) > 0) {
      await client.query(`INSERT INTO ${t} SELECT * FROM ${s}.logs_default WHERE ts >= $1 AND ts < $2`, [lo, hi]);
      await client.query(`DELETE FROM ${s}.logs_default WHERE ts >= $1 AND ts < $2`, [lo, hi]);
      await client.query(`UPDATE ${s}.partitions SET rows = rows - $1 WHERE name = 'logs_default'`, [stray.n]);
    }
    await client.query(`ALTER TABLE ${s}.logs ATTACH PARTITION ${t} FOR VALUES FROM (${lo}) TO (${hi})`);
    await createFieldsPartition(client, s, fieldsPartitionName(name), lo, hi);
    await client.query(`INSERT INTO ${s}.partitions (name, lo, hi, rows, inserted, max_id) VALUES ($1, $2, $3, $4, $4, $5)`, [name, lo, hi, stray.n, stray.max_id]);
  }
}

// The fields partition for [lo, hi), made the same way as a logs partition (entries of that
// range in the default partition move with their rows). Skipped when it exists: an upgrade
// interrupted after creating it runs again.
async function createFieldsPartition(client: pg.ClientBase, s: string, name: string, lo: number, hi: number): Promise<void> {
  const t = `${s}.${ident(name)}`;
  const exists = (await client.query('SELECT to_regclass($1) AS t', [t])).rows[0].t !== null;
  if (exists) return;
  await client.query(`CREATE TABLE ${t} (LIKE ${s}.fields INCLUDING DEFAULTS INCLUDING CONSTRAINTS, CHECK (ts >= ${lo} AND ts < ${hi}))`);
  await client.query(`WITH d AS (DELETE FROM ${s}.fields_default WHERE ts >= $1 AND ts < $2 RETURNING *) INSERT INTO ${t} SELECT * FROM d`, [lo, hi]);
  await client.query(`ALTER TABLE ${s}.fields ATTACH PARTITION ${t} FOR VALUES FROM (${lo}) TO (${hi})`);
}
