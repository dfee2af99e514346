// The scheduler put a task on its type's work queue.
import { z } from 'zod';
import { defineMessage } from '../define-message';

export const TaskQueuedV1 = defineMessage('task.queued', 1, z.object({ type: z.string(), attempt: z.number().int().positive() }));
