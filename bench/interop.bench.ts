// Interop ingest speed: the same lines sent through the native NDJSON API, OTLP/HTTP protobuf
// and Loki protobuf+snappy (plus the JSON forms of both) into a fresh real server each, in the
// same run; reports lines/s and each door's ratio to native (target: OTLP and Loki protobuf
// reach >= 70% of native). Bodies are encoded before the clock starts: this measures the server
// (and the loopback round trip), not the client.
// Run: node --import tsx bench/interop.bench.ts [lines=200000] [rounds=3]   (DOORS=a,b picks doors by name)
import snappy from 'snappyjs';
import { LineFactory } from '../src/generator/lines.js';
import { PushRequest } from '../src/server/interop/loki-schema.js';
import { ExportLogsServiceRequest } from '../src/server/interop/otlp-schema.js';
import { parseNdjson } from '../src/server/body.js';
import { mapPushRequest } from '../src/server/interop/loki-map.js';
import { mapExportLogsRequest } from '../src/server/interop/otlp-map.js';
import { startServer } from '../test/helpers/server.js';
import { fmt, median, postRaw } from './lib/http.js';

const LINES = Number(process.argv[2] ?? 200_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const BATCH = 1000;

interface Door {
  name: string;
  path: string;
  headers: Record<string, string>;
  bodies: Buffer[];
}

const factory = new LineFactory({ format: 'plain', seed: 42, stackTraces: false });
const t0 = Date.now() - 3_600_000;
const lines: string[] = [];
const times: number[] = [];
for (let i = 0; i < LINES; i++) {
  times.push(t0 + i);
  lines.push(factory.record(t0 + i).replace(/\n$/, ''));
}

function batches<T>(make: (from: number, to: number) => T): T[] {
  const out: T[] = [];
  for (let i = 0; i < LINES; i += BATCH) out.push(make(i, Math.min(LINES, i + BATCH)));
  return out;
}

const nanos = (ms: number): string => `${ms}000000`;

function otlpRequest(from: number, to: number) {
  const logRecords = [];
  for (let i = from; i < to; i++) logRecords.push({ timeUnixNano: nanos(times[i]), observedTimeUnixNano: nanos(times[i]), body: { stringValue: lines[i] } });
  return {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bench' } }, { key: 'host.name', value: { stringValue: 'host-1' } }] },
        scopeLogs: [{ scope: { name: 'bench' }, logRecords }],
      },
    ],
  };
}

function lokiStreams(from: number, to: number) {
  const entries = [];
  for (let i = from; i < to; i++) entries.push({ timestamp: { seconds: Math.floor(times[i] / 1000), nanos: (times[i] % 1000) * 1e6 }, line: lines[i] });
  return { streams: [{ labels: '{job="bench", host="host-1"}', entries }] };
}

const allDoors: Door[] = [
  {
    name: 'native NDJSON',
    path: '/api/v1/logs',
    headers: { 'content-type': 'application/x-ndjson' },
    bodies: batches((a, b) => Buffer.from(lines.slice(a, b).map((message) => JSON.stringify({ message, source: 'bench', host: 'host-1' })).join('\n'))),
  },
  {
    name: 'OTLP protobuf',
    path: '/v1/logs',
    headers: { 'content-type': 'application/x-protobuf' },
    bodies: batches((a, b) => Buffer.from(ExportLogsServiceRequest.encode(ExportLogsServiceRequest.fromObject(otlpRequest(a, b))).finish())),
  },
  {
    name: 'Loki protobuf+snappy',
    path: '/loki/api/v1/push',
    headers: { 'content-type': 'application/x-protobuf' },
    bodies: batches((a, b) => Buffer.from(snappy.compress(Buffer.from(PushRequest.encode(PushRequest.fromObject(lokiStreams(a, b))).finish())))),
  },
  {
    name: 'OTLP JSON',
    path: '/v1/logs',
    headers: { 'content-type': 'application/json' },
    bodies: batches((a, b) => Buffer.from(JSON.stringify(otlpRequest(a, b)))),
  },
  {
    name: 'Loki JSON',
    path: '/loki/api/v1/push',
    headers: { 'content-type': 'application/json' },
    bodies: batches((a, b) => {
      const values = [];
      for (let i = a; i < b; i++) values.push([nanos(times[i]), lines[i]]);
      return Buffer.from(JSON.stringify({ streams: [{ stream: { job: 'bench', host: 'host-1' }, values }] }));
    }),
  },
];

// DOORS="OTLP protobuf,Loki" runs only those (native always runs: it is the reference).
const only = process.env.DOORS?.split(',');
const doors = only ? allDoors.filter((d, i) => i === 0 || only.some((o) => d.name.includes(o))) : allDoors;

/**
 * One round: a fresh server per door, all running at once; batch i goes to every door in turn
 * (one request in flight in total), and each door is charged the time its own requests took.
 * Interleaving at batch granularity means every door sees the same machine load, so ratios stay
 * meaningful on a shared, noisy machine where whole-run timings drift by 2-3x.
 */
async function runRound(round: number): Promise<Map<string, number>> {
  const servers = await Promise.all(doors.map(() => startServer()));
  const spent = doors.map(() => 0);
  try {
    const batches = doors[0].bodies.length;
    for (let b = 0; b < batches; b++) {
      for (let k = 0; k < doors.length; k++) {
        // Rotate who goes first so that no door always follows the same neighbour.
        const d = (k + b + round) % doors.length;
        const door = doors[d];
        const t = performance.now();
        const res = await postRaw(`${servers[d].url}${door.path}`, door.bodies[b], door.headers);
        spent[d] += performance.now() - t;
        if (res.status >= 300) throw new Error(`${door.name} answered ${res.status}: ${res.text.slice(0, 200)}`);
      }
    }
    const rates = new Map<string, number>();
    for (let d = 0; d < doors.length; d++) {
      const res = await fetch(`${servers[d].url}/api/v1/sources`);
      const stored = ((await res.json()) as { sources: { count: number }[] }).sources.reduce((n, s) => n + s.count, 0);
      if (stored !== LINES) throw new Error(`${doors[d].name}: ${stored} of ${LINES} lines stored`);
      rates.set(doors[d].name, LINES / (spent[d] / 1000));
    }
    return rates;
  } finally {
    await Promise.all(servers.map(async (srv) => {
      await srv.stop();
      srv.cleanup();
    }));
  }
}

const rates = new Map<string, number[]>(doors.map((d) => [d.name, []]));
for (let r = 0; r < ROUNDS; r++) {
  const got = await runRound(r);
  for (const [name, rate] of got) rates.get(name)!.push(rate);
  console.log(`round ${r + 1}: ${doors.map((d) => `${d.name} ${fmt(got.get(d.name)!)}`).join(', ')} lines/s`);
}

console.log(`\n${fmt(LINES)} lines per door, ${BATCH}-line batches, one request in flight, doors interleaved batch by batch, fresh servers, ${ROUNDS} rounds (medians)`);
for (const door of doors) {
  const xs = rates.get(door.name)!;
  const ratios = xs.map((x, i) => x / rates.get('native NDJSON')![i]);
  const bytes = door.bodies.reduce((n, b) => n + b.length, 0);
  console.log(`${door.name.padEnd(22)} ${fmt(median(xs)).padStart(9)} lines/s  ${(median(ratios) * 100).toFixed(1).padStart(5)}% of native  (${(bytes / LINES).toFixed(0)} B/line on the wire)`);
}

/** Median µs per call of fn over a few hundred calls, after warming up. */
function cost(fn: () => unknown): number {
  for (let i = 0; i < 100; i++) fn();
  const xs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    for (let i = 0; i < 100; i++) fn();
    xs.push(((performance.now() - t) / 100) * 1000);
  }
  return median(xs);
}

// Where the time goes inside the server, per 1000-line batch: decoding a door's body into
// records, against parsing the same lines as NDJSON (the native door's equivalent step).
const [nd, op, lp] = [allDoors[0].bodies[0], allDoors[1].bodies[0], allDoors[2].bodies[0]];
const ndCost = cost(() => parseNdjson(nd.toString('utf8')));
const otlpCost = cost(() => mapExportLogsRequest(ExportLogsServiceRequest.decode(op)));
const lokiCost = cost(() => mapPushRequest(PushRequest.decode(snappy.uncompress(lp, 1 << 26))));
console.log(`\ndecode to records, per ${BATCH} lines (in process): NDJSON parse ${ndCost.toFixed(0)} µs (reference), OTLP protobuf decode+map ${otlpCost.toFixed(0)} µs, Loki snappy+decode+map ${lokiCost.toFixed(0)} µs`);
