// The gateway's only bus subscription: every task event, on ONE exclusive auto-delete queue
// per gateway process (it vanishes with the process, so a crashed gateway leaves nothing to
// pile up), fanned out to the process's open streams through the live hub.
import { randomUUID } from 'node:crypto';
import { envelopeSchema, type Envelope } from '@loom/contracts';
import type { Bus } from '@loom/messaging';
import type { Logger } from '@loom/telemetry';
import type { LiveEvent } from '../http/schemas';
import type { LiveHub } from './live-hub';

export function toLiveEvent(env: Envelope): LiveEvent {
  return { event: env.name, taskId: env.taskId ?? null, tenantId: env.tenantId, occurredAt: env.occurredAt, payload: env.payload };
}

export async function subscribeLiveEvents(bus: Pick<Bus, 'subscribe' | 'names' | 'watch' | 'unwatch'>, hub: LiveHub, logger: Logger): Promise<void> {
  // Bound to task events only while a stream is open: otherwise every event of every task
  // would be delivered here for nobody (7 of 11 deliveries per task, profiled).
  const subscription = await bus.subscribe(
    {
      queue: bus.names.serviceQueue('gateway', `live-${randomUUID()}`),
      exclusive: true,
      // Copies for viewers: a span per progress event would bury the task's trace.
      traced: false,
      bindings: { exchange: 'events', keys: [] },
    },
    async (d) => {
      // Nobody is watching (nor has for the hub's linger time): skip the parse (most of this handler's cost per event).
      if (!hub.recording) return;
      let json: unknown;
      try {
        json = JSON.parse(d.body.toString());
      } catch {
        json = undefined;
      }
      const env = envelopeSchema.safeParse(json);
      // A copy for live viewers only (the durable consumers hold the real one): a bad message
      // is logged and dropped rather than redelivered forever.
      if (!env.success) {
        logger.warn({ issues: env.error.issues.length }, 'live: dropped a malformed event');
        return;
      }
      hub.publish(toLiveEvent(env.data));
    },
  );
  // While a stream is open this gateway also says it watches, so the other processes publish the
  // events only viewers read (libs/messaging viewer-presence.ts); a new stream waits for both.
  hub.onActiveChange(async (active) => {
    if (active) {
      await subscription.bind(['task.#']);
      await bus.watch();
    } else {
      await bus.unwatch();
      await subscription.unbind(['task.#']);
    }
  });
}
