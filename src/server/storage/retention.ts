// Age retention that does not trust one clock reading with the whole database.
//
// The cutoff of age retention is `wall clock - maxAge`. A wall clock that jumps (a VM resumed,
// NTP stepping a clock that was days off, an operator's typo) moves the cutoff with it: three
// days forward for six seconds expired half a test database at once, although nothing was
// older than a day. Stores bound deletions by ingest time as well as by `ts`, but ingest times
// come from the same clock, so that alone cannot tell a jump from real time passing.
//
// What can: the process's monotonic clock, which never jumps, and the share of the data a
// cutoff would expire. The rules, checked before every retention pass:
//   1. A reading is *trusted* while `wall - monotonic` stays within JUMP_TOLERANCE_MS of the
//      offset it had at the last trusted reading: real time passed, so whatever ages out,
//      however much, may go (a burst imported a day ago expires in one go, rightly).
//   2. With no trusted offset (at start-up, or after a jump), a reading is trusted only if it
//      expires at most `maxShare` of the stored records and leaves the newest ingested ones
//      alone (the cutoff is not past the newest ingest time).
//   3. Otherwise age retention is refused: a warning is logged once per episode and
//      `logpipe_retention_refused_total` counts the passes. If the clock then keeps agreeing
//      with the monotonic clock for `settleMs` (default 10 minutes), the reading is real after
//      all (retention newly enabled on old data, a server down for days) and is trusted.
//   4. Size retention (`maxBytes`) does not read the clock and is never held back.
// So a jumped clock deletes at most `maxShare` at once, and a jump that returns (the case
// above) deletes nothing extra; a clock that was wrong and stays wrong is believed after
// settleMs, which no program can do better than without another source of time.
import type { RetentionOutlook, RetentionPolicy, Store } from './store.js';

/** Difference between wall and monotonic time (ms) beyond which the wall clock jumped. */
export const JUMP_TOLERANCE_MS = 60_000;

export interface RetentionGuardOptions {
  /** Age limit in ms (the `--retention` value). */
  maxAgeMs: number;
  /** Largest share (0–1) of the stored records an untrusted reading may expire (default 0.25). */
  maxShare?: number;
  /** How long an untrusted reading must stay consistent before it is trusted, ms (default 10 min). */
  settleMs?: number;
  /** Wall clock, ms since the epoch (default Date.now); tests move it. */
  wallNow?: () => number;
  /** Monotonic clock, ms (default performance.now); tests move it. */
  monoNow?: () => number;
  /** Called once per episode of refusal, with a sentence saying why. */
  warn?: (message: string) => void;
}

export interface RetentionDecision {
  /** The clock reading age retention may use now, or undefined when it must wait. */
  now: number | undefined;
  /** Why it must wait (undefined when it may go ahead). */
  refused?: string;
}

/** Decides, pass by pass, whether the wall clock may drive age retention (see the rules above). */
export class RetentionGuard {
  readonly #maxAgeMs: number;
  readonly #maxShare: number;
  readonly #settleMs: number;
  readonly #wall: () => number;
  readonly #mono: () => number;
  readonly #warn: (message: string) => void;
  /** wall - mono at the last trusted reading. */
  #trusted: number | undefined;
  /** wall - mono when the current refusal began, and the monotonic time it began. */
  #suspect: { offset: number; since: number } | undefined;
  #warned = false;
  /** Passes refused so far. */
  refusals = 0;

  constructor(opts: RetentionGuardOptions) {
    this.#maxAgeMs = opts.maxAgeMs;
    this.#maxShare = opts.maxShare ?? 0.25;
    this.#settleMs = opts.settleMs ?? 10 * 60_000;
    this.#wall = opts.wallNow ?? Date.now;
    this.#mono = opts.monoNow ?? (() => performance.now());
    this.#warn = opts.warn ?? (() => {});
  }

  /** Reads the clocks, asks the store what the cutoff would expire, and decides. */
  async decide(store: Pick<Store, 'retentionOutlook'>): Promise<RetentionDecision> {
    const wall = this.#wall();
    const mono = this.#mono();
    const offset = wall - mono;
    let jumped = '';
    if (this.#trusted !== undefined) {
      const jump = offset - this.#trusted;
      if (Math.abs(jump) <= JUMP_TOLERANCE_MS) {
        this.#trusted = offset;
        return { now: wall };
      }
      // Not refused yet: a small step (NTP) that expires little is trusted again below.
      this.#trusted = undefined;
      jumped = `the wall clock jumped ${jump > 0 ? 'forward' : 'back'} by ${formatMs(Math.abs(jump))} against the monotonic clock, `;
    }
    const cutoff = wall - this.#maxAgeMs;
    const outlook = await store.retentionOutlook(cutoff);
    const why = this.#implausible(outlook, cutoff);
    if (!why) return this.#trust(offset, wall);
    if (this.#suspect && Math.abs(offset - this.#suspect.offset) <= JUMP_TOLERANCE_MS && mono - this.#suspect.since >= this.#settleMs) {
      this.#warn(`Retention by age trusts the clock again (${new Date(wall).toISOString()}): it has agreed with the monotonic clock for ${formatMs(mono - this.#suspect.since)}; deleting what is older than ${new Date(cutoff).toISOString()}.`);
      return this.#trust(offset, wall);
    }
    return this.#refuse(offset, mono, `${jumped}the clock reads ${new Date(wall).toISOString()}, and ${why}`);
  }

  /** Why a reading without a trusted offset is not plausible, or undefined when it is. */
  #implausible(o: RetentionOutlook, cutoff: number): string | undefined {
    if (o.rows === 0 || o.expiring === 0) return undefined;
    if (o.newestIngestAt !== undefined && cutoff > o.newestIngestAt) {
      return `the cutoff ${new Date(cutoff).toISOString()} is past the newest ingest time stored (${new Date(o.newestIngestAt).toISOString()}): every record would be deleted`;
    }
    if (o.expiring > this.#maxShare * o.rows) {
      return `the cutoff ${new Date(cutoff).toISOString()} would delete about ${o.expiring} of ${o.rows} records (${Math.round((100 * o.expiring) / o.rows)}%, more than ${Math.round(this.#maxShare * 100)}% at once)`;
    }
    return undefined;
  }

  #trust(offset: number, wall: number): RetentionDecision {
    this.#trusted = offset;
    this.#suspect = undefined;
    this.#warned = false;
    return { now: wall };
  }

  #refuse(offset: number, mono: number, why: string): RetentionDecision {
    // A new episode when the clock moved again (it came back, or jumped elsewhere).
    if (!this.#suspect || Math.abs(offset - this.#suspect.offset) > JUMP_TOLERANCE_MS) {
      this.#suspect = { offset, since: mono };
      this.#warned = false;
    }
    this.refusals++;
    const message = `Retention by age is paused: ${why}. Nothing is deleted by age until the clock has agreed with the monotonic clock for ${formatMs(this.#settleMs)} (size retention goes on).`;
    if (!this.#warned) {
      this.#warned = true;
      this.#warn(message);
    }
    return { now: undefined, refused: message };
  }
}

function formatMs(ms: number): string {
  if (ms >= 86_400_000) return `${(ms / 86_400_000).toFixed(1)} d`;
  if (ms >= 3_600_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  if (ms >= 60_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * One retention pass under the guard: age retention with the guard's clock reading when it
 * allows it, size retention always. Resolves to the rows deleted (0 = nothing left to do now).
 */
export async function enforceGuardedRetention(store: Store, policy: RetentionPolicy, guard: RetentionGuard | undefined, chunk: number): Promise<number> {
  if (!policy.maxAgeMs || !guard) return store.enforceRetention(policy, chunk);
  const d = await guard.decide(store);
  if (d.now === undefined) return policy.maxBytes ? store.enforceRetention({ maxBytes: policy.maxBytes }, chunk) : 0;
  return store.enforceRetention({ ...policy, now: d.now }, chunk);
}
