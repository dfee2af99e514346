// A terminal task event (task.succeeded / task.failed / task.cancelled of a billable task) ->
// settle what it ends: capture or release the task's hold, or settle its batch when it was the
// last item. Safe to run any number of times for one event (every movement is keyed in the
// ledger), so the bus may redeliver freely: the delivery is acked only after the ledger write.
// The bus has parsed and validated the envelope; one that is not a terminal event never gets here.
import { TaskCancelledV1, TaskFailedV1, TaskSucceededV1, type PayloadOf } from '@loom/contracts';
import type { Settlement, TerminalFact } from '@loom/billing';
import type { ReceivedMessage } from '@loom/messaging';
import type { Logger } from '@loom/telemetry';

/** The contracts settlement consumes. */
export const TERMINAL_CONTRACTS = [TaskSucceededV1, TaskFailedV1, TaskCancelledV1] as const;
type TerminalPayload = PayloadOf<(typeof TERMINAL_CONTRACTS)[number]>;

const STATUS_OF: Record<string, TerminalFact['status']> = {
  [TaskSucceededV1.name]: 'succeeded',
  [TaskFailedV1.name]: 'failed',
  [TaskCancelledV1.name]: 'cancelled',
};

export function createSettleHandler(deps: { settlement: Pick<Settlement, 'onTerminal'>; logger: Logger }) {
  return async function onTerminal({ envelope: env, traceHeaders }: ReceivedMessage<TerminalPayload>): Promise<void> {
    const status = STATUS_OF[env.name]!;
    if (!env.taskId) return;
    const payload = env.payload as { type?: string; attempt: number };
    const outcome = await deps.settlement.onTerminal({
      taskId: env.taskId,
      attempt: Math.max(1, payload.attempt),
      status,
      type: payload.type,
      causationId: env.messageId,
      headers: traceHeaders,
    });
    deps.logger.debug({ event: env.name, taskId: env.taskId, tenantId: env.tenantId, outcome }, 'settled');
  };
}
