// Poison messages: a task.run that reached the dead-letter exchange (malformed, or delivered
// more often than the delivery limit because it kept killing its executor) fails its task,
// so the task ends in a true state. The message itself stays in <ns>.dead for operators.
import { envelopeSchema } from '@loom/contracts';
import type { Delivery } from '@loom/messaging';
import type { Store } from '@loom/store';
import type { Logger } from '@loom/telemetry';

export function createDeadLetterHandler(deps: { store: Store; logger: Logger }) {
  return async function onDeadLetter(d: Delivery): Promise<void> {
    let env;
    try {
      env = envelopeSchema.parse(JSON.parse(d.body.toString()));
    } catch {
      deps.logger.warn({ headers: d.headers }, 'unreadable dead letter; left in the dead-letter queue');
      return;
    }
    if (!env.taskId) return;
    const failed = await deps.store.tasks.fail(
      env.taskId,
      {
        code: 'POISON_MESSAGE',
        message: `the ${env.name} message for this task was dead-lettered (${String(d.headers['x-first-death-reason'] ?? 'rejected')}); see the dead-letter queue`,
        retryable: false,
      },
      { from: ['pending', 'queued', 'running', 'delayed'] },
    );
    deps.logger.warn({ taskId: env.taskId, failed: !!failed }, 'poison message dead-lettered');
  };
}
