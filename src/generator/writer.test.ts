import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { LineFactory, extractSeq } from './lines.js';
import { FileSink, generate } from './writer.js';
import { renderProgress, formatEta } from './progress.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'logpipe-gen-'));
}

/** Seq numbers of every record in the text (continuation lines carry none). */
function seqs(text: string): number[] {
  return text.split('\n').map(extractSeq).filter((s): s is number => s !== undefined);
}

/** Concatenates FILE.N … FILE.1 FILE, oldest first. */
function readRotated(path: string): { text: string; files: string[] } {
  const dir = join(path, '..');
  const base = path.slice(dir.length + 1);
  const rotated = readdirSync(dir)
    .map((n) => new RegExp(`^${base.replace('.', '\\.')}\\.(\\d+)$`).exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => b - a);
  const files = [...rotated.map((n) => `${path}.${n}`), path];
  return { text: files.map((f) => readFileSync(f, 'utf8')).join(''), files };
}

test('writes exactly --count records to a file, appending to what is there', async () => {
  const dir = tempDir();
  try {
    const out = join(dir, 'app.log');
    writeFileSync(out, 'existing line\n');
    const s = await generate({ factory: new LineFactory({ seed: 1 }), out, count: 12_345 });
    assert.equal(s.records, 12_345);
    assert.equal(s.stoppedBy, 'count');
    const text = readFileSync(out, 'utf8');
    assert.ok(text.startsWith('existing line\n'));
    assert.equal(statSync(out).size, 'existing line\n'.length + s.bytes);
    assert.deepEqual(seqs(text), Array.from({ length: 12_345 }, (_, i) => i + 1));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rotation by rename+create loses and repeats nothing across the rotated files', async () => {
  const dir = tempDir();
  try {
    const out = join(dir, 'app.log');
    const s = await generate({ factory: new LineFactory({ seed: 2 }), out, count: 30_000, rotateBytes: 256 * 1024, rotateKeep: 100 });
    const { text, files } = readRotated(out);
    assert.ok(s.rotations >= 10, `rotated ${s.rotations} times`);
    assert.equal(files.length, s.rotations + 1);
    assert.deepEqual(seqs(text), Array.from({ length: 30_000 }, (_, i) => i + 1));
    for (const f of files) {
      const size = statSync(f).size;
      assert.ok(size <= 256 * 1024, `${f} is ${size} bytes, over --rotate-bytes`);
      const body = readFileSync(f, 'utf8');
      assert.ok(body.endsWith('\n') && /^\d{4}-/.test(body), `${f} holds whole records`);
    }
    // Rotated files are nearly full: chunks are small relative to the limit.
    assert.ok(statSync(`${out}.1`).size > 200 * 1024);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rotation keeps only --rotate-keep files, the newest ones, still contiguous', async () => {
  const dir = tempDir();
  try {
    const out = join(dir, 'app.log');
    const s = await generate({ factory: new LineFactory({ seed: 3, format: 'json' }), out, count: 20_000, rotateBytes: 100_000, rotateKeep: 3 });
    assert.ok(s.rotations > 5);
    assert.deepEqual(readdirSync(dir).sort(), ['app.log', 'app.log.1', 'app.log.2', 'app.log.3']);
    const got = seqs(readRotated(out).text);
    assert.equal(got[got.length - 1], 20_000);
    assert.deepEqual(got, Array.from({ length: got.length }, (_, i) => got[0] + i));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('FileSink rotates a pre-existing full file before writing', () => {
  const dir = tempDir();
  try {
    const out = join(dir, 'app.log');
    writeFileSync(out, 'x'.repeat(90) + '\n');
    const sink = new FileSink(out, 100, 2);
    sink.write('y'.repeat(20) + '\n');
    sink.close();
    assert.equal(readFileSync(`${out}.1`, 'utf8'), 'x'.repeat(90) + '\n');
    assert.equal(readFileSync(out, 'utf8'), 'y'.repeat(20) + '\n');
    assert.equal(existsSync(`${out}.2`), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a steady --rate is respected and timestamps are evenly spaced', async () => {
  const dir = tempDir();
  try {
    const out = join(dir, 'app.log');
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 1000);
    const s = await generate({ factory: new LineFactory({ seed: 4, format: 'json' }), out, rate: 2000, signal: abort.signal });
    assert.equal(s.stoppedBy, 'aborted');
    const n = s.records;
    // Judged over the time that really passed (the abort timer fires late on a busy machine).
    assert.ok(n >= 1.2 * s.elapsedMs && n <= 2.3 * s.elapsedMs, `${n} records in ${s.elapsedMs} ms at 2000/s`);
    const times = readFileSync(out, 'utf8').trim().split('\n').map((l) => Date.parse(JSON.parse(l).time));
    const span = times[times.length - 1] - times[0];
    assert.ok(Math.abs(span - (n - 1) / 2) <= 2, `records are 0.5 ms apart: ${n} records span ${span} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--bursts varies the rate but keeps writing, and a synthetic start time is used verbatim', async () => {
  const dir = tempDir();
  try {
    const out = join(dir, 'app.log');
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 600);
    const s = await generate({ factory: new LineFactory({ seed: 5 }), out, rate: 500, bursts: true, signal: abort.signal });
    assert.ok(s.records > 10 && s.records < 3500, `${s.records} records in 0.6 s around 500/s`);
    assert.deepEqual(seqs(readFileSync(out, 'utf8')), Array.from({ length: s.records }, (_, i) => i + 1));

    const synth = join(dir, 'synth.log');
    await generate({ factory: new LineFactory({ seed: 5, format: 'logfmt' }), out: synth, count: 100, startTime: Date.parse('2020-01-01T00:00:00Z') });
    const lines = readFileSync(synth, 'utf8').trim().split('\n');
    assert.ok(lines[0].startsWith('ts=2020-01-01T00:00:00.000Z '));
    assert.ok(lines[99].startsWith('ts=2020-01-01T00:00:00.099Z '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a slow stream gets everything in order through backpressure', async () => {
  const chunks: string[] = [];
  let writes = 0;
  const slow = new Writable({
    highWaterMark: 1024,
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      writes++;
      setTimeout(cb, 1);
    },
  });
  const s = await generate({ factory: new LineFactory({ seed: 6, format: 'seed' }), stream: slow, count: 200_000 });
  await new Promise((r) => slow.end(r));
  assert.equal(s.stoppedBy, 'count');
  assert.ok(writes > 1);
  assert.deepEqual(seqs(chunks.join('')), Array.from({ length: 200_000 }, (_, i) => i + 1));
});

test('a reader that goes away (EPIPE) ends the run quietly', async () => {
  let n = 0;
  const closing = new Writable({
    highWaterMark: 1024,
    write(_chunk, _enc, cb) {
      n++;
      if (n === 3) {
        const err = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
        cb(err);
      } else cb();
    },
  });
  const s = await generate({ factory: new LineFactory({ seed: 7 }), stream: closing });
  assert.equal(s.stoppedBy, 'epipe');
  assert.ok(s.records > 0);
});

test('the progress line shows count, rate and ETA and fits the width', () => {
  const line = renderProgress({ records: 500_000, bytes: 64 * 1024 * 1024, elapsedMs: 2500, total: 1_000_000 }, 120);
  assert.match(line, /^\[#{10,}-+\]  50%  500,000 lines  64\.0 MiB  200,000 lines\/s  ETA 0:03$/);
  assert.ok(renderProgress({ records: 5, bytes: 10, elapsedMs: 1000, total: 10 }, 30).length <= 30);
  assert.equal(renderProgress({ records: 1234, bytes: 100, elapsedMs: 1000 }, 80), '1,234 lines  100 B  1,234 lines/s');
  assert.equal(formatEta(3725), '1:02:05');
  assert.equal(formatEta(Infinity), '--:--');
});
