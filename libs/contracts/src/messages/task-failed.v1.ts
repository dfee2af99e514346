// Terminal: the task failed for good (not retryable, or out of attempts).
import { z } from 'zod';
import { defineMessage } from '../define-message';
import { taskErrorSchema } from '../task-model';

export const TaskFailedV1 = defineMessage(
  'task.failed',
  1,
  z.object({ type: z.string(), attempt: z.number().int().positive(), error: taskErrorSchema }),
);
