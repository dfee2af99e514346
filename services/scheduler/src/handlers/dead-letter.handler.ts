// Dead task.run messages. Two kinds reach the dead-letter exchange:
//  - poison: rejected as unreadable, or a handler that failed for good: the task is failed
//    (POISON_MESSAGE), so it ends in a true state; the message stays in <ns>.dead for operators.
//  - the broker's delivery limit: quorum queues count every return of a delivery, and a broker
//    restart returns the deliveries an executor holds (the running task's and its prefetched
//    ones). That is not evidence against the task, so it is not failed: a queued task gets its
//    task.run again, and a running one is left to the executor that holds its lease (or, when the
//    lease lapsed, gets its task.run again for a takeover). What really kills executors is
//    bounded by the takeover count in the task (the executor fails a task taken over too often).
import { TaskRunV1, type PayloadOf } from '@loom/contracts';
import type { ReceivedMessage } from '@loom/messaging';
import type { Store } from '@loom/store';
import type { Logger } from '@loom/telemetry';

export function createDeadLetterHandler(deps: { store: Pick<Store, 'tasks'>; logger: Logger }) {
  return async function onDeadLetter({ envelope: env, deathReason }: ReceivedMessage<PayloadOf<typeof TaskRunV1>>): Promise<void> {
    if (!env.taskId) return;
    const reason = deathReason ?? 'rejected';
    if (reason === 'delivery_limit') {
      const t = await deps.store.tasks.get(env.taskId);
      if (!t || t.attempt !== env.payload.attempt) return; // a later attempt has its own message
      const leaseLive = t.status === 'running' && !!t.lease && t.lease.expiresAt.getTime() > Date.now();
      if (t.status === 'queued' || (t.status === 'running' && !leaseLive)) {
        const resent = await deps.store.tasks.resendRun(t);
        deps.logger.warn({ taskId: t._id, status: t.status, resent }, 'task.run hit the delivery limit (broker returns, not failures); sent again');
      } else deps.logger.info({ taskId: t._id, status: t.status }, 'task.run hit the delivery limit while its executor holds the lease; left to it');
      return;
    }
    const failed = await deps.store.tasks.fail(
      env.taskId,
      { code: 'POISON_MESSAGE', message: `the task.run message for this task was dead-lettered (${reason}); see the dead-letter queue`, retryable: false },
      { from: ['pending', 'queued', 'running', 'delayed'] },
    );
    deps.logger.warn({ taskId: env.taskId, failed: !!failed, reason }, 'poison message dead-lettered');
  };
}
