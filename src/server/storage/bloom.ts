// A Bloom filter over strings: the per-block summary that lets a query skip a compressed block
// without decompressing it (VictoriaLogs keeps one per block for the same reason). A "no" is
// certain, a "maybe" is wrong about 0.5% of the time at BITS_PER_ITEM = 12 and HASHES = 8; the
// query always re-checks the rows of a block it opens, so a false "maybe" costs time, never
// a wrong answer. Sized per block from the number of distinct items it holds.

/**
 * Bits per distinct item: 12 gives ~0.5% false positives with 8 hashes. Measured at 1M lines
 * (docs/benchmarks.md): with 8 bits and 5 hashes (~2%) a rare word opened 30 blocks of which
 * ~20 were false "maybe"s, each ~3 ms of CPU to decompress; the 50% larger filters cost about
 * 0.02x of the text.
 */
export const BITS_PER_ITEM = 12;
export const HASHES = 8;

/**
 * Two independent 32-bit hashes of a string (FNV-1a and a multiplicative variant), for double
 * hashing. block-tokens.ts does the same steps over a message's characters without cutting the
 * token out (its test checks that both agree): change them together.
 */
function hash2(s: string): [number, number] {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  return finish(h1, h2);
}

/** Builds the filter bytes for a set of items (an empty set gives an empty filter that answers "no"). */
export function buildBloom(items: Iterable<string>, count: number): Uint8Array {
  const out = emptyBloom(count);
  for (const s of items) {
    const [h1, h2] = hash2(s);
    addToBloom(out, h1, h2);
  }
  return out;
}

/**
 * An all-zero filter sized for `count` distinct items, to be filled with addToBloom (the block
 * encoder adds items it hashed itself, block-tokens.ts). Filled with the same items it is
 * byte for byte what buildBloom makes.
 */
export function emptyBloom(count: number): Uint8Array {
  if (count === 0) return new Uint8Array(0);
  return new Uint8Array(Math.max(64, Math.ceil((count * BITS_PER_ITEM) / 8) * 8) / 8);
}

/** Adds one item, given by its two hashes (hash2, or the same steps done by the caller), to a filter from emptyBloom. */
export function addToBloom(out: Uint8Array, h1: number, h2: number): void {
  const bits = out.length * 8;
  for (let i = 0; i < HASHES; i++) {
    const bit = ((h1 + Math.imul(i, h2)) >>> 0) % bits;
    out[bit >>> 3] |= 1 << (bit & 7);
  }
}

/** hash2 of an item as a pair of 32-bit numbers (for callers that keep them in typed arrays). */
export function itemHashes(s: string): [number, number] {
  return hash2(s);
}

/** hash2's state after the characters of a prefix, before its final mixing (hashAfter continues from it). */
export interface HashState {
  h1: number;
  h2: number;
}

/** The state of hash2 after `prefix`: items sharing it (a field path's values) hash only their rest. */
export function hashPrefix(prefix: string): HashState {
  return step({ h1: 0x811c9dc5, h2: 0x9747b28c }, prefix);
}

/** hash2(prefix + rest), given hashPrefix(prefix). */
export function hashAfter(state: HashState, rest: string): [number, number] {
  const { h1, h2 } = step({ h1: state.h1, h2: state.h2 }, rest);
  return finish(h1, h2);
}

function step(st: HashState, s: string): HashState {
  let { h1, h2 } = st;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  st.h1 = h1;
  st.h2 = h2;
  return st;
}

/** The final avalanche, so that items differing only in their last characters spread over the bits. */
function finish(h1: number, h2: number): [number, number] {
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h2 ^= h2 >>> 16;
  h2 = Math.imul(h2, 0xc2b2ae35);
  h2 ^= h2 >>> 13;
  return [h1 >>> 0, (h2 | 1) >>> 0];
}

/**
 * Distinct Bloom items kept as their two hashes, for a filter whose size is known only once all
 * are in (the block encoder's field paths and values). Two items with the same hashes set the
 * same bits, so keeping one of them changes no answer of the filter; it would change its size
 * only if two different items had the same 64 bits of hash.
 */
export class BloomItems {
  size = 0;
  #h1 = new Int32Array(256);
  #h2 = new Int32Array(256);
  #slots = new Int32Array(512);

  add(h1: number, h2: number): void {
    const mask = this.#slots.length - 1;
    let at = h1 & mask;
    for (let s = this.#slots[at]; s !== 0; s = this.#slots[at]) {
      if (this.#h1[s - 1] === (h1 | 0) && this.#h2[s - 1] === (h2 | 0)) return;
      at = (at + 1) & mask;
    }
    const e = this.size++;
    if (e === this.#h1.length) {
      const h1s = new Int32Array(e * 2);
      const h2s = new Int32Array(e * 2);
      h1s.set(this.#h1);
      h2s.set(this.#h2);
      this.#h1 = h1s;
      this.#h2 = h2s;
    }
    this.#h1[e] = h1;
    this.#h2[e] = h2;
    this.#slots[at] = e + 1;
    if (this.size * 2 > this.#slots.length) {
      const slots = new Int32Array(this.#slots.length * 2);
      const m = slots.length - 1;
      for (let k = 0; k < this.size; k++) {
        let a = this.#h1[k] & m;
        while (slots[a] !== 0) a = (a + 1) & m;
        slots[a] = k + 1;
      }
      this.#slots = slots;
    }
  }

  /** Adds an item by its text. */
  addText(s: string): void {
    const [h1, h2] = hash2(s);
    this.add(h1, h2);
  }

  /** Sets the bits of every item in a filter from emptyBloom. */
  fill(out: Uint8Array): void {
    for (let e = 0; e < this.size; e++) addToBloom(out, this.#h1[e] >>> 0, this.#h2[e] >>> 0);
  }
}

/** A query-side item: its hashes computed once, then checked against many blocks. */
export interface BloomProbe {
  h1: number;
  h2: number;
}

export function bloomProbe(s: string): BloomProbe {
  const [h1, h2] = hash2(s);
  return { h1, h2 };
}

/** Whether the filter may hold the item (false: it certainly does not). */
export function bloomHas(filter: Uint8Array, p: BloomProbe): boolean {
  const bits = filter.length * 8;
  if (bits === 0) return false;
  for (let i = 0; i < HASHES; i++) {
    const bit = ((p.h1 + Math.imul(i, p.h2)) >>> 0) % bits;
    if ((filter[bit >>> 3] & (1 << (bit & 7))) === 0) return false;
  }
  return true;
}
