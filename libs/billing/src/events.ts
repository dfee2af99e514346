// Outbox entries for the events settlement announces (task.settled, batch.settled). They are
// written inside the ledger entry of the movement they announce, so the two cannot be lost
// apart, and published after it applied (ledger-outbox.ts).
import { createEnvelope, type MessageContract } from '@loom/contracts';
import type { OutboxEntry } from '@loom/store';
import type { z } from 'zod';

export interface SettlementEventMeta {
  tenantId: string;
  taskId?: string;
  /** The batch id for batch events; the task id (the default) for task events. */
  correlationId?: string;
  /** The terminal event that caused the settlement. */
  causationId?: string;
  /** W3C trace context of the terminal event, so settlement joins the task's trace. */
  headers?: Record<string, string>;
}

export function eventEntry<S extends z.ZodType>(contract: MessageContract<S>, payload: z.infer<S>, meta: SettlementEventMeta): OutboxEntry {
  const env = createEnvelope(contract, payload, meta);
  return { id: env.messageId, exchange: 'events', routingKey: contract.name, body: JSON.stringify(env), headers: meta.headers ?? {}, createdAt: new Date() };
}
