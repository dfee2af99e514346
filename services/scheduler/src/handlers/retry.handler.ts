// Delayed retry without broker plugins: a retryable failure parks a task.due message in a TTL
// wait queue for its backoff; when it expires it dead-letters to the scheduler's due queue.
import { createEnvelope, parseEnvelope, TaskDueV1, TaskRetryScheduledV1 } from '@loom/contracts';
import { traceHeadersOf, declareDelayQueue, type Bus, type Delivery } from '@loom/messaging';

export function createRetryHandler(deps: { bus: Bus; dueQueue: string }) {
  const declared = new Set<number>();
  return async function onRetryScheduled(d: Delivery): Promise<void> {
    const env = parseEnvelope(TaskRetryScheduledV1, d.body);
    const delayMs = env.payload.delayMs;
    if (!declared.has(delayMs)) {
      await deps.bus.withChannel((ch) => declareDelayQueue(ch, deps.bus.names, delayMs, deps.dueQueue));
      declared.add(delayMs);
    }
    const due = createEnvelope(
      TaskDueV1,
      { type: env.payload.type, attempt: env.payload.failedAttempt + 1 },
      { tenantId: env.tenantId, taskId: env.taskId, causationId: env.messageId },
    );
    await deps.bus.sendToQueue(deps.bus.names.delayQueue(delayMs), JSON.stringify(due), traceHeadersOf(d.headers));
  };
}
