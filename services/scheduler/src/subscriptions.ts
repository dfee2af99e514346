// Every subscription of the scheduler, in one place.
import { TaskRetryScheduledV1, TaskSubmittedV1 } from '@loom/contracts';
import type { Bus } from '@loom/messaging';
import type { createAdmissionHandlers } from './handlers/admission.handler';

export async function subscribeScheduler(
  bus: Bus,
  h: {
    admission: ReturnType<typeof createAdmissionHandlers>;
    onRetryScheduled: (d: import('@loom/messaging').Delivery) => Promise<void>;
    onDeadLetter: (d: import('@loom/messaging').Delivery) => Promise<void>;
  },
  dueQueue: string,
): Promise<void> {
  await bus.subscribe({ queue: bus.names.serviceQueue('scheduler', 'submitted'), bindings: { exchange: 'events', keys: [TaskSubmittedV1.name] } }, h.admission.onSubmitted);
  await bus.subscribe({ queue: bus.names.serviceQueue('scheduler', 'retries'), bindings: { exchange: 'events', keys: [TaskRetryScheduledV1.name] } }, h.onRetryScheduled);
  await bus.subscribe({ queue: dueQueue, arguments: { 'x-queue-type': 'quorum' } }, h.admission.onDue);
  await bus.subscribe({ queue: bus.names.serviceQueue('scheduler', 'dead'), bindings: { exchange: 'dlx', keys: [''] } }, h.onDeadLetter);
}
