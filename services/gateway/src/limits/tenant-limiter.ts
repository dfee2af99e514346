// The two limits a tenant's new work must pass before anything is written: submissions per
// second (a token bucket with a burst, token-bucket.ts) and tasks waiting (unfinished:
// pending, queued, delayed or running). Both are shared by every gateway replica through the
// tenant's document in the store (libs/store tenant-limits.ts); a refusal is a 429 with
// Retry-After whose message names the limit, the tenant's value and what to do.
//
// Cost per submission. Far from its limits, a replica takes a lease of k tokens and k waiting
// slots in one conditional update and serves the next k - 1 submissions from memory (k is 50
// ms of the tenant's rate and a tenth of what is left of either limit, 1..100), so the default
// limits cost about one MongoDB round trip per 50 submissions under load. Near a limit k is 1:
// every submission is one round trip and the limits are exact. Leased tokens not used within
// their lease (k intervals) are dropped, never handed out later, so the shared rate is never
// exceeded by more than one lease per replica; leased slots not used are given back. A tenant
// with neither limit costs nothing but a read of its overrides every POLICY_TTL_MS.
//
// The waiting count is an estimate kept by these reservations and never by a task's finish
// (which would cost a write per task): it errs high (a crash between a reservation and its
// task leaves one too many), and when it would refuse, one replica recounts the tenant's
// unfinished tasks (one count query, at most every `recountMs` per tenant) before deciding, so
// drift heals exactly when it would matter and costs nothing before. While a tenant's waiting
// is unlimited nothing keeps the estimate, so its takes mark it stale (countedAt 0) and the
// first submission under a limit again counts first.
import { TASK_STATUSES, TERMINAL_STATUSES, type TaskStatus } from '@loom/contracts';
import type { TenantLimitOverrides, TenantLimitRecord, TenantLimitTake } from '@loom/store';
import { LimitTooLowError, TooManyWaitingTasksError, SubmitRateLimitedError } from '../http/errors';
import { available, intervalMs, takeSteps, waitForTokensMs, type RatePolicy } from './token-bucket';

/** A tenant's effective limits; 0 switches a limit off. */
export interface TenantLimitPolicy {
  submitsPerSecond: number;
  burst: number;
  maxWaiting: number;
}

/** The deployment's defaults (env TENANT_*), used for every field a tenant does not override. */
export interface TenantLimitDefaults {
  submitsPerSecond: number;
  /** The default burst, in seconds of the tenant's rate (burst = ceil(rate * burstSeconds)). */
  burstSeconds: number;
  maxWaiting: number;
  /** Least time between two recounts of one tenant's waiting tasks. */
  recountMs: number;
}

/** What the limiter needs of the store (a fake stands in for unit tests). */
export interface TenantLimitsPort {
  read(tenantId: string): Promise<TenantLimitRecord>;
  take(tenantId: string, t: TenantLimitTake): Promise<TenantLimitRecord | null>;
  giveBack(tenantId: string, slots: number, epoch: number): Promise<void>;
  claimRecount(tenantId: string, now: number, countedBefore: number): Promise<TenantLimitRecord | null>;
  finishRecount(tenantId: string, estimateAtClaim: number, counted: number): Promise<TenantLimitRecord | null>;
}

export interface TenantLimiterDeps {
  limits: TenantLimitsPort;
  /** The tenant's unfinished tasks, counted in the tasks collection (only for a recount). */
  countWaiting(tenantId: string): Promise<number>;
  defaults: TenantLimitDefaults;
  now?: () => number;
  /** Fire-and-forget writes (giving back slots) that failed: logged, never thrown at a request. */
  onBackgroundError?: (err: unknown) => void;
  /** A 429 (a metric). */
  onRefused?: (limit: 'submitsPerSecond' | 'maxWaiting', tenantId: string) => void;
}

/** A passed check. `release()` when the submission was not created after all (refused, a replay): its slots come back. */
export interface SubmitTicket {
  release(): void;
}

/** The statuses that count as waiting: every one that is not terminal (pending, queued, delayed, running). */
export const WAITING_STATUSES: readonly TaskStatus[] = TASK_STATUSES.filter((s) => !TERMINAL_STATUSES.includes(s));

/** How long a tenant's overrides are trusted when no take refreshed them (tenants without limits). */
export const POLICY_TTL_MS = 5_000;
const MAX_LEASE = 100;
/** Tenants remembered per replica before idle ones are forgotten (each costs a read when it comes back). */
const MAX_REMEMBERED = 10_000;
/** A lease covers this much of the tenant's rate. */
const LEASE_SECONDS = 0.05;

export function resolvePolicy(defaults: TenantLimitDefaults, o: TenantLimitOverrides = {}): TenantLimitPolicy {
  const submitsPerSecond = o.submitsPerSecond ?? defaults.submitsPerSecond;
  return {
    submitsPerSecond,
    burst: o.burst ?? Math.max(1, Math.ceil(submitsPerSecond * defaults.burstSeconds)),
    maxWaiting: o.maxWaiting ?? defaults.maxWaiting,
  };
}

interface Lease {
  tokens: number;
  slots: number;
  until: number;
  epoch: number;
  /** Whether its slots were reserved in the shared estimate (waiting limited). */
  tracked: boolean;
}

interface TenantEntry {
  doc?: TenantLimitRecord;
  seenAt: number;
  lease?: Lease;
  inflight?: Promise<void>;
  /** A read of the document under way: concurrent first submissions share it. */
  reading?: Promise<void>;
  /** A recount of a stale estimate under way: concurrent submissions wait for it. */
  counting?: Promise<void>;
}

const NOOP_TICKET: SubmitTicket = { release() {} };

export function createTenantLimiter({ limits, countWaiting, defaults, now = Date.now, onBackgroundError = () => undefined, onRefused = () => undefined }: TenantLimiterDeps) {
  const tenants = new Map<string, TenantEntry>();
  const background = (p: Promise<unknown>) => void p.catch(onBackgroundError);

  const entryOf = (tenantId: string): TenantEntry => {
    let e = tenants.get(tenantId);
    if (!e) {
      if (tenants.size >= MAX_REMEMBERED) forgetIdle();
      tenants.set(tenantId, (e = { seenAt: -Infinity }));
    }
    return e;
  };
  /** Drops tenants with nothing under way that were not seen for a policy TTL (their leases have ended). */
  const forgetIdle = () => {
    const before = now() - POLICY_TTL_MS;
    for (const [id, e] of tenants) if (e.seenAt < before && !e.inflight && !e.reading && !e.counting && !e.lease) tenants.delete(id);
  };
  const policyOf = (e: TenantEntry) => resolvePolicy(defaults, e.doc?.limits);
  const rateOf = (p: TenantLimitPolicy): RatePolicy | undefined => (p.submitsPerSecond > 0 ? { submitsPerSecond: p.submitsPerSecond, burst: p.burst } : undefined);
  const seen = (e: TenantEntry, doc: TenantLimitRecord | null) => {
    if (!doc) return;
    e.doc = doc;
    e.seenAt = now();
  };

  /** Unused slots of a lease go back to the shared estimate (unless a recount dropped them already). */
  function endLease(tenantId: string, e: TenantEntry, lease: Lease | undefined) {
    if (!lease) return;
    if (e.lease === lease) e.lease = undefined;
    if (lease.tracked && lease.slots > 0) background(limits.giveBack(tenantId, lease.slots, lease.epoch));
    lease.slots = 0;
    lease.tokens = 0;
  }

  function fromLease(tenantId: string, e: TenantEntry): SubmitTicket | undefined {
    const lease = e.lease;
    if (!lease) return undefined;
    if (now() >= lease.until) {
      endLease(tenantId, e, lease);
      return undefined;
    }
    if (lease.tokens < 1 || lease.slots < 1) return undefined;
    lease.tokens -= 1;
    lease.slots -= 1;
    return ticketOf(tenantId, e, lease, 1);
  }

  function ticketOf(tenantId: string, e: TenantEntry, lease: Lease, slots: number): SubmitTicket {
    if (!lease.tracked) return NOOP_TICKET;
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        // Still leased: the slot can serve this replica's next submission. Else it goes back.
        if (e.lease === lease && now() < lease.until) lease.slots += slots;
        else background(limits.giveBack(tenantId, slots, lease.epoch));
      },
    };
  }

  /** The lease size for the next take, from what this replica last saw of the tenant. */
  function leaseSize(p: TenantLimitPolicy, doc: TenantLimitRecord | undefined, at: number): number {
    let k = MAX_LEASE;
    const rate = rateOf(p);
    if (rate) k = Math.min(k, Math.floor(rate.submitsPerSecond * LEASE_SECONDS), Math.floor(available(rate, doc?.fullAt ?? 0, at) / 10));
    if (p.maxWaiting > 0) k = Math.min(k, Math.floor((p.maxWaiting - (doc?.waiting ?? 0)) / 10));
    return Math.max(1, k);
  }

  function takeOf(p: TenantLimitPolicy, n: number, at: number, lastFullAt: number): TenantLimitTake[] {
    const waiting = p.maxWaiting > 0 ? { reserve: n, waitingAtMost: p.maxWaiting - n } : { reserve: 0, staleCount: true };
    const rate = rateOf(p);
    if (!rate) return [waiting];
    return takeSteps(rate, n, at, lastFullAt).map((bucket) => ({ bucket, ...waiting }));
  }

  /** Recounts the tenant's waiting tasks when the last count is older than `countedBefore`; false when another did it recently. */
  async function recount(tenantId: string, e: TenantEntry, countedBefore: number): Promise<boolean> {
    const claimed = await limits.claimRecount(tenantId, now(), countedBefore);
    if (!claimed) return false;
    // Slots leased before the claim are dropped by the count; a later give-back must not drop them twice.
    if (e.lease) e.lease.tracked = false;
    seen(e, await limits.finishRecount(tenantId, claimed.waiting, await countWaiting(tenantId)));
    return true;
  }

  /** Refreshes what this replica knows of the tenant when it is old; counts its waiting tasks when the estimate is stale. */
  async function refresh(tenantId: string, e: TenantEntry): Promise<void> {
    if (!e.doc || now() - e.seenAt >= POLICY_TTL_MS) {
      e.reading ??= limits
        .read(tenantId)
        .then((doc) => seen(e, doc))
        .finally(() => (e.reading = undefined));
      await e.reading;
    }
    const p = policyOf(e);
    if (p.maxWaiting > 0) {
      // Never counted, or marked stale (limits changed, or waiting was unlimited): count first.
      if (e.doc!.countedAt === 0) {
        e.counting ??= recount(tenantId, e, 1)
          .then(() => undefined)
          .finally(() => (e.counting = undefined));
        await e.counting;
      }
    } else if (p.submitsPerSecond <= 0 && e.doc!.countedAt !== 0) {
      // No limit at all: nothing will be taken, so mark the estimate stale once now.
      seen(e, await limits.take(tenantId, { reserve: 0, staleCount: true }));
    }
  }

  /**
   * Takes `n` tokens and slots with one conditional update (two when the bucket's step was
   * mispredicted); on a refusal, recounts the waiting tasks once if allowed and tries again,
   * then throws the 429 naming the limit.
   */
  async function takeShared(tenantId: string, e: TenantEntry, n: number, k: number): Promise<Lease> {
    let recounted = false;
    for (let round = 0; round < 4; round++) {
      const p = policyOf(e);
      const at = now();
      for (const size of k > n ? [k, n] : [n]) {
        for (const t of takeOf(p, size, at, e.doc?.fullAt ?? 0)) {
          const doc = await limits.take(tenantId, t);
          if (!doc) continue;
          seen(e, doc);
          const rate = rateOf(p);
          return { tokens: size, slots: size, until: at + (rate ? size * intervalMs(rate) : 50), epoch: doc.epoch, tracked: p.maxWaiting > 0 };
        }
      }
      // Refused: find out by which limit, from the document as it is now.
      seen(e, await limits.read(tenantId));
      const doc = e.doc!;
      const q = policyOf(e);
      const t = now();
      const waitingFull = q.maxWaiting > 0 && doc.waiting + n > q.maxWaiting;
      if (waitingFull && !recounted) {
        recounted = true;
        if (await recount(tenantId, e, t - defaults.recountMs + 1)) continue;
      }
      const rate = rateOf(q);
      const rateMs = rate ? waitForTokensMs(rate, doc.fullAt, n, t) : 0;
      if (waitingFull) {
        const untilRecount = Math.max(0, doc.countedAt + defaults.recountMs - t);
        onRefused('maxWaiting', tenantId);
        throw new TooManyWaitingTasksError(tenantId, q.maxWaiting, doc.waiting, seconds(Math.max(untilRecount, rateMs)));
      }
      if (rateMs > 0) {
        onRefused('submitsPerSecond', tenantId);
        throw new SubmitRateLimitedError(tenantId, q.submitsPerSecond, q.burst, seconds(rateMs));
      }
      // Neither limit refuses now (the state moved between the take and the read): try again.
    }
    const q = policyOf(e);
    onRefused('submitsPerSecond', tenantId);
    throw new SubmitRateLimitedError(tenantId, q.submitsPerSecond, q.burst, 1);
  }

  /** Refuses at once what no wait could ever let through (a batch larger than a limit). */
  function refuseImpossible(tenantId: string, p: TenantLimitPolicy, n: number) {
    if (p.submitsPerSecond > 0 && n > p.burst) {
      throw new LimitTooLowError(`${n} tasks in one request exceed tenant ${tenantId}'s burst of ${p.burst} submissions (submitsPerSecond ${p.submitsPerSecond}): send at most ${p.burst} at once, or ask an operator to raise burst`, { limit: 'burst', burst: p.burst, requested: n });
    }
    if (p.maxWaiting > 0 && n > p.maxWaiting) {
      throw new LimitTooLowError(`${n} tasks in one request exceed tenant ${tenantId}'s limit of ${p.maxWaiting} waiting tasks (maxWaiting): send at most ${p.maxWaiting} at once, or ask an operator to raise maxWaiting`, { limit: 'maxWaiting', maxWaiting: p.maxWaiting, requested: n });
    }
  }

  return {
    /**
     * Admits `n` new tasks of the tenant (a submission, a batch's items, a manual retry), or
     * throws 429 (SUBMIT_RATE_LIMITED, TOO_MANY_WAITING_TASKS) with `retryAfterSeconds`, or 422
     * (LIMIT_TOO_LOW) when no wait would help. Nothing of the tenant's work is written here.
     */
    async acquire(tenantId: string, n = 1): Promise<SubmitTicket> {
      const e = entryOf(tenantId);
      if (n === 1) {
        const local = fromLease(tenantId, e);
        if (local) return local;
      }
      await refresh(tenantId, e);
      const p = policyOf(e);
      if (p.submitsPerSecond <= 0 && p.maxWaiting <= 0) return NOOP_TICKET;
      refuseImpossible(tenantId, p, n);
      if (n > 1) {
        const lease = await takeShared(tenantId, e, n, n);
        return ticketOf(tenantId, e, lease, n);
      }
      // One take at a time per tenant in this replica: concurrent submissions share its lease.
      for (;;) {
        const local = fromLease(tenantId, e);
        if (local) return local;
        if (!e.inflight) break;
        await e.inflight;
      }
      let lease!: Lease;
      const taking = takeShared(tenantId, e, 1, leaseSize(p, e.doc, now())).then((l) => {
        lease = l;
      });
      e.inflight = taking.catch(() => undefined);
      try {
        await taking;
      } finally {
        e.inflight = undefined;
      }
      lease.tokens -= 1;
      lease.slots -= 1;
      if (lease.tokens > 0) {
        endLease(tenantId, e, e.lease);
        e.lease = lease;
        const until = lease.until - now();
        // Slots left unused when the lease ends go back without waiting for the next submission.
        setTimeout(() => e.lease === lease && endLease(tenantId, e, lease), Math.max(0, until)).unref();
      }
      return ticketOf(tenantId, e, lease, 1);
    },

    /** The tenant's effective limits, for the admin and account endpoints. */
    policy(overrides?: TenantLimitOverrides): TenantLimitPolicy {
      return resolvePolicy(defaults, overrides);
    },

    /** Forgets what this replica knows of a tenant (its overrides changed here). */
    forget(tenantId: string): void {
      const e = tenants.get(tenantId);
      if (e) endLease(tenantId, e, e.lease);
      tenants.delete(tenantId);
    },
  };
}

export type TenantLimiter = ReturnType<typeof createTenantLimiter>;

/** Retry-After in whole seconds, at least 1. */
function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
