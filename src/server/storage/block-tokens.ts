// The distinct message tokens of a block, counted per row and hashed for its Bloom filter,
// without cutting each token out as a string (block.ts encodeBlock).
//
// Why: the encoder used to tokenize each message into an array of strings (shared/search.ts
// tokenize: case folding, a regex) and look every token up in a Map, which was about two fifths
// of a block's encoding time and so the largest single cost of ingest (docs/benchmarks.md,
// "Ingest rate: blocks written from the batch"). For an ASCII message (nearly all log lines)
// the tokens are exactly the runs of [A-Za-z0-9], lower-cased: this walks the characters once,
// computes the Bloom filter's two hashes of each lower-cased token as it goes (the steps of
// bloom.ts hash2), and finds the token in an open-addressing table by those hashes, comparing
// its characters with the first occurrence to be exact. A message with any other character
// goes through tokenize() as before (its tokens are then strings, hashed by bloom.ts), so both
// kinds meet in the same table. The result is what the Map gave: each distinct token once, with
// the rows that hold it; the strings of only the few frequent tokens are ever made (terms).
import { isAscii, tokenize } from '../../shared/search.js';
import { itemHashes } from './bloom.js';

const INITIAL_SLOTS = 4096;

/** Distinct tokens of a block's messages (see the file comment). */
export class BlockTokens {
  /** Distinct tokens so far; token e is 0 … size - 1. */
  size = 0;
  /** Per token: its two Bloom hashes (as bloom.ts hash2 returns them, stored as int32). */
  h1 = new Int32Array(1024);
  h2 = new Int32Array(1024);
  /** Per token: rows holding it. */
  rows = new Int32Array(1024);
  #last = new Int32Array(1024);
  /** Per token: where its first occurrence is (the text, a message or a folded token, and the place in it). */
  #src: string[] = [];
  #start = new Int32Array(1024);
  #len = new Int32Array(1024);
  #slots = new Int32Array(INITIAL_SLOTS);
  #mask = INITIAL_SLOTS - 1;
  /** The tokens of each row, each once (row k's are #rowTok[#rowEnd[k - 1] … #rowEnd[k])). */
  #rowTok = new Int32Array(16384);
  #rowEnd: Int32Array;
  #used = 0;
  #row = -1;

  constructor(rows: number) {
    this.#rowEnd = new Int32Array(rows);
  }

  /** Adds row k's message (rows in order 0, 1, …). */
  add(k: number, message: string): void {
    this.#row = k;
    if (isAscii(message)) this.#addAscii(message);
    else for (const t of tokenize(message)) this.#addString(t);
    this.#rowEnd[k] = this.#used;
  }

  /** The tokens of every row, each once per row: row k's are at [rowEnd(k - 1), rowEnd(k)) (indexes into the per-token arrays). */
  get rowTokens(): Int32Array {
    return this.#rowTok;
  }

  /** Where row k's tokens end in rowTokens. */
  rowEnd(k: number): number {
    return this.#rowEnd[k];
  }

  /** Token e's text (case-folded, as tokenize() gives it). */
  text(e: number): string {
    const s = this.#src[e];
    const a = this.#start[e];
    return s.slice(a, a + this.#len[e]).toLowerCase();
  }

  #addAscii(m: string): void {
    const n = m.length;
    let i = 0;
    while (i < n) {
      let c = m.charCodeAt(i);
      // Skip to the next letter or digit.
      if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90))) {
        i++;
        continue;
      }
      const start = i;
      // bloom.ts hash2, over the lower-cased characters.
      let h1 = 0x811c9dc5;
      let h2 = 0x9747b28c;
      do {
        if (c <= 90 && c >= 65) c += 32;
        h1 = Math.imul(h1 ^ c, 0x01000193);
        h2 = Math.imul(h2 ^ c, 0x5bd1e995);
        h2 ^= h2 >>> 15;
        if (++i === n) break;
        c = m.charCodeAt(i);
      } while ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90));
      h1 ^= h1 >>> 16;
      h1 = Math.imul(h1, 0x85ebca6b);
      h1 ^= h1 >>> 13;
      h2 ^= h2 >>> 16;
      h2 = Math.imul(h2, 0xc2b2ae35);
      h2 ^= h2 >>> 13;
      this.#put(m, start, i - start, h1 | 0, (h2 | 1) | 0);
    }
  }

  #addString(t: string): void {
    const [h1, h2] = itemHashes(t);
    this.#put(t, 0, t.length, h1 | 0, h2 | 0);
  }

  /** Counts the token at text[start, start + len) (hashes h1, h2) for the current row. */
  #put(text: string, start: number, len: number, h1: number, h2: number): void {
    const mask = this.#mask;
    let at = h1 & mask;
    for (;;) {
      const s = this.#slots[at];
      if (s === 0) break;
      const e = s - 1;
      if (this.h1[e] === h1 && this.h2[e] === h2 && this.#same(e, text, start, len)) {
        if (this.#last[e] !== this.#row) {
          this.#last[e] = this.#row;
          this.rows[e]++;
          this.#push(e);
        }
        return;
      }
      at = (at + 1) & mask;
    }
    const e = this.size++;
    if (e === this.h1.length) this.#grow();
    this.h1[e] = h1;
    this.h2[e] = h2;
    this.rows[e] = 1;
    this.#last[e] = this.#row;
    this.#src[e] = text;
    this.#start[e] = start;
    this.#len[e] = len;
    this.#slots[at] = e + 1;
    this.#push(e);
    if (this.size * 2 > this.#slots.length) this.#rehash();
  }

  /** Whether token e is the text at [start, start + len), ignoring ASCII case (folded tokens hold no upper-case ASCII). */
  #same(e: number, text: string, start: number, len: number): boolean {
    if (this.#len[e] !== len) return false;
    const s = this.#src[e];
    const a = this.#start[e];
    for (let j = 0; j < len; j++) {
      let x = s.charCodeAt(a + j);
      let y = text.charCodeAt(start + j);
      if (x === y) continue;
      if (x <= 90 && x >= 65) x += 32;
      if (y <= 90 && y >= 65) y += 32;
      if (x !== y) return false;
    }
    return true;
  }

  #push(e: number): void {
    if (this.#used === this.#rowTok.length) {
      const bigger = new Int32Array(this.#rowTok.length * 2);
      bigger.set(this.#rowTok);
      this.#rowTok = bigger;
    }
    this.#rowTok[this.#used++] = e;
  }

  #grow(): void {
    const cap = this.h1.length * 2;
    const more = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.h1 = more(this.h1);
    this.h2 = more(this.h2);
    this.rows = more(this.rows);
    this.#last = more(this.#last);
    this.#start = more(this.#start);
    this.#len = more(this.#len);
  }

  #rehash(): void {
    const slots = new Int32Array(this.#slots.length * 2);
    const mask = slots.length - 1;
    for (let e = 0; e < this.size; e++) {
      let at = this.h1[e] & mask;
      while (slots[at] !== 0) at = (at + 1) & mask;
      slots[at] = e + 1;
    }
    this.#slots = slots;
    this.#mask = mask;
  }
}
