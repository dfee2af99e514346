// Every subscription of status-sync, in one place: provider webhooks handed over by the
// gateway. (Tasks waiting on a provider are found by the poll; terminal task events carry
// nothing status-sync needs, so it does not consume them.)
import { randomUUID } from 'node:crypto';
import { ProviderCallbackV1, TaskAwaitingProviderV1 } from '@loom/contracts';
import type { Bus } from '@loom/messaging';
import type { createProviderCallbackHandler } from './handlers/provider-callback.handler';

export async function subscribeStatusSync(bus: Bus, h: { onProviderCallback: ReturnType<typeof createProviderCallbackHandler> }): Promise<void> {
  await bus.on(
    { queue: bus.names.serviceQueue('status-sync', 'callbacks'), bindings: { exchange: 'events', keys: [ProviderCallbackV1.name] } },
    [ProviderCallbackV1],
    h.onProviderCallback,
  );
}

/** Hints that a task started waiting on a provider: one exclusive queue per process, bad ones dropped. */
export async function subscribeAwaitingProvider(bus: Bus, onHint: () => void): Promise<void> {
  await bus.on(
    { queue: bus.names.serviceQueue('status-sync', `awaiting-${randomUUID()}`), exclusive: true, invalid: 'drop', bindings: { exchange: 'events', keys: [TaskAwaitingProviderV1.name] } },
    [TaskAwaitingProviderV1],
    async () => onHint(),
  );
}
