import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../random.js';
import { RE2JS } from 're2js';
import { compileRegex, regexLiterals, regexSize } from './regex.js';

test('regexLiterals reads the literal runs every match must contain, conservatively', () => {
  const lit = (p: string) => regexLiterals(p).literals;
  assert.deepEqual(lit('api/v1/orders/\\d+'), ['api/v1/orders/']);
  assert.deepEqual(lit('took \\d+\\.\\d+s'), ['took ', '.', 's']);
  assert.deepEqual(lit('^ERROR\\b.*timeout$'), ['ERROR', 'timeout']);
  assert.deepEqual(lit('colou?r'), ['colo', 'r']);
  assert.deepEqual(lit('ab+c'), ['ab', 'c']);
  assert.deepEqual(lit('x{0,3}yz{2}'), ['yz']);
  assert.deepEqual(lit('req(uest)?_id=[0-9a-f]+'), ['req', '_id=']);
  assert.deepEqual(lit('a\\tb\\.c'), ['a\tb.c']);
  assert.deepEqual(lit('\\p{Greek}+abc\\pLdef'), ['abc', 'def']);
  assert.deepEqual(lit('GET|POST'), []);
  assert.deepEqual(lit('(?s)a.b'), []);
  assert.deepEqual(lit('x(?i:abc)y'), []);
  assert.deepEqual(regexLiterals('(?i)econnrefused'), { literals: ['econnrefused'], caseInsensitive: true });
});

test('every literal regexLiterals reports occurs in every text the pattern matches, and compileRegex (literals first) answers as the automaton (random patterns and texts)', () => {
  const rnd = mulberry32(3);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const ATOMS = ['a', 'b', 'c', 'ab', '.', '\\d', '[ab]', '(a|b)', '(?:ab)', '\\.', ' ', '\\b', '^', '$', '\\s', '{', 'a{,2}', '\\{', '[^a]'];
  const QUANTS = ['', '', '', '?', '*', '+', '{2}', '{0,2}', '{1,3}', '??'];
  const texts = Array.from({ length: 300 }, () => Array.from({ length: Math.floor(rnd() * 12) }, () => pick(['a', 'b', 'c', '.', ' ', '1', 'A'])).join(''));
  let checked = 0;
  for (let i = 0; i < 400; i++) {
    let p = (rnd() < 0.2 ? '(?i)' : '') + Array.from({ length: 1 + Math.floor(rnd() * 5) }, () => pick(ATOMS) + pick(QUANTS)).join('');
    let re;
    let raw;
    try {
      re = compileRegex(p);
      raw = RE2JS.compile(p);
    } catch {
      continue; // e.g. a quantifier after ^
    }
    const { literals, caseInsensitive } = regexLiterals(p);
    for (const t of texts) {
      // compileRegex looks for the literals first: it must answer exactly as the automaton.
      assert.equal(re.test(t), raw.test(t), `/${p}/ on ${JSON.stringify(t)}`);
      if (!raw.test(t)) continue;
      checked++;
      const hay = caseInsensitive ? t.toLowerCase() : t;
      for (const l of literals) assert.ok(hay.includes(caseInsensitive ? l.toLowerCase() : l), `/${p}/ matches ${JSON.stringify(t)} without ${JSON.stringify(l)}`);
    }
    p = '';
  }
  assert.ok(checked > 1000, `matches checked: ${checked}`);
});

test('regexSize counts counted repetitions in full', () => {
  assert.equal(regexSize('abc'), 3);
  assert.equal(regexSize('a{1000}'), 1000);
  assert.equal(regexSize('(ab){3}'), 6);
  assert.equal(regexSize('((a){10}){10}'), 100);
  assert.equal(regexSize('[a-z]{5}\\d{4}'), 9);
});

test('compileRegex ignoring case answers as the automaton where RE2 folds non-ASCII letters onto ASCII ones', () => {
  for (const [p, t] of [
    ['(?i)ſtop', 'STOP here'],
    ['(?i)stop', 'ſtop here'],
    ['(?i)\u212Aelvin', 'kelvin'],
    ['(?i)kelvin', '\u212Aelvin'],
    ['(?i)straße', 'STRASSE'],
    ['module \\w+vortex', 'kernel module zxqvortex crashed'],
    ['module \\w+vortex', 'kernel MODULE zxqvortex crashed'],
  ]) {
    assert.equal(compileRegex(p).test(t), RE2JS.compile(p).test(t), `/${p}/ on ${t}`);
  }
});
