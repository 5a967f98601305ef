// Which rows of a decoded block (block.ts DecodedBlock) a filter selects, reading as little of
// the block as it can: levels, host and time from the header arrays; field filters from the
// field columns (block-columns.ts), falling back to a row's attrs only where a column cannot
// tell; search words and `contains` on the messages section, parsed only when some row is left.
// Row objects are built by the caller for the rows returned. The answer is exactly the rows
// compileRowFilter (row-filter.ts) accepts, which the block tests check against it.
import { matchesFields } from '../../shared/fields.js';
import { LEVEL_CODE } from '../../shared/levels.js';
import { isAscii, prefilterNeedle } from '../../shared/search.js';
import { judgeColumn } from './block-columns.js';
import { ROWS_WHOLE, type DecodedBlock } from './block.js';
import { compileMessageScan, compileSearch, payloadMayMatch, textNeedles } from './row-filter.js';
import type { LogFilter } from './store.js';

/** The indexes (ascending) of a block's rows a filter accepts. */
export type BlockSelector = (b: DecodedBlock) => number[];

const IN = 1;
const CHECK = 2;

/** Compiles a filter into a BlockSelector (see the file comment). */
export function compileBlockFilter(f: LogFilter): BlockSelector {
  const levels = f.levels?.length ? new Set(f.levels.map((l) => LEVEL_CODE[l])) : undefined;
  const sources = f.sources?.length ? new Set(f.sources) : undefined;
  const host = f.host;
  const from = f.from;
  const to = f.to;
  const search = compileSearch(f);
  const fields = f.fields?.length ? f.fields : undefined;
  // `contains` is a hint (store.ts): rows whose ASCII message lacks one of them may be left out.
  const contains = (f.contains ?? []).filter((c) => c !== '' && isAscii(c)).map(prefilterNeedle);
  const { exact } = textNeedles({ fields: f.fields });
  const scan = compileMessageScan(f);
  return (b) => {
    if (sources && !sources.has(b.source)) return [];
    // Text a matching message must hold, looked for in the messages section's bytes first: most
    // blocks a search opens fail here, before their header is read.
    const found = scan && b.hasColumns ? b.messagesMayHold(scan) : true;
    if (found === false) return [];
    let hostCode = -1;
    if (host !== undefined) {
      hostCode = b.hosts.indexOf(host);
      if (hostCode < 0) return [];
    }
    let cand: number[] = [];
    const n = b.n;
    for (let k = 0; k < n; k++) {
      if (levels && !levels.has(b.levels[k])) continue;
      if (hostCode >= 0 && b.hostOf[k] !== hostCode) continue;
      const ts = b.ts[k];
      if (from !== undefined && ts < from) continue;
      if (to !== undefined && ts >= to) continue;
      cand.push(k);
    }
    if (!cand.length) return cand;
    let state: Uint8Array | null = null;
    if (fields) {
      state = new Uint8Array(n);
      for (const k of cand) state[k] = IN;
      if (!b.hasColumns) {
        for (const k of cand) state[k] = CHECK;
      } else {
        // Irregular rows are judged by their attrs alone; the columns judge the others.
        for (const k of b.irregular) if (state[k]) state[k] = CHECK;
        let judged = b.irregular.length ? cand.filter((k) => state![k] === IN) : cand;
        for (const ff of fields) {
          const yes: number[] = [];
          const check: number[] = [];
          judgeColumn(b.column(ff.path), ff, judged, yes, check);
          const verdict = new Uint8Array(n);
          for (const k of yes) verdict[k] = IN;
          for (const k of check) verdict[k] = CHECK;
          const keep: number[] = [];
          for (const k of judged) {
            let v = verdict[k];
            if (ff.negate && v !== CHECK) v = v === IN ? 0 : IN;
            if (v === 0) state[k] = 0;
            else {
              if (v === CHECK) state[k] = CHECK;
              keep.push(k);
            }
          }
          judged = keep;
          if (!judged.length) break;
        }
        cand = cand.filter((k) => state![k] !== 0);
      }
      if (!cand.length) return cand;
    }
    if (search || contains.length) {
      // (A v1 block's whole text was checked when it was read; a v2/v3 block's messages above.)
      // Only rows whose line holds what the scan found can match: often a handful, each then
      // parsed alone (rowsAt's rule) instead of the whole section.
      if (found instanceof RegExp) {
        const holding = new Uint8Array(b.n);
        for (const k of b.linesMatching(found)) holding[k] = 1;
        cand = cand.filter((k) => holding[k] === 1);
        if (!cand.length) return cand;
      }
      const few = cand.length * ROWS_WHOLE < b.n;
      const msgs = few ? null : b.messages();
      cand = cand.filter((k) => {
        const m = msgs === null ? b.message(k) : msgs[k];
        if (contains.length && isAscii(m)) {
          const lower = m.toLowerCase();
          for (const c of contains) if (!lower.includes(c)) return false;
        }
        return !search || search(m);
      });
    }
    if (state !== null && fields) {
      const st = state;
      // A row the columns could not judge (a skipped column such as request ids, several values,
      // irregular keys) must hold each equality's value verbatim in its attrs text to match:
      // looked for in its line before anything is parsed (a v1 block's whole text was checked).
      const needles = exact.length && b.hasColumns ? { folded: [], exact } : undefined;
      cand = cand.filter((k) => {
        if (st[k] !== CHECK) return true;
        if (needles && !payloadMayMatch(b.attrsLine(k), needles)) return false;
        const a = b.attrsOf(k);
        return matchesFields(a === null ? null : JSON.parse(a), fields);
      });
    }
    return cand;
  };
}
