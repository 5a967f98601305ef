import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseOptions, UsageError } from '../command/options.js';
import { buildOptions, spec } from './cli.js';

test('defaults written as text become numbers; flags and LOGPIPE_* variables override them', () => {
  const o = buildOptions(parseOptions(spec, ['--url', 'http://127.0.0.1:8000', 'app.log'], {}));
  assert.equal(o.pollIntervalMs, 1000);
  assert.equal(o.baseBackoffMs, 500);
  assert.equal(buildOptions(parseOptions(spec, ['--url', 'http://h:1', '--retry-base', '50ms', 'x.log'], {})).baseBackoffMs, 50);
  assert.equal(buildOptions(parseOptions(spec, ['--url', 'http://h:1', 'x.log'], { LOGPIPE_RETRY_BASE: '100ms' })).baseBackoffMs, 100);
  assert.equal(o.batchBytes, 1024 * 1024);
  assert.equal(o.batchWaitMs, 1000);
  assert.equal(o.lingerMs, 250);
  assert.equal(buildOptions(parseOptions(spec, ['--url', 'http://h:1', '--linger', '0', 'x.log'], {})).lingerMs, 0);
  assert.equal(o.lingerMaxMs, 1000);
  assert.equal(buildOptions(parseOptions(spec, ['--url', 'http://h:1', 'x.log'], { LOGPIPE_LINGER_MAX: '250ms' })).lingerMaxMs, 250);
  assert.equal(o.maxLineBytes, 256 * 1024);
  assert.equal(o.rotateWaitMs, 5000);
  assert.equal(o.shutdownTimeoutMs, 10_000);
  assert.equal(o.batchLines, 1000);
  assert.equal(o.from, 'beginning');
  assert.equal(o.multiline, false);
  assert.match(o.statePath, /\.logpipe-state\.json$/);
  const p = buildOptions(parseOptions(spec, ['--url', 'http://h:1', '--batch-wait', '250ms', '--multiline-start', '^\\d', 'x.log'], { LOGPIPE_TOKEN: 't0k', LOGPIPE_BATCH_BYTES: '64k' }));
  assert.equal(p.batchWaitMs, 250);
  assert.equal(p.batchBytes, 65536);
  assert.equal(p.token, 't0k');
  assert.equal(p.multiline, true, '--multiline-start implies --multiline');
});

test('every configuration problem is reported at once', () => {
  assert.throws(
    () => buildOptions(parseOptions(spec, ['--batch-lines', '0', '--multiline-start', '(', '--state', '/nonexistent-dir/s.json'], {})),
    (err: unknown) => {
      assert.ok(err instanceof UsageError);
      const text = err.problems.join('\n');
      for (const want of ['--url is required', 'at least one FILE', '--batch-lines must be greater than 0', 'not a valid regular expression', 'does not exist']) {
        assert.ok(text.includes(want), `missing "${want}" in:\n${text}`);
      }
      return true;
    },
  );
});
