// The scheduler's periodic sweeps: running tasks whose lease ran out and nobody took over,
// delayed tasks whose wake-up never came, pending tasks whose task.submitted never arrived, and
// finished tasks past retention. Each is one indexed query (status + a time) on MongoDB; none
// is on the path of a task that goes well.
import type { LoomEnv } from '@loom/config';
import type { Store } from '@loom/store';
import type { Logger } from '@loom/telemetry';

export function createSweeps(deps: { store: Store; env: LoomEnv; logger: Logger }) {
  const { store, env, logger } = deps;
  return async function sweep(): Promise<{ requeued: number; woken: number; admitted: number; deleted: number }> {
    let requeued = 0;
    let woken = 0;
    let admitted = 0;
    // Two lease lengths past expiry: the broker's redelivery to a standby executor normally
    // takes over long before; this catches a task whose type has no consumer left at all.
    for (const t of await store.tasks.withLostLease(new Date(Date.now() - 2 * env.LEASE_MS))) {
      if (await store.tasks.requeueLost(t)) requeued++;
    }
    for (const t of await store.tasks.overdueRetries(new Date(Date.now() - 30_000))) {
      if (await store.tasks.admit(t._id, 'delayed', t.attempt + 1)) woken++;
    }
    // Past the outbox's own recovery (a dead writer's entries are republished within
    // OUTBOX_WRITER_DEAD_MS): whatever is still pending is admitted here.
    for (const t of await store.tasks.stalePending(new Date(Date.now() - 3 * env.OUTBOX_WRITER_DEAD_MS))) {
      if (await store.tasks.admit(t._id, 'pending', t.attempt, t)) admitted++;
    }
    const deleted = await store.queries.cleanup(['succeeded', 'failed', 'cancelled'], new Date(Date.now() - env.RETENTION_MS));
    if (requeued || woken || admitted || deleted) logger.info({ requeued, woken, admitted, deleted }, 'sweep');
    return { requeued, woken, admitted, deleted };
  };
}
