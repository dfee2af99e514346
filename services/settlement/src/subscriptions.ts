// Every subscription of settlement, in one place.
import { TaskCancelledV1, TaskFailedV1, TaskSucceededV1 } from '@loom/contracts';
import type { Bus, MessageHandler } from '@loom/messaging';
import { SETTLE_SUFFIX } from '@loom/store';

export async function subscribeSettlement(bus: Bus, h: { onTerminal: MessageHandler }): Promise<void> {
  // Terminal events of billable tasks only (priced, or in a batch): a free task's end is not
  // routed here at all (the store routes it live-only, see libs/store outbox.ts terminalEvent).
  await bus.subscribe(
    {
      queue: bus.names.serviceQueue('settlement', 'terminal'),
      bindings: { exchange: 'events', keys: [TaskSucceededV1.name, TaskFailedV1.name, TaskCancelledV1.name].map((k) => `${k}${SETTLE_SUFFIX}`) },
    },
    h.onTerminal,
  );
}
