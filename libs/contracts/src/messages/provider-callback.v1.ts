// A verified provider webhook, handed from the gateway to status-sync. The status is present
// only when the provider signed the body (Replicate); otherwise status-sync asks the provider.
// taskId: the task a task-bound callback URL was issued for; the event speaks of its job only.
import { z } from 'zod';
import { defineMessage } from '../define-message';

export const providerStatusSchema = z.object({
  externalId: z.string(),
  state: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
  progress: z.number().min(0).max(100).optional(),
  message: z.string().optional(),
  outputs: z.array(z.object({ url: z.string(), contentType: z.string().optional() })).optional(),
  error: z.object({ class: z.enum(['auth', 'rate_limited', 'bad_input', 'transient', 'permanent']), message: z.string() }).optional(),
});

export const ProviderCallbackV1 = defineMessage(
  'provider.callback',
  1,
  z.object({ provider: z.string(), externalId: z.string(), deliveryId: z.string(), status: providerStatusSchema.optional(), taskId: z.string().optional() }),
);
