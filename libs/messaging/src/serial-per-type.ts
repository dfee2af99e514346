// SERIAL PER TYPE: the one rule this platform is built around, and where each part of it lives.
//
// "Tasks of one type run one at a time; different types run side by side; this survives an
// executor crash." It is kept by four things together:
//  1. topology.ts: one quorum work queue per type with `x-single-active-consumer`, so the broker
//     feeds exactly one executor per type; the others stand by and take over when its channel dies.
//  2. bus.ts consumeWork: the active executor may prefetch several deliveries, but hands them to
//     the task runner one at a time, in order, across channel re-creations.
//  3. the executor's task runner: a delivery is acked only when its task is terminal (or handed
//     back), and a lease in the task document (renewed by heartbeat) fences every write, so an
//     executor that lost its channel and the standby that got the redelivery never both run it.
//  4. the broker's consumer_timeout (config/rabbitmq/rabbitmq.conf = CONSUMER_TIMEOUT_MS): a
//     delivery held unacked longer is taken back. This file derives the limits from it.
//
// The limits: a prefetched delivery stays unacked while every task ahead of it runs, and a
// takeover first waits for the dead executor's lease to lapse, then runs the task from the start.
// A run that hits its timeout lasts up to abortGraceMs longer (its handler's time to stop, or
// its sandbox's before it is ended; the runner acks only after). So, for a type whose tasks may
// run up to maxTimeoutMs:
//     worst unacked time of the k-th delivery = k × (maxTimeoutMs + abortGraceMs + takeoverSlackMs)
// and it must stay under consumer_timeout. prefetchFor() picks the largest k that does (at most
// MAX_WORK_PREFETCH, at least 1); assertTimeoutsFit() refuses at start-up a type whose
// maxTimeoutMs cannot fit even with k = 1.
//
// Work bundles (work-bundles.ts) put up to b task.run messages in one broker message, which stays
// unacked until its last task has ended: it counts as b tasks. With k = tasksHeldAtMost() (the
// bound above before MAX_WORK_PREFETCH caps it), a type gets bundles of b = workBundleFor()
// (half of k, so that the next bundle is already here while one runs, at most MAX_WORK_BUNDLE)
// and a channel prefetch of workPrefetchFor() = floor(k / b) messages (at most
// MAX_WORK_PREFETCH): never more than k tasks unacked, whatever mix of bundles and single
// messages arrives. The gateway bundles with workBundleFor and the executor prefetches with
// workPrefetchFor from the same task types and limits (LOOM_TASK_TYPES_FILE, CONSUMER_TIMEOUT_MS,
// LEASE_MS, HEARTBEAT_MS).

/** Deep enough that the next task of a busy type is already here when one ends. */
export const MAX_WORK_PREFETCH = 16;
/** Task.run messages per bundle at most: a burst's submissions of a type come in groups about this big. */
export const MAX_WORK_BUNDLE = 8;

export interface SerialLimits {
  consumerTimeoutMs: number;
  leaseMs: number;
  heartbeatMs: number;
}

/** What a takeover adds before the task starts again: the lease lapsing, plus a beat to notice. */
export function takeoverSlackMs(l: SerialLimits): number {
  return l.leaseMs + 2 * l.heartbeatMs;
}

/** How many tasks of a type an executor may hold unacked at once without any outliving consumer_timeout. */
export function tasksHeldAtMost(maxTimeoutMs: number, l: SerialLimits, abortGraceMs = 0): number {
  return Math.max(1, Math.floor(l.consumerTimeoutMs / (maxTimeoutMs + abortGraceMs + takeoverSlackMs(l))));
}

/** How many deliveries of a type an executor may hold at once without any outliving consumer_timeout. */
export function prefetchFor(maxTimeoutMs: number, l: SerialLimits, abortGraceMs = 0): number {
  return Math.min(MAX_WORK_PREFETCH, tasksHeldAtMost(maxTimeoutMs, l, abortGraceMs));
}

/** How many task.run messages of a type may share one broker message (1: no bundles). */
export function workBundleFor(maxTimeoutMs: number, l: SerialLimits, abortGraceMs = 0): number {
  return Math.max(1, Math.min(MAX_WORK_BUNDLE, Math.floor(tasksHeldAtMost(maxTimeoutMs, l, abortGraceMs) / 2)));
}

/** The channel prefetch of a type's work queue, in broker messages: never more than tasksHeldAtMost tasks with bundles. */
export function workPrefetchFor(maxTimeoutMs: number, l: SerialLimits, abortGraceMs = 0): number {
  const held = tasksHeldAtMost(maxTimeoutMs, l, abortGraceMs);
  return Math.max(1, Math.min(MAX_WORK_PREFETCH, Math.floor(held / workBundleFor(maxTimeoutMs, l, abortGraceMs))));
}

/** Throws, naming the type, when a type allows a timeout that consumer_timeout cannot cover. */
export function assertTimeoutsFit(types: Record<string, { maxTimeoutMs: number; abortGraceMs?: number }>, l: SerialLimits): void {
  for (const [type, t] of Object.entries(types)) {
    const grace = t.abortGraceMs ?? 0;
    const need = t.maxTimeoutMs + grace + takeoverSlackMs(l);
    if (need > l.consumerTimeoutMs) {
      throw Object.assign(
        new Error(
          `task type ${type}: maxTimeoutMs ${t.maxTimeoutMs}${grace ? ` plus abortGraceMs ${grace}` : ''} plus a takeover's ${takeoverSlackMs(l)} ms exceeds the broker's consumer_timeout ` +
            `(CONSUMER_TIMEOUT_MS=${l.consumerTimeoutMs}); lower maxTimeoutMs or raise consumer_timeout in config/rabbitmq/rabbitmq.conf and CONSUMER_TIMEOUT_MS together`,
        ),
        { code: 'CONFIG_INVALID' },
      );
    }
  }
}
