// Age retention against a wall clock that really jumps: a real `logpipe server --retention 1d`
// runs under libfaketime, whose offset file we rewrite while it runs (the monotonic clock is
// left alone, as on a VM that resumes or a host whose NTP steps). The chaos run this answers:
// a 3-day jump for 6 s deleted 19,934 of 40,428 records, none of them older than a day.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { postJson } from './helpers/http.js';
import { makeTempDir, startServer } from './helpers/server.js';
import { waitForCount } from './helpers/chaos.js';
import { waitUntil } from './collector-helpers.js';

const LIBFAKETIME = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/faketime/libfaketime.so.1'].find((p) => existsSync(p));

async function refusals(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /^logpipe_retention_refused_total (\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

test(
  'a wall clock that jumps 3 days forward and back deletes nothing under --retention 1d (real server under libfaketime)',
  { skip: LIBFAKETIME ? false : 'libfaketime is not installed (.ci/run installs the faketime package)' },
  async (t) => {
    const dir = makeTempDir();
    const clock = join(dir, 'offset');
    writeFileSync(clock, '+0d\n');
    const server = await startServer({
      dataDir: dir,
      args: ['--retention', '1d'],
      env: { LD_PRELOAD: LIBFAKETIME!, FAKETIME_TIMESTAMP_FILE: clock, FAKETIME_NO_CACHE: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1' },
    });
    t.after(async () => {
      await server.stop('SIGKILL');
      server.cleanup();
    });
    // Records written over the last 20 hours: all inside the retention window.
    const now = Date.now();
    const n = 4000;
    for (let b = 0; b < 4; b++) {
      const batch = Array.from({ length: n / 4 }, (_, i) => {
        const k = b * (n / 4) + i;
        return { ts: now - 20 * 3_600_000 + k * 18_000, source: 'clock', message: `seq=${k} within a day` };
      });
      const res = await postJson(`${server.url}/api/v1/logs`, batch);
      assert.equal(res.status, 200, res.text);
    }
    await waitForCount(server.url, n, 30_000);

    // The clock jumps three days forward; retention passes run once a second.
    const before = await refusals(server.url);
    writeFileSync(clock, '+3d\n');
    // Either three passes are refused, or retention deleted something: both end the wait.
    await waitUntil(
      async () => (await refusals(server.url)) >= before + 3 || (await exported(server.url)) < n,
      60_000,
      'three retention passes refused (or rows deleted) while the clock is 3 days ahead',
    );
    assert.equal(await exported(server.url), n, 'records deleted while the clock was 3 days ahead');
    assert.match(server.output(), /Retention by age is paused/);

    // And back: the clock agrees with the monotonic one again, and nothing is a day old.
    writeFileSync(clock, '+0d\n');
    const back = await refusals(server.url);
    await waitUntil(async () => (await refusals(server.url)) === back && (await exported(server.url)) === n, 30_000, 'every record still exported after the clock came back');
    await server.stop('SIGTERM');
    // What a server with a true clock finds in the same database file.
    const again = await startServer({ dataDir: dir });
    try {
      assert.equal(await exported(again.url), n);
    } finally {
      await again.stop('SIGTERM');
    }
  },
);

/** Records of source `clock` that the export endpoint streams (every stored row, not a summary). */
async function exported(url: string): Promise<number> {
  const res = await fetch(`${url}/api/v1/logs/export?format=ndjson&source=clock`);
  assert.equal(res.status, 200);
  return (await res.text()).split('\n').filter((l) => l.trim()).length;
}
