// Settlement: the credits held for a task were captured (it succeeded) or released (it failed,
// was cancelled or timed out). Once per hold: a task retried by hand after a release is held
// and settled again, as a new charge. A batch item's is sent with its batch.settled.
import { z } from 'zod';
import { defineMessage } from '../define-message';

export const TaskSettledV1 = defineMessage(
  'task.settled',
  1,
  z.object({
    type: z.string().optional(),
    outcome: z.enum(['captured', 'released']),
    /** Credits captured or released for this task. */
    credits: z.number().int().nonnegative(),
    /** The attempt from which the settled hold covered the task (1, or the attempt a manual retry started). */
    fromAttempt: z.number().int().positive().optional(),
    batchId: z.string().optional(),
    /** The ledger entry that moved the credits (its unique key). */
    ledgerEntryId: z.string(),
  }),
);
