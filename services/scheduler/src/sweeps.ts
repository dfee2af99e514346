// The scheduler's periodic sweeps: running tasks whose lease ran out and nobody took over,
// delayed tasks whose wake-up never came, pending tasks whose task.submitted never arrived (one
// query for the three), and finished tasks past retention (every RETENTION_EVERY sweeps). On
// MongoDB each is an indexed query; on the local stand-in each is a scan of the tasks collection
// (it ignores non-unique indexes), so they are few and rare. None is on the path of a task that
// goes well.
import type { LoomEnv } from '@loom/config';
import type { Store } from '@loom/store';
import type { Logger } from '@loom/telemetry';

/** Retention runs on every n-th sweep (with the 30 s default: every 10 minutes); nothing there is urgent. */
export const RETENTION_EVERY = 20;

export function createSweeps(deps: { store: Store; env: LoomEnv; logger: Logger }) {
  const { store, env, logger } = deps;
  let sweeps = 0;
  return async function sweep(): Promise<{ requeued: number; woken: number; admitted: number; deleted: number }> {
    let requeued = 0;
    let woken = 0;
    let admitted = 0;
    const now = Date.now();
    const stuck = await store.tasks.needingRescue({
      // Two lease lengths past expiry: the broker's redelivery to a standby executor normally
      // takes over long before; this catches a task whose type has no consumer left at all.
      leaseExpiredBefore: new Date(now - 2 * env.LEASE_MS),
      retryDueBefore: new Date(now - 30_000),
      // Past the outbox's own recovery (a dead writer's entries are republished within
      // OUTBOX_WRITER_DEAD_MS): whatever is still pending is admitted here.
      pendingSince: new Date(now - 3 * env.OUTBOX_WRITER_DEAD_MS),
    });
    for (const t of stuck) {
      if (t.status === 'running' && (await store.tasks.requeueLost(t))) requeued++;
      else if (t.status === 'delayed' && (await store.tasks.admit(t._id, 'delayed', t.attempt + 1))) woken++;
      else if (t.status === 'pending' && (await store.tasks.admit(t._id, 'pending', t.attempt, t))) admitted++;
    }
    const deleted = ++sweeps % RETENTION_EVERY === 1 ? await store.queries.cleanup(['succeeded', 'failed', 'cancelled'], new Date(Date.now() - env.RETENTION_MS)) : 0;
    if (requeued || woken || admitted || deleted) logger.info({ requeued, woken, admitted, deleted }, 'sweep');
    return { requeued, woken, admitted, deleted };
  };
}
