// A retryable failure: the task waits (status delayed) and runs again after delayMs.
import { z } from 'zod';
import { defineMessage } from '../define-message';
import { taskErrorSchema } from '../task-model';

export const TaskRetryScheduledV1 = defineMessage(
  'task.retry_scheduled',
  1,
  z.object({ type: z.string(), failedAttempt: z.number().int().positive(), delayMs: z.number().int().nonnegative(), error: taskErrorSchema }),
);
