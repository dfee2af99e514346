// The command on a type's work queue: run this attempt of this task. Routed on the work
// exchange by task type; consumed by the one active executor of that type.
import { z } from 'zod';
import { defineMessage } from '../define-message';

export const TaskRunV1 = defineMessage('task.run', 1, z.object({ type: z.string(), attempt: z.number().int().positive() }));
