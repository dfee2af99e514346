// Every subscription of settlement, in one place.
import { TaskCancelledV1, TaskFailedV1, TaskSucceededV1, envelopeSchema } from '@loom/contracts';
import type { Bus } from '@loom/messaging';
import type { Logger } from '@loom/telemetry';

export async function subscribeSettlement(bus: Bus, logger: Logger): Promise<void> {
  await bus.subscribe(
    {
      queue: bus.names.serviceQueue('settlement', 'terminal'),
      bindings: { exchange: 'events', keys: [TaskSucceededV1.name, TaskFailedV1.name, TaskCancelledV1.name] },
    },
    async (d) => {
      const env = envelopeSchema.parse(JSON.parse(d.body.toString()));
      logger.debug({ event: env.name, taskId: env.taskId, tenantId: env.tenantId }, 'terminal task event (to settle)');
    },
  );
}
