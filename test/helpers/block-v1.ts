// Block payloads in format v1, written exactly as logpipe wrote them before format v2 (block.ts):
// tests put them in real database files to check that old blocks still read.
import { brotliCompressSync, constants as zc } from 'node:zlib';
import type { Row } from '../../src/server/storage/row.js';

/** A v1 payload exactly as the code before format v2 wrote it (one brotli JSON document). */
export function encodePayloadV1(rows: Row[]): Buffer {
  const idMin = Math.min(...rows.map((r) => r.id));
  const tsMin = Math.min(...rows.map((r) => r.ts));
  const hs: string[] = [];
  const p = { i: [] as number[], t: [] as number[], l: [] as number[], hs, h: [] as number[], m: [] as string[], a: [] as (string | null)[] };
  let prevId = idMin;
  let prevTs = tsMin;
  for (const r of rows) {
    p.i.push(r.id - prevId);
    p.t.push(r.ts - prevTs);
    prevId = r.id;
    prevTs = r.ts;
    p.l.push(r.level);
    if (!hs.includes(r.host)) hs.push(r.host);
    p.h.push(hs.indexOf(r.host));
    p.m.push(r.message);
    p.a.push(r.attrs);
  }
  const json = Buffer.from(JSON.stringify(p));
  return brotliCompressSync(json, { params: { [zc.BROTLI_PARAM_QUALITY]: 5, [zc.BROTLI_PARAM_SIZE_HINT]: json.length, [zc.BROTLI_PARAM_MODE]: zc.BROTLI_MODE_TEXT } });
}

