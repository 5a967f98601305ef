// Block payloads in formats v1 and v2, written exactly as logpipe wrote them before formats v2 and v3 (block.ts):
// tests put them in real database files to check that old blocks still read.
import { brotliCompressSync, constants as zc } from 'node:zlib';
import { Compressor } from 'zstd-napi';
import { Codec, decodeBlock, encodeBlock, payloadBytes } from '../../src/server/storage/block.js';
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


/**
 * A v2 payload exactly as schema 4 wrote it (one zstd frame at level 3 of the v2 sections), from
 * a v3 payload of the same rows: the rows are decoded (ids and timestamps relative to the
 * block's first, which is all a payload holds), laid out as v2 (what encodeBlock still writes
 * for brotli) and compressed with zstd.
 */
export function encodePayloadV2(v3: Buffer): Buffer {
  const rows = decodeBlock('any', 0, 0, v3, Codec.zstd);
  const bytes = payloadBytes(encodeBlock(rows, Codec.brotli).payload, Codec.brotli);
  if (bytes[0] !== 0x02) throw new Error('encodeBlock no longer writes v2 for brotli');
  const c = new Compressor();
  c.setParameters({ compressionLevel: 3 });
  return c.compress(bytes);
}
