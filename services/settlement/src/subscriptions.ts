// Every subscription of settlement, in one place.
import type { Bus } from '@loom/messaging';
import { SETTLE_SUFFIX } from '@loom/store';
import { TERMINAL_CONTRACTS, type createSettleHandler } from './handlers/settle-task.handler';

export async function subscribeSettlement(bus: Bus, h: { onTerminal: ReturnType<typeof createSettleHandler> }): Promise<void> {
  // Terminal events of billable tasks only (priced, or in a batch): a free task's end is not
  // routed here at all (the store routes it live-only, see libs/store outbox.ts terminalEvent).
  await bus.on(
    {
      queue: bus.names.serviceQueue('settlement', 'terminal'),
      bindings: { exchange: 'events', keys: TERMINAL_CONTRACTS.map((c) => `${c.name}${SETTLE_SUFFIX}`) },
    },
    TERMINAL_CONTRACTS,
    h.onTerminal,
  );
}
