// A running task's job was accepted by its provider: from now on status-sync follows it. A
// live-only hint (no confirm): status-sync polls at once instead of at its next idle check.
import { z } from 'zod';
import { defineMessage } from '../define-message';

export const TaskAwaitingProviderV1 = defineMessage(
  'task.awaiting_provider',
  1,
  z.object({ type: z.string(), provider: z.string(), externalId: z.string() }),
);
