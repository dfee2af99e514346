// Terminal: the task was cancelled (while waiting, or while running: its handler was aborted).
import { z } from 'zod';
import { defineMessage } from '../define-message';

export const TaskCancelledV1 = defineMessage(
  'task.cancelled',
  1,
  z.object({ type: z.string(), attempt: z.number().int().nonnegative(), wasRunning: z.boolean() }),
);
