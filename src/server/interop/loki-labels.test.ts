import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLabels } from './loki-labels.js';

test('parses the label sets Promtail and Alloy send', () => {
  assert.deepEqual(parseLabels('{job="varlogs", host="web-1", filename="/var/log/syslog"}'), { job: 'varlogs', host: 'web-1', filename: '/var/log/syslog' });
  assert.deepEqual(parseLabels('{}'), {});
  assert.deepEqual(parseLabels('  { a = "1" ,b="2", }  '), { a: '1', b: '2' });
  assert.deepEqual(parseLabels('{_x9="", y=`raw \\n "q"`}'), { _x9: '', y: 'raw \\n "q"' });
});

test('decodes Go string escapes in values', () => {
  assert.deepEqual(parseLabels('{path="C:\\\\logs\\\\a.log", q="say \\"hi\\"", nl="a\\nb\\tc", u="\\u00e9\\U0001F600", x="\\x41", o="\\101"}'), {
    path: 'C:\\logs\\a.log',
    q: 'say "hi"',
    nl: 'a\nb\tc',
    u: 'é😀',
    x: 'A',
    o: 'A',
  });
  assert.deepEqual(parseLabels('{"service.name"="checkout"}'), { 'service.name': 'checkout' });
  assert.deepEqual(parseLabels('{a="日本語, {braces} = fine"}'), { a: '日本語, {braces} = fine' });
});

test('rejects malformed label sets with the offset of the problem', () => {
  const bad = ['', 'job="x"', '{job="x"', '{job=x}', '{job="x" host="y"}', '{9job="x"}', '{job="x\\q"}', '{job="unterminated}', '{job="x"} trailing', '{job!="x"}', '{job="\\u12"}', '{=""}'];
  for (const text of bad) {
    assert.throws(() => parseLabels(text), (err: any) => err.statusCode === 400 && /offset \d+/.test(err.message), text);
  }
});

test('round-trips random label sets quoted the way Go quotes them', () => {
  // A seeded PRNG so a failure is reproducible.
  let seed = 12345;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const alphabet = ['a', 'Z', '0', '_', ' ', ',', '=', '{', '}', '"', '\\', '\n', '\t', '\u0001', 'é', '日', '😀', '`', "'"];
  for (let round = 0; round < 500; round++) {
    const labels: Record<string, string> = {};
    const count = rand(6);
    for (let i = 0; i < count; i++) {
      const name = 'abcXYZ_'[rand(7)] + Array.from({ length: rand(8) }, () => 'ab_09Z'[rand(6)]).join('');
      labels[name] = Array.from({ length: rand(12) }, () => alphabet[rand(alphabet.length)]).join('');
    }
    // JSON string escapes (\" \\ \n \t \uXXXX) are a subset of Go's, which Promtail uses.
    const text = `{${Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}}`;
    assert.deepEqual(parseLabels(text), labels, text);
  }
});
