// Every subscription of status-sync, in one place.
import { ProviderCallbackV1, TaskCancelledV1, TaskFailedV1, TaskSucceededV1, envelopeSchema } from '@loom/contracts';
import type { Bus, MessageHandler } from '@loom/messaging';
import type { Logger } from '@loom/telemetry';

export async function subscribeStatusSync(bus: Bus, logger: Logger, h: { onProviderCallback: MessageHandler }): Promise<void> {
  await bus.subscribe(
    { queue: bus.names.serviceQueue('status-sync', 'callbacks'), bindings: { exchange: 'events', keys: [ProviderCallbackV1.name] } },
    h.onProviderCallback,
  );
  await bus.subscribe(
    {
      queue: bus.names.serviceQueue('status-sync', 'terminal'),
      bindings: { exchange: 'events', keys: [TaskSucceededV1.name, TaskFailedV1.name, TaskCancelledV1.name] },
    },
    async (d) => {
      const env = envelopeSchema.parse(JSON.parse(d.body.toString()));
      logger.debug({ event: env.name, taskId: env.taskId, tenantId: env.tenantId }, 'terminal task event (nothing left to follow)');
    },
  );
}
