import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LEVELS } from '../levels.js';
import { mulberry32 } from '../random.js';
import { tokenize } from '../search.js';
import { DURATION_UNITS, SIZE_UNITS, type CompareOp, type Expr, type FieldValue, type Pipe, type Query } from './ast.js';
import { parseQuery } from './parse.js';
import { printQuery } from './print.js';

const span = { start: 0, end: 0 };

function strip(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(strip);
  if (x === null || typeof x !== 'object') return x;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x)) if (k !== 'span') out[k] = strip(v);
  return out;
}

/** Random canonical trees (ANDs hold no AND, ORs no OR, terms have tokens), mixing every hard character. */
function treeGenerator(seed: number) {
  const rnd = mulberry32(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const PIECES = ['a', 'Err', 'é', '42', 'x_y', ' ', '"', '\\', '-', '~', '/', '|', '(', ')', '*', ':', ',', '<', '>', '=', '.', 'OR', 'AND', 'NOT', '//', '\u00a0', 'µs', '@'];
  const text = (min = 0) => {
    let s = '';
    const n = min + int(6);
    for (let i = 0; i < n; i++) s += pick(PIECES);
    return s;
  };
  const termText = () => {
    let s = text();
    if (tokenize(s).length === 0) s += pick(['a', 'Z9', 'ü']);
    return s;
  };
  const NAMES = ['status', 'http.status', 'k8s.pod.name', 'app.kubernetes.io/name', 'x-request-id', '@timestamp', 'user_id', 'source', 'host', 'level', 'ñame.ü'];
  const value = (): FieldValue => ({ text: text(), prefix: rnd() < 0.3 });
  const levelValue = (): FieldValue => {
    const l = pick(LEVELS);
    return rnd() < 0.3 ? { text: l.slice(0, 1 + int(l.length)), prefix: true } : { text: l, prefix: false };
  };
  const number = () => pick([0, 1, 500, 250.5, -3, 1e-7, 1e21, 0.1 + 0.2, 123456789, -0.5]);
  const REGEXES = ['a/b', 'x\\d+', '(?i)err', 'a b', '[/]', 'a|b', '\\\\', 'api/v1/orders/\\d+', 'x/', '"q"', '(a)(b)'];
  const leaf = (): Expr => {
    switch (int(6)) {
      case 0:
      case 1:
        return { type: 'term', text: termText(), prefix: rnd() < 0.3, span };
      case 2: {
        const field = pick(NAMES);
        const n = 1 + int(3);
        const values = Array.from({ length: n }, field === 'level' ? levelValue : value);
        return rnd() < 0.2 ? { type: 'exists', field, span } : { type: 'field', field, values, span };
      }
      case 3: {
        const op = pick<CompareOp>(['>', '>=', '<', '<=']);
        const field = pick(NAMES.filter((n) => n !== 'source' && n !== 'host' && n !== 'level'));
        const r = int(3);
        if (r === 0) return { type: 'compare', field, op, value: number(), span };
        return { type: 'compare', field, op, value: number(), unit: pick(r === 1 ? DURATION_UNITS : SIZE_UNITS), span };
      }
      case 4:
        return { type: 'substring', text: text(1) || 'x', span };
      default:
        return { type: 'regex', source: pick(REGEXES), span };
    }
  };
  const expr = (depth: number, parent?: 'and' | 'or'): Expr => {
    if (depth <= 0 || rnd() < 0.35) return leaf();
    const k = int(3);
    if (k === 2) return { type: 'not', child: expr(depth - 1), span };
    const type = k === 0 ? 'and' : 'or';
    if (type === parent) return leaf();
    const children = Array.from({ length: 2 + int(3) }, () => expr(depth - 1, type));
    return { type, children, span };
  };
  const pipe = (): Pipe | null => {
    const r = int(4);
    if (r === 0) return { type: 'top', n: 1 + int(100), field: pick(NAMES), span };
    if (r === 1) {
      const by = Array.from({ length: int(3) }, () => pick(NAMES));
      return rnd() < 0.5 ? { type: 'stats', by, span } : { type: 'stats', by, limit: 1 + int(10_000), span };
    }
    return null;
  };
  return (): Query => {
    const p = pipe();
    const filter = p && rnd() < 0.2 ? null : expr(4);
    return { filter, pipe: p };
  };
}

test('print then parse gives back the same tree, for 1,500 random trees', () => {
  const next = treeGenerator(20261130);
  let longest = 0;
  for (let i = 0; i < 1500; i++) {
    const tree = next();
    const text = printQuery(tree);
    if (text.length > 1024) continue;
    longest = Math.max(longest, text.length);
    let back: Query;
    try {
      back = parseQuery(text);
    } catch (e) {
      assert.fail(`tree ${i} printed as ${JSON.stringify(text)} does not parse: ${(e as Error).message}`);
    }
    assert.deepEqual(strip(back), strip(tree), `tree ${i} printed as ${JSON.stringify(text)}`);
  }
  assert.ok(longest > 200, 'the generator makes sizeable queries');
});

test('the printer writes canonical text: NOT as -, groups only where precedence needs them', () => {
  const canon = (q: string) => printQuery(parseQuery(q));
  assert.equal(canon('a AND (b AND c)'), 'a b c');
  assert.equal(canon('NOT a OR (b AND c)'), '-a OR b c');
  assert.equal(canon('a (b OR c)'), 'a (b OR c)');
  assert.equal(canon('NOT (a b)'), '-(a b)');
  assert.equal(canon('NOT NOT a'), '-(-a)');
  assert.equal(canon('"OR" "a:b" "-x" "/p/" "x*" plain'), '"OR" "a:b" "-x" "/p/" "x*" plain');
  assert.equal(canon('msg:"two words",x*,">5"'), 'msg:"two words",x*,">5"');
  assert.equal(canon('level:WARNING  |  stats count ( )  by level'), 'level:warn | stats count() by (level)');
  assert.equal(canon('-~ECONN'), '-~"ECONN"');
});
