// An executor claimed the task (or took it over after its previous executor vanished).
import { z } from 'zod';
import { defineMessage } from '../define-message';

export const TaskStartedV1 = defineMessage(
  'task.started',
  1,
  z.object({ type: z.string(), attempt: z.number().int().positive(), executor: z.string(), takeover: z.boolean() }),
);
