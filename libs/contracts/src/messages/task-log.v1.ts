// A log line of a task, already stored in task_logs; published for live viewers.
import { z } from 'zod';
import { defineMessage } from '../define-message';
import { logLevelSchema } from '../task-model';

export const TaskLogV1 = defineMessage(
  'task.log',
  1,
  z.object({ timestamp: z.string(), level: logLevelSchema, message: z.string(), data: z.unknown().optional() }),
);
