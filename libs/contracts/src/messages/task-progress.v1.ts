// Progress of a running task (0-100) with an optional message. Informational: the task
// document holds the latest value, so a lost progress event loses nothing.
import { z } from 'zod';
import { defineMessage } from '../define-message';

export const TaskProgressV1 = defineMessage(
  'task.progress',
  1,
  z.object({ type: z.string(), progress: z.number().min(0).max(100), message: z.string().optional() }),
);
