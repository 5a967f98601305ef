// The typed tree of a query (see docs/query.md): what the parser produces, the printer prints,
// the reference evaluator runs and the stores translate. Plain data (JSON-serialisable), so it can
// be compared, logged and sent to the dashboard. Every node carries its span in the query text.

/** Where a node was written: offsets into the query text (UTF-16 code units), `end` exclusive. */
export interface Span {
  start: number;
  end: number;
}

/** A word or "phrase" on the message, matched by tokens as search.ts defines (the last token as a prefix when `prefix`). */
export interface TermExpr {
  type: 'term';
  text: string;
  prefix: boolean;
  span: Span;
}

/** One value of `field:value`: exact text, or a prefix when written `val*`. */
export interface FieldValue {
  text: string;
  prefix: boolean;
}

/**
 * `field:value` or `field:v1,v2` (any of). `field` is a dotted path into attrs, or one of the
 * columns `level`, `source`, `host` (`message:` is read as a bare term and never appears here).
 * For `level` the values are canonical level names.
 */
export interface FieldExpr {
  type: 'field';
  field: string;
  values: FieldValue[];
  span: Span;
}

/** `field:*`: the field is present (not null; for `host`, not empty). */
export interface ExistsExpr {
  type: 'exists';
  field: string;
  span: Span;
}

/** The comparison of `field:>N` and its kin. */
export type CompareOp = '>' | '>=' | '<' | '<=';

/** Units a comparison bound may carry: durations, then sizes (KB = 1000 B, KiB = 1024 B). */
export const DURATION_UNITS = ['ns', 'us', 'µs', 'ms', 's', 'm', 'h'] as const;
export const SIZE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'KiB', 'MiB', 'GiB', 'TiB'] as const;
/** One unit of each kind, and either kind. */
export type DurationUnit = (typeof DURATION_UNITS)[number];
export type SizeUnit = (typeof SIZE_UNITS)[number];
export type Unit = DurationUnit | SizeUnit;

/** `field:>500`, `duration:>=250ms`: `value` is the number as written, `unit` the unit written after it. */
export interface CompareExpr {
  type: 'compare';
  field: string;
  op: CompareOp;
  value: number;
  unit?: Unit;
  span: Span;
}

/** `~"ECONN"`: case-insensitive substring of the message, not bound to tokens. */
export interface SubstringExpr {
  type: 'substring';
  text: string;
  span: Span;
}

/** `/regex/`: RE2 syntax, searched anywhere in the message (unanchored, case-sensitive unless `(?i)`). */
export interface RegexExpr {
  type: 'regex';
  source: string;
  span: Span;
}

/** Two or more conditions that must all hold (written side by side or with AND). */
export interface AndExpr {
  type: 'and';
  children: Expr[];
  span: Span;
}

/** Two or more conditions of which one must hold (`a OR b`). */
export interface OrExpr {
  type: 'or';
  children: Expr[];
  span: Span;
}

/** `-x` or `NOT x`. */
export interface NotExpr {
  type: 'not';
  child: Expr;
  span: Span;
}

/** Any condition of a query. */
export type Expr = TermExpr | FieldExpr | ExistsExpr | CompareExpr | SubstringExpr | RegexExpr | AndExpr | OrExpr | NotExpr;

/** `| stats count() by (f1, f2) limit N`: one row per distinct combination, with its count. */
export interface StatsPipe {
  type: 'stats';
  by: string[];
  limit?: number;
  span: Span;
}

/** `| top N field`: the N most frequent values of a field, with their counts. */
export interface TopPipe {
  type: 'top';
  n: number;
  field: string;
  span: Span;
}

/** What may follow `|`. */
export type Pipe = StatsPipe | TopPipe;

/** A whole query: the condition (null = every record) and an optional pipe turning the matches into a table. */
export interface Query {
  filter: Expr | null;
  pipe: Pipe | null;
}
