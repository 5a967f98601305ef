// The one retry delay of the project: exponential backoff with "full jitter" (AWS Architecture
// Blog, "Exponential Backoff and Jitter"): a uniformly random delay below min(cap, base·2^attempt).
// Used by the collector's shipper, the PostgreSQL LISTEN connection and the dashboard's live
// tail, so many clients that lost the same server do not come back in lockstep.

/** How a retry loop backs off. */
export interface Backoff {
  /** Ceiling of the first retry's delay (attempt 0). */
  baseMs: number;
  /** Largest ceiling, however many attempts failed. */
  capMs: number;
}

/** The delay before retry number `attempt` (0 for the first): random in [0, min(cap, base·2^attempt)). */
export function backoffDelay(attempt: number, b: Backoff, random: () => number = Math.random): number {
  const ceiling = Math.min(b.capMs, b.baseMs * 2 ** Math.min(Math.max(0, attempt), 30));
  return random() * ceiling;
}
