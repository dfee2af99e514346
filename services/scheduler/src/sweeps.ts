// The scheduler's periodic sweeps: running tasks whose lease ran out and nobody took over,
// delayed tasks whose wake-up never came, and finished tasks past retention.
import type { LoomEnv } from '@loom/config';
import type { Store } from '@loom/store';
import type { Logger } from '@loom/telemetry';

export function createSweeps(deps: { store: Store; env: LoomEnv; logger: Logger }) {
  const { store, env, logger } = deps;
  return async function sweep(): Promise<{ requeued: number; woken: number; deleted: number }> {
    let requeued = 0;
    let woken = 0;
    // Two lease lengths past expiry: the broker's redelivery to a standby executor normally
    // takes over long before; this catches a task whose type has no consumer left at all.
    for (const t of await store.tasks.withLostLease(new Date(Date.now() - 2 * env.LEASE_MS))) {
      if (await store.tasks.requeueLost(t)) requeued++;
    }
    for (const t of await store.tasks.overdueRetries(new Date(Date.now() - 30_000))) {
      if (await store.tasks.admit(t._id, 'delayed', t.attempt + 1)) woken++;
    }
    const deleted = await store.queries.cleanup(['succeeded', 'failed', 'cancelled'], new Date(Date.now() - env.RETENTION_MS));
    if (requeued || woken || deleted) logger.info({ requeued, woken, deleted }, 'sweep');
    return { requeued, woken, deleted };
  };
}
