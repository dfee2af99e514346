// Settlement: every item of a batch reached a terminal state and the batch's hold was settled in
// one ledger movement: successes captured, the rest released. Sent once per batch.
import { z } from 'zod';
import { defineMessage } from '../define-message';

export const BatchSettledV1 = defineMessage(
  'batch.settled',
  1,
  z.object({
    batchId: z.string(),
    type: z.string(),
    size: z.number().int().positive(),
    succeeded: z.number().int().nonnegative(),
    /** Items that failed, were cancelled, or were never created or later deleted. */
    notSucceeded: z.number().int().nonnegative(),
    /** What the batch held up front = captured + released. */
    held: z.number().int().nonnegative(),
    captured: z.number().int().nonnegative(),
    released: z.number().int().nonnegative(),
    ledgerEntryId: z.string(),
  }),
);
