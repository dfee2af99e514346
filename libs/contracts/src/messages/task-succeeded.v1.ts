// Terminal: the task succeeded. Settlement captures its hold; status-sync has nothing left to follow.
import { z } from 'zod';
import { defineMessage } from '../define-message';

export const TaskSucceededV1 = defineMessage(
  'task.succeeded',
  1,
  z.object({ type: z.string(), attempt: z.number().int().positive(), durationMs: z.number().nonnegative(), result: z.unknown().optional() }),
);
