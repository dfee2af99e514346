// A tenant's submissions-per-second limit as a token bucket kept in one number, so that every
// gateway replica shares it through one conditional update of one document (GCRA, the
// "generic cell rate algorithm"): `fullAt`, the moment the bucket will be full again. The
// bucket holds `burst` tokens and gains one every 1000 / rate ms; at time `now` it holds
// burst - max(0, fullAt - now) / interval tokens. Taking n tokens moves fullAt to
// max(fullAt, now) + n * interval, allowed while that is at most now + burst * interval.
//
// Since max() cannot be written as one MongoDB update without a pipeline (the local stand-in
// has none), a take is one of two conditional steps, each a single `$inc` or `$set`:
//   drain  — the bucket is not full (fullAt > now): $inc fullAt by n * interval,
//   refill — the bucket is full (fullAt <= now): $set fullAt to now + n * interval.
// The store runs the step it is given as the filter of one update; exactly one can match.
// Replicas compare their own clocks through fullAt: a skew of d ms between two of them lets
// about d x rate tokens more (or fewer) through, nothing for NTP-synchronised hosts.
// Pure: no clock, no I/O; unit-tested in token-bucket.test.ts.

export interface RatePolicy {
  /** Tokens gained per second (> 0). */
  submitsPerSecond: number;
  /** Tokens the bucket holds: how many submissions may come at once (>= 1). */
  burst: number;
}

/** One conditional step of a take, in the store's terms (epoch ms). */
export interface BucketStep {
  /** Match only when fullAt is above this (drain) ... */
  fullAtAbove?: number;
  /** ... and at most this. */
  fullAtAtMost: number;
  /** refill: the new fullAt. */
  setFullAt?: number;
  /** drain: added to fullAt. */
  incFullAt?: number;
}

export function intervalMs(p: RatePolicy): number {
  return 1000 / p.submitsPerSecond;
}

/** The two steps that take `n` tokens at `now`, the likelier first (`lastFullAt`: what this replica saw last); none when n > burst. */
export function takeSteps(p: RatePolicy, n: number, now: number, lastFullAt = 0): BucketStep[] {
  // More than the bucket holds never fits, however long one waits.
  if (n > p.burst) return [];
  const t = intervalMs(p);
  const drain: BucketStep = { fullAtAbove: now, fullAtAtMost: now + (p.burst - n) * t, incFullAt: n * t };
  const refill: BucketStep = { fullAtAtMost: now, setFullAt: now + n * t };
  return lastFullAt > now ? [drain, refill] : [refill, drain];
}

/** The state a step leaves (what the store's update does), for fakes and checks. */
export function applyStep(fullAt: number, step: BucketStep): number | null {
  if (step.fullAtAbove !== undefined && !(fullAt > step.fullAtAbove)) return null;
  if (!(fullAt <= step.fullAtAtMost)) return null;
  return step.setFullAt ?? fullAt + (step.incFullAt ?? 0);
}

/** Whole tokens in the bucket at `now`. */
export function available(p: RatePolicy, fullAt: number, now: number): number {
  return Math.max(0, Math.floor(p.burst - Math.max(0, fullAt - now) / intervalMs(p) + 1e-9));
}

/** How long until `n` tokens are there (0: now). Never for n > burst; callers refuse that first. */
export function waitForTokensMs(p: RatePolicy, fullAt: number, n: number, now: number): number {
  const t = intervalMs(p);
  return Math.max(0, Math.max(fullAt, now) + n * t - (now + p.burst * t));
}
