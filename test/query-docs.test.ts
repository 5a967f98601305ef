// docs/query.md is the user's reference of the query language: every example in it must parse,
// every error example must be refused with LP_ERR_QUERY, and every construct must have an example.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogpipeError } from '../src/shared/errors.js';
import { parseQuery, type Expr, type Query } from '../src/shared/query/index.js';
import { ROOT } from './helpers/server.js';

const doc = readFileSync(join(ROOT, 'docs/query.md'), 'utf8');

function blocks(kind: string): string[] {
  const lines: string[] = [];
  for (const m of doc.matchAll(new RegExp('```' + kind + '\\n([\\s\\S]*?)```', 'g'))) {
    for (const line of m[1].split('\n')) if (line.trim()) lines.push(line);
  }
  return lines;
}

function kinds(q: Query, out: Set<string>): void {
  const walk = (e: Expr) => {
    out.add(e.type === 'term' && e.prefix ? 'prefix' : e.type);
    if (e.type === 'field' && e.values.length > 1) out.add('list');
    if (e.type === 'field' && ['level', 'source', 'host'].includes(e.field)) out.add(e.field);
    if (e.type === 'compare' && e.unit) out.add('unit');
    if (e.type === 'and' || e.type === 'or') e.children.forEach(walk);
    if (e.type === 'not') walk(e.child);
  };
  if (q.filter) walk(q.filter);
  if (q.pipe) out.add(q.pipe.type);
}

test('every example in docs/query.md parses, and together they show every construct', () => {
  const examples = blocks('query');
  assert.ok(examples.length >= 60, `docs/query.md has ${examples.length} examples`);
  const seen = new Set<string>();
  for (const q of examples) {
    let tree: Query;
    try {
      tree = parseQuery(q);
    } catch (e) {
      assert.fail(`docs/query.md example ${JSON.stringify(q)} does not parse: ${(e as Error).message}`);
    }
    kinds(tree, seen);
  }
  for (const k of ['term', 'prefix', 'and', 'or', 'not', 'field', 'list', 'exists', 'compare', 'unit', 'substring', 'regex', 'level', 'source', 'host', 'stats', 'top']) {
    assert.ok(seen.has(k), `docs/query.md has no example of ${k}`);
  }
});

test('every error example in docs/query.md is refused with LP_ERR_QUERY and a column', () => {
  const bad = blocks('query-error');
  assert.ok(bad.length >= 10);
  for (const q of bad) {
    assert.throws(() => parseQuery(q), (e: unknown) => e instanceof LogpipeError && e.code === 'LP_ERR_QUERY' && /column \d+/.test(e.message), q);
  }
});

test('the messages quoted in docs/query.md are the ones the parser gives', () => {
  for (const [q, message] of [
    ['status:', 'expected a value after `status:` at column 8'],
    ['Error: connection refused', 'expected a value after `Error:` at column 7 (to search for the text itself, quote it: "Error:")'],
    ['/(a/', 'invalid regular expression at column 1: missing closing )'],
  ]) {
    assert.throws(() => parseQuery(q), (e: unknown) => e instanceof Error && e.message.startsWith(message), q);
    assert.ok(doc.replace(/\s+/g, ' ').includes(message), `docs/query.md quotes ${message}`);
  }
});
