// A terminal task event (task.succeeded / task.failed / task.cancelled) -> settle what it ends:
// capture or release the task's hold, or settle its batch when it was the last item. Safe to
// run any number of times for one event (every movement is keyed in the ledger), so the bus may
// redeliver freely: the delivery is acked only after the ledger write.
import {
  ContractViolation,
  TaskCancelledV1,
  TaskFailedV1,
  TaskSucceededV1,
  parseEnvelope,
  type MessageContract,
} from '@loom/contracts';
import type { Settlement, TerminalFact } from '@loom/billing';
import type { Delivery } from '@loom/messaging';
import { SETTLE_SUFFIX } from '@loom/store';
import type { Logger } from '@loom/telemetry';
import type { z } from 'zod';

const TERMINAL: Record<string, { contract: MessageContract<z.ZodType>; status: TerminalFact['status'] }> = {
  [TaskSucceededV1.name]: { contract: TaskSucceededV1, status: 'succeeded' },
  [TaskFailedV1.name]: { contract: TaskFailedV1, status: 'failed' },
  [TaskCancelledV1.name]: { contract: TaskCancelledV1, status: 'cancelled' },
};

export function createSettleHandler(deps: { settlement: Pick<Settlement, 'onTerminal'>; logger: Logger }) {
  return async function onTerminal(d: Delivery): Promise<void> {
    const routingKey = d.raw.fields.routingKey.endsWith(SETTLE_SUFFIX) ? d.raw.fields.routingKey.slice(0, -SETTLE_SUFFIX.length) : d.raw.fields.routingKey;
    const spec = TERMINAL[routingKey];
    if (!spec) throw new ContractViolation(`settlement does not handle ${routingKey}`);
    let env;
    try {
      env = parseEnvelope(spec.contract, d.body);
    } catch (err) {
      // Never settleable: logged loudly and dropped (nacked without requeue), not retried forever.
      deps.logger.error({ err: (err as Error).message, messageId: d.raw.properties.messageId }, 'unreadable terminal event; not settled');
      throw err;
    }
    if (!env.taskId) return;
    const payload = env.payload as { type?: string; attempt: number };
    const outcome = await deps.settlement.onTerminal({
      taskId: env.taskId,
      attempt: Math.max(1, payload.attempt),
      status: spec.status,
      type: payload.type,
      causationId: env.messageId,
      headers: traceHeadersOf(d.headers),
    });
    deps.logger.debug({ event: env.name, taskId: env.taskId, tenantId: env.tenantId, outcome }, 'settled');
  };
}

function traceHeadersOf(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['traceparent', 'tracestate']) if (typeof headers[k] === 'string') out[k] = headers[k] as string;
  return out;
}
