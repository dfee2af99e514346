// A running task was asked to stop; the executor running it aborts its handler, if it is still
// running that attempt: a late copy must not stop a later run (a manual retry) of the task.
import { z } from 'zod';
import { defineMessage } from '../define-message';

export const TaskCancelRequestedV1 = defineMessage(
  'task.cancel_requested',
  1,
  // attempt: the run asked to stop (absent in messages from before it was added: any run).
  z.object({ type: z.string(), attempt: z.number().int().positive().optional() }),
);
