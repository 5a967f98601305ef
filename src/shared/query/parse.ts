// The query parser: text → Query (ast.ts), or a LogpipeError LP_ERR_QUERY naming the column.
// A hand-written recursive descent over characters, one pass, no backtracking beyond a bounded
// look-ahead, so a 1 KB query parses in well under a millisecond whatever it holds.
//
// Grammar (docs/query.md has the user's version; precedence NOT > AND > OR):
//   query   := or? ('|' pipe)?
//   or      := and ('OR' and)*
//   and     := unary (('AND')? unary)*
//   unary   := '-' unary | 'NOT' unary | primary
//   primary := '(' or ')' | '"phrase"' '*'? | '~' text | '/regex/' | field ':' value | word
//   pipe    := 'stats' 'count()' ('by' ('(' field (',' field)* ')' | field))? ('limit' N)?
//            | 'top' N? field
//
// Bare words and "phrases" keep search.ts's semantics (tokens, prefix*, an unclosed quote runs to
// the end); a word or phrase that holds no token (`!!!`, `—`) is dropped from the tree, as today's
// search drops it, and a query with no letter or digit at all is a substring search of its text.
import { LogpipeError } from '../errors.js';
import { isLevel, LEVELS, normalizeLevel } from '../levels.js';
import { MAX_QUERY_CHARS, tokenize } from '../search.js';
import type { CompareOp, Expr, FieldValue, Pipe, Query, Span, TermExpr } from './ast.js';
import { checkRegex } from './regex-check.js';
import { MAX_REGEX_SIZE, regexSize } from './regex-shape.js';
import { unitNamed } from './units.js';

export { MAX_QUERY_CHARS };

/** Deepest nesting of parentheses and NOTs together. */
export const MAX_DEPTH = 64;
/** Largest `limit` of stats and N of top. */
export const MAX_ROWS = 10_000;

const TOKEN_CHAR = /[\p{L}\p{N}\p{Co}]/u;
/** A field name: a letter, `_` or `@`, then letters, digits and `_ . @ / -` (`k8s.pod.name`, `app.kubernetes.io/name`). */
export const FIELD_NAME = /[\p{L}_@][\p{L}\p{N}_.@/-]*/uy;
const NUMBER = /[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const UNIT_WORD = /[A-Za-z\u00b5\u03bc]+/y;
const IDENT = /[A-Za-z]+/y;
const INTEGER = /\d+/y;

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || (c !== undefined && c > '\x7f' && /\s/u.test(c));
}

/** Shows a piece of the query in a message, shortened. */
function shown(text: string): string {
  return text.length > 24 ? `${text.slice(0, 24)}…` : text;
}

/** The error for a query that cannot be parsed; `details` carries the 1-based column and the 0-based span. */
export function queryError(message: string, start: number, end = start + 1): LogpipeError {
  return new LogpipeError('LP_ERR_QUERY', message, { column: start + 1, start, end: Math.max(end, start + 1) });
}

/** Why the whole query is read as a substring: it has no letter or digit, as today's search does. */
function substringQuery(q: string): Query {
  const text = q.trim();
  const start = q.indexOf(text);
  return { filter: { type: 'substring', text, span: { start, end: start + text.length } }, pipe: null };
}

/**
 * Parses a query. Throws LogpipeError LP_ERR_QUERY (400) with `details.column` when the text is
 * not a query; never throws anything else. An empty query is `{filter: null, pipe: null}`.
 */
export function parseQuery(q: string): Query {
  if (q.length > MAX_QUERY_CHARS) throw queryError(`the query is longer than ${MAX_QUERY_CHARS} characters`, MAX_QUERY_CHARS, q.length);
  if (!q.trim()) return { filter: null, pipe: null };
  if (!TOKEN_CHAR.test(q)) {
    // Nothing a tokenizer would index (`->`, `:)`, `!!!`): today's search looked for the text
    // itself, and so do we, unless it is an explicit `~"…"` or `/…/` that parses.
    try {
      const parsed = new Parser(q).parse();
      if (parsed.filter !== null || parsed.pipe !== null) return parsed;
    } catch {
      // Fall through: punctuation that is not a query is still something to look for.
    }
    return substringQuery(q);
  }
  return new Parser(q).parse();
}

class Parser {
  readonly #s: string;
  #i = 0;
  /** Open parentheses around the current position. */
  #depth = 0;
  /** Parentheses and NOTs around the current position (bounded: MAX_DEPTH). */
  #nest = 0;
  /** Expanded size of the regexes read so far (bounded: MAX_REGEX_SIZE). */
  #regexSize = 0;

  constructor(s: string) {
    this.#s = s;
  }

  parse(): Query {
    const filter = this.#or();
    this.#skipSpace();
    let pipe: Pipe | null = null;
    if (this.#i < this.#s.length) {
      // #or stops at depth 0 only before `|`.
      pipe = this.#pipe();
    }
    return { filter: filter ?? null, pipe };
  }

  #skipSpace(): void {
    while (this.#i < this.#s.length && isSpace(this.#s[this.#i])) this.#i++;
  }

  /** Whether the next term cannot start here: end, `|`, a closing `)` or OR. */
  #atStop(): boolean {
    const s = this.#s;
    const i = this.#i;
    if (i >= s.length) return true;
    if (s[i] === '|') return true;
    if (s[i] === ')' && this.#depth > 0) return true;
    return this.#keywordAt(i) === 'OR';
  }

  /** Where a word starting at `i` ends: at a space or `"`, or at a `)` closing an open group (parentheses inside the word are its own). */
  #wordEnd(i: number, stopAtComma = false): number {
    const s = this.#s;
    let local = 0;
    let j = i;
    for (; j < s.length; j++) {
      const c = s[j];
      if (isSpace(c) || c === '"') break;
      if (stopAtComma && c === ',') break;
      if (c === '(') local++;
      else if (c === ')') {
        if (local > 0) local--;
        else if (this.#depth > 0) break;
      }
    }
    return j;
  }

  #keywordAt(i: number): 'AND' | 'OR' | 'NOT' | undefined {
    const s = this.#s;
    const c = s[i];
    if (c !== 'A' && c !== 'O' && c !== 'N') return undefined;
    const w = s.slice(i, this.#wordEnd(i));
    return w === 'AND' || w === 'OR' || w === 'NOT' ? w : undefined;
  }

  #enter(at: number): void {
    if (++this.#nest > MAX_DEPTH) throw queryError(`the query nests parentheses and NOTs deeper than ${MAX_DEPTH} levels at column ${at + 1}`, at);
  }

  /** or := and ('OR' and)*; undefined when no term was read at all, null when all read terms were dropped. */
  #or(): Expr | null | undefined {
    this.#skipSpace();
    if (this.#keywordAt(this.#i) === 'OR') throw queryError(`expected a term before \`OR\` at column ${this.#i + 1}`, this.#i, this.#i + 2);
    const first = this.#and();
    if (first === undefined) return undefined;
    const children: Expr[] = first ? [first] : [];
    for (;;) {
      this.#skipSpace();
      if (this.#keywordAt(this.#i) !== 'OR') break;
      this.#i += 2;
      this.#skipSpace();
      const next = this.#atStop() ? undefined : this.#and();
      if (next === undefined) throw queryError(`expected a term after \`OR\` at column ${this.#i + 1}`, this.#i);
      if (next) children.push(next);
    }
    if (children.length === 0) return null;
    if (children.length === 1) return children[0];
    return { type: 'or', children: children.flatMap((c) => (c.type === 'or' ? c.children : [c])), span: spanOf(children) };
  }

  /** and := unary (('AND')? unary)*. */
  #and(): Expr | null | undefined {
    const items: Expr[] = [];
    let read = false;
    for (;;) {
      this.#skipSpace();
      const s = this.#s;
      if (this.#i < s.length && s[this.#i] === '|' && this.#depth > 0) {
        throw queryError(`a \`|\` pipe must come after the whole query, outside parentheses (column ${this.#i + 1})`, this.#i);
      }
      if (this.#atStop()) break;
      if (this.#keywordAt(this.#i) === 'AND') {
        const at = this.#i;
        if (!read) throw queryError(`expected a term before \`AND\` at column ${at + 1}`, at, at + 3);
        this.#i += 3;
        this.#skipSpace();
        if (this.#atStop() || this.#keywordAt(this.#i) === 'AND') throw queryError(`expected a term after \`AND\` at column ${this.#i + 1}`, this.#i);
        continue;
      }
      const node = this.#unary();
      read = true;
      if (node) {
        if (node.type === 'and') items.push(...node.children);
        else items.push(node);
      }
    }
    if (!read) return undefined;
    if (items.length === 0) return null;
    if (items.length === 1) return items[0];
    return { type: 'and', children: items, span: spanOf(items) };
  }

  /** unary := '-' unary | 'NOT' unary | primary. A `-` negates only when a term follows at once (`--flag` and a lone `-` are words). */
  #unary(): Expr | null {
    const s = this.#s;
    const start = this.#i;
    const c = s[start];
    let negated = false;
    if (c === '-' && start + 1 < s.length) {
      const d = s[start + 1];
      if (!isSpace(d) && d !== '-' && d !== ')' && d !== '|') {
        this.#i++;
        const kw = this.#keywordAt(this.#i);
        if (kw === 'AND' || kw === 'OR') throw queryError(`expected a term after \`-\` at column ${this.#i + 1}`, this.#i);
        negated = true;
      }
    } else if (this.#keywordAt(start) === 'NOT') {
      this.#i += 3;
      this.#skipSpace();
      if (this.#atStop() || this.#keywordAt(this.#i) === 'AND') throw queryError(`expected a term after \`NOT\` at column ${this.#i + 1}`, this.#i);
      negated = true;
    }
    if (!negated) return this.#primary();
    this.#enter(start);
    const child = this.#unary();
    this.#nest--;
    return child ? { type: 'not', child, span: { start, end: child.span.end } } : null;
  }

  #primary(): Expr | null {
    const s = this.#s;
    const start = this.#i;
    const c = s[start];
    if (c === '(') return this.#group();
    if (c === '"') {
      const { text, end } = this.#quoted(start);
      this.#i = end;
      const prefix = s[this.#i] === '*';
      if (prefix) this.#i++;
      return term(text, prefix, start, this.#i);
    }
    if (c === '~') return this.#substring();
    if (c === '/') {
      const re = this.#regex();
      if (re) return re;
    }
    FIELD_NAME.lastIndex = start;
    const m = FIELD_NAME.exec(s);
    if (m && s[start + m[0].length] === ':' && !s.startsWith('//', start + m[0].length + 1)) {
      return this.#field(m[0], start);
    }
    const end = this.#wordEnd(start);
    this.#i = end;
    let text = s.slice(start, end);
    // Trailing stars make the word a prefix ("connect*"); other stars separate tokens. (A loop:
    // `/\*+$/` would retry a run of stars from each of its characters.)
    let cut = text.length;
    while (cut > 0 && text.charCodeAt(cut - 1) === 42) cut--;
    const prefix = cut < text.length;
    text = text.slice(0, cut);
    return term(text, prefix, start, end);
  }

  #group(): Expr | null {
    const s = this.#s;
    const start = this.#i;
    this.#enter(start);
    this.#i++;
    this.#depth++;
    const inner = this.#or();
    this.#skipSpace();
    if (s[this.#i] !== ')') {
      if (this.#i >= s.length) throw queryError(`missing \`)\` to close the \`(\` at column ${start + 1}`, start);
      throw queryError(`unexpected \`${shown(s.slice(this.#i, this.#wordEnd(this.#i) || this.#i + 1))}\` at column ${this.#i + 1}`, this.#i);
    }
    if (inner === undefined) throw queryError(`empty parentheses at column ${start + 1}`, start, this.#i + 1);
    this.#i++;
    this.#depth--;
    this.#nest--;
    return inner;
  }

  /** A quoted string at `start` (`\"` and `\\` are escapes; an unclosed quote runs to the end). */
  #quoted(start: number): { text: string; end: number } {
    const s = this.#s;
    let out = '';
    let j = start + 1;
    let from = j;
    while (j < s.length) {
      const ch = s[j];
      if (ch === '\\' && (s[j + 1] === '"' || s[j + 1] === '\\')) {
        out += s.slice(from, j) + s[j + 1];
        j += 2;
        from = j;
        continue;
      }
      if (ch === '"') return { text: out + s.slice(from, j), end: j + 1 };
      j++;
    }
    return { text: out + s.slice(from), end: s.length };
  }

  #substring(): Expr {
    const s = this.#s;
    const start = this.#i;
    let text: string;
    if (s[start + 1] === '"') {
      const q = this.#quoted(start + 1);
      text = q.text;
      this.#i = q.end;
    } else {
      const end = this.#wordEnd(start + 1);
      text = s.slice(start + 1, end);
      this.#i = end;
    }
    if (!text) throw queryError(`expected text after \`~\` at column ${start + 2} (for example \`~"ECONN"\`)`, start + 1);
    return { type: 'substring', text, span: { start, end: this.#i } };
  }

  /**
   * `/…/` when a `/` that is not escaped closes it before a space, `)`, `|` or the end; otherwise
   * undefined and the text is an ordinary word (so a pasted path like `/api/v1/orders` is a search
   * for its words, as before).
   */
  #regex(): Expr | undefined {
    const s = this.#s;
    const start = this.#i;
    for (let j = start + 1; j < s.length; j++) {
      const ch = s[j];
      if (ch === '\\') {
        j++;
        continue;
      }
      if (ch !== '/') continue;
      const after = s[j + 1];
      if (!(after === undefined || isSpace(after) || after === ')' || after === '|')) continue;
      if (j === start + 1) return undefined;
      const source = unescapeSlashes(s.slice(start + 1, j));
      this.#regexSize += regexSize(source);
      if (this.#regexSize > MAX_REGEX_SIZE) {
        throw queryError(`the regular expression at column ${start + 1} is too large: the query's patterns expand to more than ${MAX_REGEX_SIZE} steps (counted repetitions like \`{500}\` count in full)`, start, j + 1);
      }
      try {
        checkRegex(source);
      } catch (e) {
        throw queryError(`invalid regular expression at column ${start + 1}: ${(e as Error).message}`, start, j + 1);
      }
      this.#i = j + 1;
      return { type: 'regex', source, span: { start, end: j + 1 } };
    }
    return undefined;
  }

  #field(field: string, start: number): Expr | null {
    const s = this.#s;
    let i = start + field.length + 1;
    const c = s[i];
    const isEnd = (k: number) => k >= s.length || isSpace(s[k]) || (s[k] === ')' && this.#depth > 0);
    if (isEnd(i)) {
      throw queryError(`expected a value after \`${shown(field)}:\` at column ${i + 1} (to search for the text itself, quote it: "${shown(field)}:")`, i);
    }
    if (c === '*' && isEnd(i + 1)) {
      this.#i = i + 1;
      return { type: 'exists', field, span: { start, end: i + 1 } };
    }
    if (c === '>' || c === '<') {
      const op = (s[i + 1] === '=' ? c + '=' : c) as CompareOp;
      i += op.length;
      if (field === 'level') throw queryError(`\`level:\` takes level names, as in \`level:error,fatal\`, not a comparison (column ${start + 7})`, start + 6, i);
      if (field === 'source' || field === 'host' || field === 'message') throw queryError(`\`${field}:\` holds text and cannot be compared with \`${op}\` (column ${i - op.length + 1})`, i - op.length, i);
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(s);
      if (!m) throw queryError(`expected a number after \`${shown(field)}:${op}\` at column ${i + 1}`, i);
      const value = Number(m[0]);
      if (!Number.isFinite(value)) throw queryError(`the number at column ${i + 1} is too large`, i, i + m[0].length);
      i += m[0].length;
      UNIT_WORD.lastIndex = i;
      const u = UNIT_WORD.exec(s);
      let unit;
      if (u) {
        unit = unitNamed(u[0]);
        if (!unit) throw queryError(`unknown unit \`${shown(u[0])}\` at column ${i + 1}: durations take ns, us, ms, s, m, h; sizes B, KB, MB, GB, TB, KiB, MiB, GiB, TiB`, i, i + u[0].length);
        i += u[0].length;
      }
      if (!isEnd(i)) throw queryError(`unexpected \`${shown(s.slice(i, this.#wordEnd(i)) || s[i])}\` after the number at column ${i + 1}`, i);
      this.#i = i;
      return unit === undefined
        ? { type: 'compare', field, op, value, span: { start, end: i } }
        : { type: 'compare', field, op, value, unit, span: { start, end: i } };
    }
    if (c === '(') throw queryError(`\`${shown(field)}:(…)\` is not supported at column ${i + 1}: write \`${shown(field)}:a,b\` for any of a and b`, i);
    const values: FieldValue[] = [];
    for (;;) {
      const vstart = i;
      let text: string;
      let prefix = false;
      if (s[i] === '"') {
        const q = this.#quoted(i);
        text = q.text;
        i = q.end;
        if (s[i] === '*') {
          prefix = true;
          i++;
        }
      } else {
        const end = this.#wordEnd(i, true);
        text = s.slice(i, end);
        i = end;
        let cut = text.length;
        while (cut > 0 && text.charCodeAt(cut - 1) === 42) cut--;
        if (cut < text.length) {
          prefix = true;
          text = text.slice(0, cut);
        }
        if (!text) {
          throw queryError(prefix
            ? `a value cannot be only \`*\` at column ${vstart + 1} (\`${shown(field)}:*\` alone means the field is present)`
            : `expected a value at column ${vstart + 1}`, vstart);
        }
      }
      values.push(this.#fieldValue(field, text, prefix, vstart, i));
      if (s[i] !== ',') break;
      i++;
      if (isEnd(i) || s[i] === ',') throw queryError(`expected a value after \`,\` at column ${i + 1}`, i);
    }
    this.#i = i;
    const span = { start, end: i };
    if (field === 'message') {
      // `message:` is the message column: the same token search as a bare word or phrase.
      const terms = values.map((v) => term(v.text, v.prefix, start, i)).filter((t): t is TermExpr => t !== null);
      if (terms.length === 0) return null;
      return terms.length === 1 ? terms[0] : { type: 'or', children: terms, span };
    }
    return { type: 'field', field, values, span };
  }

  /** A value as the tree keeps it: level names made canonical (and checked), others as written. */
  #fieldValue(field: string, text: string, prefix: boolean, start: number, end: number): FieldValue {
    if (field !== 'level') return { text, prefix };
    const lower = text.toLowerCase();
    if (prefix) {
      if (!LEVELS.some((l) => l.startsWith(lower))) throw queryError(`no level starts with \`${shown(text)}\` (column ${start + 1}); levels are ${LEVELS.join(', ')}`, start, end);
      return { text: lower, prefix };
    }
    const level = isLevel(lower) ? lower : normalizeLevel(lower);
    if (!level) throw queryError(`unknown level \`${shown(text)}\` at column ${start + 1}; levels are ${LEVELS.join(', ')}`, start, end);
    return { text: level, prefix };
  }

  #pipe(): Pipe {
    const s = this.#s;
    const start = this.#i;
    this.#i++;
    this.#skipSpace();
    const kind = this.#ident()?.toLowerCase();
    let pipe: Pipe;
    if (kind === 'stats') {
      this.#skipSpace();
      const at = this.#i;
      if (this.#ident()?.toLowerCase() !== 'count' || !this.#punct('(') || !this.#punct(')')) {
        throw queryError(`expected \`count()\` after \`stats\` at column ${at + 1}`, at);
      }
      const by: string[] = [];
      let limit: number | undefined;
      this.#skipSpace();
      let save = this.#i;
      let word = this.#ident()?.toLowerCase();
      if (word === 'by') {
        this.#skipSpace();
        if (this.#punct('(')) {
          for (;;) {
            by.push(this.#fieldName('`by (`'));
            if (this.#punct(',')) continue;
            if (this.#punct(')')) break;
            throw queryError(`expected \`,\` or \`)\` in the \`by\` list at column ${this.#i + 1}`, this.#i);
          }
        } else by.push(this.#fieldName('`by`'));
        this.#skipSpace();
        save = this.#i;
        word = this.#ident()?.toLowerCase();
      }
      if (word === 'limit') limit = this.#count('limit');
      else this.#i = save;
      pipe = limit === undefined ? { type: 'stats', by, span: { start, end: this.#i } } : { type: 'stats', by, limit, span: { start, end: this.#i } };
    } else if (kind === 'top') {
      this.#skipSpace();
      const n = s[this.#i] !== undefined && s[this.#i] >= '0' && s[this.#i] <= '9' ? this.#count('top') : 10;
      const field = this.#fieldName('`top`');
      pipe = { type: 'top', n, field, span: { start, end: this.#i } };
    } else {
      throw queryError(`expected \`stats\` or \`top\` after \`|\` at column ${start + 1}`, start);
    }
    this.#skipSpace();
    if (this.#i < s.length) {
      if (s[this.#i] === '|') throw queryError(`only one \`|\` pipe is supported (column ${this.#i + 1})`, this.#i);
      throw queryError(`unexpected \`${shown(s.slice(this.#i, this.#wordEnd(this.#i)) || s[this.#i])}\` at column ${this.#i + 1}`, this.#i);
    }
    return pipe;
  }

  #ident(): string | undefined {
    IDENT.lastIndex = this.#i;
    const m = IDENT.exec(this.#s);
    if (!m) return undefined;
    this.#i += m[0].length;
    return m[0];
  }

  /** Consumes one punctuation character after optional spaces. */
  #punct(ch: string): boolean {
    this.#skipSpace();
    if (this.#s[this.#i] !== ch) return false;
    this.#i++;
    return true;
  }

  #fieldName(after: string): string {
    this.#skipSpace();
    FIELD_NAME.lastIndex = this.#i;
    const m = FIELD_NAME.exec(this.#s);
    if (!m) throw queryError(`expected a field name after ${after} at column ${this.#i + 1}`, this.#i);
    this.#i += m[0].length;
    return m[0];
  }

  #count(what: string): number {
    this.#skipSpace();
    INTEGER.lastIndex = this.#i;
    const m = INTEGER.exec(this.#s);
    const n = m ? Number(m[0]) : NaN;
    if (!m || !(n >= 1 && n <= MAX_ROWS)) throw queryError(`\`${what}\` takes a whole number from 1 to ${MAX_ROWS} (column ${this.#i + 1})`, this.#i);
    this.#i += m[0].length;
    return n;
  }
}

/** A term node, or null when its text holds no token (search.ts drops those too). */
function term(text: string, prefix: boolean, start: number, end: number): TermExpr | null {
  if (tokenize(text).length === 0) return null;
  return { type: 'term', text, prefix, span: { start, end } };
}

function spanOf(items: Expr[]): Span {
  return { start: items[0].span.start, end: items[items.length - 1].span.end };
}

/** `\/` in a regex literal stands for `/`; every other escape is the engine's. */
function unescapeSlashes(src: string): string {
  let out = '';
  for (let i = 0; i < src.length; i++) {
    if (src[i] === '\\' && src[i + 1] === '/') {
      out += '/';
      i++;
    } else if (src[i] === '\\') {
      out += src[i] + (src[i + 1] ?? '');
      i++;
    } else out += src[i];
  }
  return out;
}
