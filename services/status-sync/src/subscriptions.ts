// Every subscription of status-sync, in one place: provider webhooks handed over by the
// gateway. (Tasks waiting on a provider are found by the poll; terminal task events carry
// nothing status-sync needs, so it does not consume them.)
import { ProviderCallbackV1 } from '@loom/contracts';
import type { Bus, MessageHandler } from '@loom/messaging';

export async function subscribeStatusSync(bus: Bus, h: { onProviderCallback: MessageHandler }): Promise<void> {
  await bus.subscribe(
    { queue: bus.names.serviceQueue('status-sync', 'callbacks'), bindings: { exchange: 'events', keys: [ProviderCallbackV1.name] } },
    h.onProviderCallback,
  );
}
