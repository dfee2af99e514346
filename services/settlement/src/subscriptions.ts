// Every subscription of settlement, in one place.
import { TaskCancelledV1, TaskFailedV1, TaskSucceededV1 } from '@loom/contracts';
import type { Bus, MessageHandler } from '@loom/messaging';

export async function subscribeSettlement(bus: Bus, h: { onTerminal: MessageHandler }): Promise<void> {
  // Terminal task events: capture or release holds, settle batches.
  await bus.subscribe(
    {
      queue: bus.names.serviceQueue('settlement', 'terminal'),
      bindings: { exchange: 'events', keys: [TaskSucceededV1.name, TaskFailedV1.name, TaskCancelledV1.name] },
    },
    h.onTerminal,
  );
}
