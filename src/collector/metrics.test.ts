import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Metrics, portOf } from './metrics.js';

test('the collector serves its counters and gauges on /metrics with their types and current values', async () => {
  const m = new Metrics();
  const server = await m.serve(0);
  try {
    const scrape = async () => {
      const res = await fetch(`http://127.0.0.1:${portOf(server)}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      return res.text();
    };
    m.linesRead = 5;
    m.filesOpen = 2;
    m.spoolBytes = () => 4096;
    let text = await scrape();
    assert.match(text, /^# TYPE logpipe_collector_lines_read_total counter$/m);
    assert.match(text, /^logpipe_collector_lines_read_total 5$/m);
    assert.match(text, /^# TYPE logpipe_collector_files_open gauge$/m);
    assert.match(text, /^logpipe_collector_files_open 2$/m);
    assert.match(text, /^logpipe_collector_spool_bytes 4096$/m);
    // A later scrape reads the fields again: counters grow, gauges go both ways.
    m.linesRead = 12;
    m.filesOpen = 1;
    text = await scrape();
    assert.match(text, /^logpipe_collector_lines_read_total 12$/m);
    assert.match(text, /^logpipe_collector_files_open 1$/m);
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((x) => [x[1], x[2]]);
    assert.equal(types.length, 20);
    for (const [name, type] of types) assert.equal(type, name.endsWith('_total') ? 'counter' : 'gauge', name);
    assert.equal((await fetch(`http://127.0.0.1:${portOf(server)}/nope`)).status, 404);
  } finally {
    server.close();
  }
});
