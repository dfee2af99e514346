// Batches: one document per batch (its items' task ids and prices, decided before anything is
// written), and what the API shows of it: counts per status (from the item tasks) and its
// settlement (from the ledger, the truth, rather than a copy on the batch that could lag).
import type { Model } from 'mongoose';
import { TASK_STATUSES, type TaskStatus } from '@loom/contracts';
import type { TaskRecord } from '@loom/store';
import { batchHoldKey, settleKey } from './ledger-keys';
import type { Ledger } from './ledger';
import type { BatchRecord, BillingModels } from './models';

export interface BatchSettlementView {
  /** free: nothing to pay; held: credits set aside, items still running; settled: done, once. */
  state: 'free' | 'held' | 'settled' | 'none';
  held: number;
  captured: number;
  released: number;
  settledAt: Date | null;
}

export interface NewBatch {
  id: string;
  tenantId: string;
  type: string;
  taskIds: string[];
  prices: number[];
  idempotencyKey?: string;
}

const isDuplicateKey = (err: unknown) => (err as { code?: number })?.code === 11000;

export function createBatches(models: BillingModels, Task: Model<TaskRecord>, ledger: Ledger) {
  const { Batch } = models;
  return {
    findByIdempotencyKey(tenantId: string, key: string): Promise<BatchRecord | null> {
      return Batch.findOne({ idemKey: `${tenantId}:${key}` }).lean<BatchRecord>().exec();
    },

    /** Writes the batch; for a repeated idempotency key, the batch written first (`created` false). */
    async insert(b: NewBatch): Promise<{ batch: BatchRecord; created: boolean }> {
      const doc: BatchRecord = {
        _id: b.id,
        tenantId: b.tenantId,
        type: b.type,
        size: b.taskIds.length,
        taskIds: b.taskIds,
        prices: b.prices,
        price: b.prices.reduce((s, p) => s + p, 0),
        itemsCreated: false,
        createdAt: new Date(),
      };
      if (b.idempotencyKey) {
        doc.idempotencyKey = b.idempotencyKey;
        doc.idemKey = `${b.tenantId}:${b.idempotencyKey}`;
      }
      try {
        await Batch.create(doc);
        return { batch: doc, created: true };
      } catch (err) {
        if (isDuplicateKey(err) && doc.idemKey) {
          const existing = await Batch.findOne({ idemKey: doc.idemKey }).lean<BatchRecord>();
          if (existing) return { batch: existing, created: false };
        }
        throw err;
      }
    },

    async markItemsCreated(batchId: string): Promise<void> {
      await Batch.updateOne({ _id: batchId }, { $set: { itemsCreated: true } });
    },

    get(batchId: string, tenantId?: string): Promise<BatchRecord | null> {
      return Batch.findOne(tenantId ? { _id: batchId, tenantId } : { _id: batchId }).lean<BatchRecord>().exec();
    },

    /** How many items are in each status (every status present, 0 when none). */
    async counts(batchId: string): Promise<Record<TaskStatus, number>> {
      const rows = await Task.aggregate<{ _id: TaskStatus; n: number }>([{ $match: { batchId } }, { $group: { _id: '$status', n: { $sum: 1 } } }]);
      const counts = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
      for (const r of rows) counts[r._id] = r.n;
      return counts;
    },

    async settlement(batch: BatchRecord): Promise<BatchSettlementView> {
      if (batch.price === 0) return { state: 'free', held: 0, captured: 0, released: 0, settledAt: null };
      const holdId = batchHoldKey(batch._id);
      const settled = await ledger.get(settleKey(holdId));
      if (settled) {
        return { state: 'settled', held: settled.amount, captured: settled.captured ?? 0, released: settled.released ?? 0, settledAt: settled.createdAt };
      }
      const hold = await ledger.get(holdId);
      return hold
        ? { state: 'held', held: hold.amount, captured: 0, released: 0, settledAt: null }
        : { state: 'none', held: 0, captured: 0, released: 0, settledAt: null };
    },

    /** Whether the batch's hold was settled (from then on an item retried by hand is charged on its own). */
    async isSettled(batchId: string): Promise<boolean> {
      return !!(await ledger.get(settleKey(batchHoldKey(batchId))));
    },
  };
}

export type Batches = ReturnType<typeof createBatches>;
