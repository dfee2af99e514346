// Admission: a submitted task (or a delayed one whose wait is over) moves to queued, and its
// task.run command goes on the type's work queue through the outbox, in one conditional write.
// Types without an admission rule skip this hop: the gateway writes them queued (task-service).
import { TaskDueV1, TaskSubmittedV1, type PayloadOf } from '@loom/contracts';
import type { TaskTypes } from '@loom/config';
import type { ReceivedMessage } from '@loom/messaging';
import type { Store } from '@loom/store';
import type { Logger } from '@loom/telemetry';

export function createAdmissionHandlers(deps: { store: Pick<Store, 'tasks'>; types: TaskTypes; logger: Logger }) {
  const { store, types, logger } = deps;

  return {
    async onSubmitted({ envelope: env, traceHeaders }: ReceivedMessage<PayloadOf<typeof TaskSubmittedV1>>): Promise<void> {
      const taskId = env.taskId!;
      if (!types[env.payload.type]) {
        await store.tasks.fail(taskId, { code: 'UNKNOWN_TASK_TYPE', message: `no task type ${env.payload.type} is configured`, retryable: false });
        return;
      }
      const ref = { _id: taskId, tenantId: env.tenantId, type: env.payload.type, attempt: env.payload.attempt, priority: env.payload.priority, version: 0, traceHeaders };
      const admitted = await store.tasks.admit(taskId, 'pending', env.payload.attempt, ref);
      // Nothing admitted: a redelivered or duplicate message, or the task was cancelled first.
      if (!admitted) logger.debug({ taskId }, 'submitted task not pending any more; nothing to admit');
    },

    async onDue({ envelope: env }: ReceivedMessage<PayloadOf<typeof TaskDueV1>>): Promise<void> {
      const admitted = await store.tasks.admit(env.taskId!, 'delayed', env.payload.attempt);
      if (!admitted) logger.debug({ taskId: env.taskId }, 'due task not delayed any more; nothing to admit');
    },
  };
}
