// Delayed retry without broker plugins: a retryable failure parks a task.due message in a TTL
// wait queue for its backoff; when it expires it dead-letters to the scheduler's due queue.
import { createEnvelope, TaskDueV1, TaskRetryScheduledV1, type PayloadOf } from '@loom/contracts';
import type { Bus, ReceivedMessage } from '@loom/messaging';

export function createRetryHandler(deps: { bus: Pick<Bus, 'sendDelayed'>; dueQueue: string }) {
  return async function onRetryScheduled({ envelope: env, traceHeaders }: ReceivedMessage<PayloadOf<typeof TaskRetryScheduledV1>>): Promise<void> {
    const due = createEnvelope(
      TaskDueV1,
      { type: env.payload.type, attempt: env.payload.failedAttempt + 1 },
      { tenantId: env.tenantId, taskId: env.taskId, causationId: env.messageId },
    );
    // sendDelayed declares the wait queue each time: an idle one has deleted itself (x-expires).
    await deps.bus.sendDelayed(env.payload.delayMs, deps.dueQueue, JSON.stringify(due), traceHeaders);
  };
}
