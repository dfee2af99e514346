// A delayed task's wait is over: it comes back from a TTL wait queue to the scheduler.
import { z } from 'zod';
import { defineMessage } from '../define-message';

export const TaskDueV1 = defineMessage('task.due', 1, z.object({ type: z.string(), attempt: z.number().int().positive() }));
