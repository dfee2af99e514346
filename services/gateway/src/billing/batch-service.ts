// The use cases of batches: submit many tasks of one type at once, held up front as one sum,
// and read a batch with its counts per status and its settlement. Settlement (the service)
// settles it in one step when its last item is terminal.
//
// Order of writes, each a single-document write: decide the batch and task ids -> hold the
// total (402 and nothing written if it does not fit) -> the batch document (an idempotent
// replay releases the hold) -> the item tasks -> "items created". A crash anywhere leaves a
// state the settlement sweep finishes: a hold without batch is released, items never written
// are released when the batch settles.
import { randomUUID } from 'node:crypto';
import type { BatchRecord, BatchSettlementView, Billing } from '@loom/billing';
import type { TaskStatus } from '@loom/contracts';
import type { Store } from '@loom/store';
import { BatchNotFoundError, IdempotencyKeyReusedError, InsufficientCreditsError, ValidationError, type FieldIssue } from '../http/errors';
import type { SubmitBatchBody } from '../http/billing.schemas';
import type { PreparedSubmission, TaskCatalog } from '../tasks/task-catalog';
import type { TenantScope } from '../tasks/task-service';
import type { TenantLimiter } from '../limits/tenant-limiter';

export interface BatchView {
  batch: BatchRecord;
  counts: Record<TaskStatus, number>;
  settlement: BatchSettlementView;
}

/** How many item tasks are written at once: bounded so one batch cannot hog the pool. */
const WRITE_CONCURRENCY = 8;

export function createBatchService(deps: {
  store: Pick<Store, 'tasks'>;
  catalog: TaskCatalog;
  billing: Pick<Billing, 'credits' | 'batches'>;
  /** Per-tenant submission limits: a batch of n items counts as n submissions. */
  limiter?: Pick<TenantLimiter, 'acquire'>;
}) {
  const { store, catalog } = deps;
  const { credits, batches } = deps.billing;

  /** An item checked like a task, its failing fields named `items.<i>.<field>`. */
  function prepareItem(body: SubmitBatchBody, i: number): PreparedSubmission {
    try {
      return catalog.prepare({ type: body.type, input: body.items[i], timeoutMs: body.timeoutMs });
    } catch (err) {
      const e = err as { code?: string; issues?: FieldIssue[] };
      if (e.code === 'VALIDATION_FAILED' && Array.isArray(e.issues)) {
        throw new ValidationError(e.issues.map((x) => ({ path: x.path.replace(/^input(?=\.|$)/, `items.${i}`), message: x.message })));
      }
      throw err;
    }
  }

  function replayOf(batch: BatchRecord, body: SubmitBatchBody): { batch: BatchRecord; created: false } {
    if (batch.type !== body.type || batch.size !== body.items.length) {
      throw new IdempotencyKeyReusedError(`idempotency key "${body.idempotencyKey}" was used for batch ${batch._id} with a different request`);
    }
    return { batch, created: false };
  }

  return {
    async create(tenantId: string, body: SubmitBatchBody, traceHeaders?: Record<string, string>): Promise<{ batch: BatchRecord; created: boolean }> {
      const prepared = body.items.map((_, i) => prepareItem(body, i));
      const prices = prepared.map((p) => catalog.priceOf(p.type, p.input));
      if (body.idempotencyKey) {
        const existing = await batches.findByIdempotencyKey(tenantId, body.idempotencyKey);
        if (existing) return replayOf(existing, body);
      }
      // Every item is a submission: the tenant's limits (429) admit all of them or none.
      const ticket = await deps.limiter?.acquire(tenantId, prepared.length);
      const batchId = randomUUID();
      const taskIds = prepared.map(() => randomUUID());
      const total = prices.reduce((s, p) => s + p, 0);
      let holdId: string | undefined;
      if (total > 0) {
        const hold = await credits.holdForBatch({ tenantId, batchId, amount: total }).catch((err) => {
          ticket?.release();
          throw err;
        });
        if (!hold.ok) {
          ticket?.release();
          throw new InsufficientCreditsError(hold.balance, total);
        }
        holdId = hold.holdId;
      }
      const unhold = async (reason: string) => {
        ticket?.release();
        if (holdId) await credits.releaseHold(holdId, reason).catch(() => undefined);
      };
      let written: { batch: BatchRecord; created: boolean };
      try {
        written = await batches.insert({ id: batchId, tenantId, type: body.type, taskIds, prices, idempotencyKey: body.idempotencyKey });
      } catch (err) {
        await unhold('the batch could not be written');
        throw err;
      }
      if (!written.created) {
        await unhold('idempotent replay: the key already names another batch');
        return replayOf(written.batch, body);
      }
      let next = 0;
      const writer = async () => {
        while (next < prepared.length) {
          const i = next++;
          await store.tasks.create({
            id: taskIds[i],
            tenantId,
            ...prepared[i]!,
            price: prices[i],
            priority: body.priority,
            batchId,
            batchIndex: i,
            traceHeaders,
            admitted: true,
          });
        }
      };
      await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, prepared.length) }, writer));
      await batches.markItemsCreated(batchId);
      return { batch: written.batch, created: true };
    },

    async get(scope: TenantScope, batchId: string): Promise<BatchView> {
      const batch = await batches.get(batchId, scope);
      if (!batch) throw new BatchNotFoundError(batchId);
      const [counts, settlement] = await Promise.all([batches.counts(batchId), batches.settlement(batch)]);
      return { batch, counts, settlement };
    },
  };
}

export type BatchService = ReturnType<typeof createBatchService>;
