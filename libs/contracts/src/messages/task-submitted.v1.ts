// A task was accepted by the gateway and stored as pending; the scheduler admits it.
import { z } from 'zod';
import { defineMessage } from '../define-message';

export const TaskSubmittedV1 = defineMessage(
  'task.submitted',
  1,
  z.object({ type: z.string(), attempt: z.number().int().positive(), priority: z.number().int() }),
);
