// Every subscription of the scheduler, in one place.
import { TaskDueV1, TaskRetryScheduledV1, TaskRunV1, TaskSubmittedV1 } from '@loom/contracts';
import type { Bus } from '@loom/messaging';
import type { createAdmissionHandlers } from './handlers/admission.handler';
import type { createDeadLetterHandler } from './handlers/dead-letter.handler';
import type { createRetryHandler } from './handlers/retry.handler';

export async function subscribeScheduler(
  bus: Bus,
  h: {
    admission: ReturnType<typeof createAdmissionHandlers>;
    onRetryScheduled: ReturnType<typeof createRetryHandler>;
    onDeadLetter: ReturnType<typeof createDeadLetterHandler>;
  },
  dueQueue: string,
): Promise<void> {
  // Tasks of types with an admission rule, and manual retries, start as pending.
  await bus.on({ queue: bus.names.serviceQueue('scheduler', 'submitted'), bindings: { exchange: 'events', keys: [TaskSubmittedV1.name] } }, [TaskSubmittedV1], h.admission.onSubmitted);
  await bus.on({ queue: bus.names.serviceQueue('scheduler', 'retries'), bindings: { exchange: 'events', keys: [TaskRetryScheduledV1.name] } }, [TaskRetryScheduledV1], h.onRetryScheduled);
  await bus.on({ queue: dueQueue, arguments: { 'x-queue-type': 'quorum' } }, [TaskDueV1], h.admission.onDue);
  // Every dead letter is also kept in <ns>.dead: here only poison task.run messages matter, and
  // anything else is dropped (a dead-letter listener must never dead-letter again).
  await bus.on({ queue: bus.names.serviceQueue('scheduler', 'dead'), bindings: { exchange: 'dlx', keys: [''] }, invalid: 'drop' }, [TaskRunV1], h.onDeadLetter);
}
