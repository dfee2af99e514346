// VIEWER PRESENCE: whether anyone is watching live events, so that events only viewers read
// (queued, started, progress, log lines, a free task's end) are not published for nobody.
//
// Most of a task's messages were such copies (6 of 7 publishes per no-op task, profiled), and
// with no stream open the broker dropped them on arrival. Now a gateway with a live stream open
// says so on the events exchange (`live.watching`, with how long it vouches for), again every
// PRESENCE_EVERY_MS while streams stay open, and once more with ttl 0 when the last one closed.
// Every process's bus listens (one exclusive queue each) and publishes viewer-only events while
// some watcher's word has not expired. A process that (re)connects asks (`live.who`) and every
// watching gateway answers at once, so a restarted executor does not wait a whole period.
//
// The gateway's confirmed `live.watching` is in every process's presence queue before its new
// stream is told it is open, and each process reads it as soon as it arrives: the events of
// whatever the viewer does next (a submit: an HTTP request, a write, a quorum-queue delivery)
// come after it.
// Events that only services read (a cancel request, a task waiting on a provider, a billable
// end) are never gated.

/** How often a watching gateway repeats that it watches. */
export const PRESENCE_EVERY_MS = 5_000;
/** How long one word of a watcher holds: a watcher that vanished without saying so expires then. */
export const PRESENCE_TTL_MS = 3 * PRESENCE_EVERY_MS;

export const PRESENCE_KEYS = { watching: 'live.watching', who: 'live.who' } as const;

/** The body of a `live.watching` message. */
export interface PresenceWord {
  watcher: string;
  /** 0: stopped watching. */
  ttlMs: number;
}

/** Parses a `live.watching` body; undefined when it is not one (it comes from the outside of this process). */
export function parsePresence(body: Buffer): PresenceWord | undefined {
  try {
    const w = JSON.parse(body.toString()) as Partial<PresenceWord>;
    if (typeof w.watcher !== 'string' || !w.watcher || typeof w.ttlMs !== 'number' || !(w.ttlMs >= 0)) return undefined;
    return { watcher: w.watcher, ttlMs: Math.min(w.ttlMs, PRESENCE_TTL_MS) };
  } catch {
    return undefined;
  }
}

/** The watchers this process has heard of, and whether any of them still watches. */
export function createPresenceBook(now: () => number = Date.now) {
  const until = new Map<string, number>();
  return {
    heard(w: PresenceWord): void {
      if (w.ttlMs <= 0) until.delete(w.watcher);
      else until.set(w.watcher, now() + w.ttlMs);
    },
    /** True while some watcher's word holds. */
    anyWatching(): boolean {
      if (until.size === 0) return false;
      const t = now();
      for (const [watcher, expires] of until) {
        if (expires > t) return true;
        until.delete(watcher);
      }
      return false;
    },
  };
}
