// The one envelope every message travels in. The W3C trace context rides in the AMQP headers
// (`traceparent`, `tracestate`), not in the body.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { MessageContract } from './define-message';

export const envelopeSchema = z.object({
  messageId: z.string().min(1),
  name: z.string().min(1),
  version: z.number().int().positive(),
  occurredAt: z.string().datetime(),
  tenantId: z.string().min(1),
  taskId: z.string().optional(),
  /** The id of the request or task this message belongs to, carried along unchanged. */
  correlationId: z.string().optional(),
  /** The id of the message that caused this one. */
  causationId: z.string().optional(),
  payload: z.unknown(),
});

export type Envelope<P = unknown> = Omit<z.infer<typeof envelopeSchema>, 'payload'> & { payload: P };

export function createEnvelope<S extends z.ZodType>(
  contract: MessageContract<S>,
  payload: z.infer<S>,
  meta: { tenantId: string; taskId?: string; correlationId?: string; causationId?: string; messageId?: string; occurredAt?: Date },
): Envelope<z.infer<S>> {
  return {
    messageId: meta.messageId ?? randomUUID(),
    name: contract.name,
    version: contract.version,
    occurredAt: (meta.occurredAt ?? new Date()).toISOString(),
    tenantId: meta.tenantId,
    taskId: meta.taskId,
    correlationId: meta.correlationId ?? meta.taskId,
    causationId: meta.causationId,
    payload,
  };
}

export class ContractViolation extends Error {
  readonly code = 'CONTRACT_VIOLATION';
  readonly retryable = false;
}

/** Parses raw message bytes against a contract; throws ContractViolation naming the bad field. */
export function parseEnvelope<S extends z.ZodType>(contract: MessageContract<S>, raw: Buffer | string): Envelope<z.infer<S>> {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString());
  } catch {
    throw new ContractViolation(`${contract.name}: body is not JSON`);
  }
  const env = envelopeSchema.safeParse(json);
  if (!env.success) throw new ContractViolation(`${contract.name}: bad envelope: ${describeIssues(env.error)}`);
  if (env.data.name !== contract.name) throw new ContractViolation(`expected ${contract.name}, got ${env.data.name}`);
  if (env.data.version !== contract.version) {
    throw new ContractViolation(`${contract.name}: version ${env.data.version} is not understood (expected ${contract.version})`);
  }
  const payload = contract.payload.safeParse(env.data.payload);
  if (!payload.success) throw new ContractViolation(`${contract.name}: bad payload: ${describeIssues(payload.error)}`);
  return { ...env.data, payload: payload.data };
}

export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}
