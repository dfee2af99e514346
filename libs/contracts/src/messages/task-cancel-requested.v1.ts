// A running task was asked to stop; the executor running it aborts its handler.
import { z } from 'zod';
import { defineMessage } from '../define-message';

export const TaskCancelRequestedV1 = defineMessage('task.cancel_requested', 1, z.object({ type: z.string() }));
