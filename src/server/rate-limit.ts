// Per-client token bucket: `rate` requests per second, bursts up to twice that.
export class RateLimiter {
  #buckets = new Map<string, { tokens: number; at: number }>();
  #rate: number;
  #lastSweep = Date.now();

  constructor(rate: number) {
    this.#rate = rate;
  }

  /** Takes one token for `key`; returns 0 when allowed, else the seconds to wait. */
  take(key: string): number {
    const now = Date.now();
    if (now - this.#lastSweep > 60_000) this.#sweep(now);
    const cap = this.#rate * 2;
    let b = this.#buckets.get(key);
    if (!b) {
      b = { tokens: cap, at: now };
      this.#buckets.set(key, b);
    }
    b.tokens = Math.min(cap, b.tokens + ((now - b.at) / 1000) * this.#rate);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.#rate));
  }

  #sweep(now: number): void {
    this.#lastSweep = now;
    for (const [k, b] of this.#buckets) if (now - b.at > 60_000) this.#buckets.delete(k);
  }
}
