// What the settlement service does with a terminal task event, and its sweep: capture or release
// the task's hold, or, for a batch item, settle the whole batch once its last item is terminal.
// Every step is keyed in the ledger, so a redelivered event, two replicas, or a restart halfway
// through settle each hold exactly once.
import type { Model } from 'mongoose';
import { BatchSettledV1, TaskSettledV1, TERMINAL_STATUSES, type TaskStatus } from '@loom/contracts';
import type { TaskRecord } from '@loom/store';
import { decideBatchSettlement, staleTaskHoldAction } from './batch-settlement';
import type { Credits } from './credits';
import { eventEntry } from './events';
import type { Ledger, MovementResult } from './ledger';
import type { LedgerOutbox } from './ledger-outbox';
import { batchHoldKey, settleKey } from './ledger-keys';
import type { AccountRecord, BatchRecord, BillingModels, LedgerEntryRecord } from './models';

export interface TerminalFact {
  taskId: string;
  /** The attempt the event reports: it picks the hold that paid for that run. */
  attempt: number;
  status: Extract<TaskStatus, 'succeeded' | 'failed' | 'cancelled'>;
  type?: string;
  /** The terminal event's message id and trace context, carried into task.settled / batch.settled. */
  causationId?: string;
  headers?: Record<string, string>;
}

export type SettleOutcome =
  | 'captured'
  | 'released'
  /** Settled before (a redelivery): nothing changed. */
  | 'duplicate'
  /** No hold covers this run: a free task. */
  | 'free'
  /** A batch item: the batch has items still running. */
  | 'batch_waiting'
  | 'batch_settled';

export interface SweepReport {
  /** Accounts whose half-done movement was finished. */
  repaired: number;
  /** Holds settled because their terminal event never settled them. */
  settled: number;
}

/**
 * How a settlement is traced and counted, handed in by the settlement service (libs/telemetry's
 * inSettleSpan / inBatchSettleSpan / recordCredits) so this lib needs no telemetry of its own.
 * `settled` is called once per movement actually applied, never for a duplicate.
 */
export interface SettlementInstrument {
  settle<T>(info: { action: 'capture' | 'release'; credits: number; taskId?: string }, fn: () => Promise<T>): Promise<T>;
  settleBatch<T>(info: { batchId: string; items: number; captured: number; released: number }, fn: () => Promise<T>): Promise<T>;
  settled(action: 'capture' | 'release', credits: number, type?: string): void;
}

const UNINSTRUMENTED: SettlementInstrument = { settle: (_info, fn) => fn(), settleBatch: (_info, fn) => fn(), settled: () => undefined };

interface EventMeta {
  causationId?: string;
  headers?: Record<string, string>;
}

export function createSettlement(deps: { models: BillingModels; Task: Model<TaskRecord>; ledger: Ledger; credits: Credits; outbox: LedgerOutbox; instrument?: SettlementInstrument }) {
  const { models, Task, ledger, credits, outbox } = deps;
  const instrument = deps.instrument ?? UNINSTRUMENTED;
  const { LedgerEntry, Batch, Account } = models;

  /** The hold that paid for `attempt` of a task: the latest one from an attempt at or before it. */
  function holdCovering(taskId: string, attempt: number): Promise<LedgerEntryRecord | null> {
    return LedgerEntry.findOne({ taskId, kind: 'hold', fromAttempt: { $lte: attempt } }, { outbox: 0 })
      .sort({ fromAttempt: -1, seq: -1 })
      .lean<LedgerEntryRecord>()
      .exec();
  }

  async function settleTaskHold(
    h: LedgerEntryRecord,
    action: 'capture' | 'release',
    type: string | undefined,
    meta: EventMeta,
  ): Promise<Exclude<MovementResult, { status: 'refused' }>> {
    const event = eventEntry(
      TaskSettledV1,
      { type, outcome: action === 'capture' ? 'captured' : 'released', credits: h.amount, fromAttempt: h.fromAttempt, ledgerEntryId: settleKey(h._id) },
      { tenantId: h.tenantId, taskId: h.taskId, causationId: meta.causationId, headers: meta.headers },
    );
    const r = await instrument.settle({ action, credits: h.amount, taskId: h.taskId }, () => credits.settleHold(h, action, { outbox: [event] }));
    if (r.status === 'applied') instrument.settled(action, h.amount, type);
    // Only the writer that applied a movement announces it: a duplicate (a redelivery, or a
    // concurrent settle of the same thing) publishing too would announce it twice. What a crashed
    // writer left unannounced, the ledger relay publishes.
    if (r.status === 'applied') await outbox.flush(r.entry);
    return r;
  }

  async function settleBatch(batchId: string, opts: { stale: boolean } & EventMeta): Promise<'batch_waiting' | 'batch_settled' | 'duplicate' | 'free' | 'released'> {
    const holdId = batchHoldKey(batchId);
    const [batch, hold, done] = await Promise.all([
      Batch.findById(batchId).lean<BatchRecord>(),
      ledger.get(holdId),
      ledger.get(settleKey(holdId)),
    ]);
    if (done) {
      await ledger.catchUp(done.tenantId);
      await credits.closeHold(holdId);
      await outbox.flush(done);
      return 'duplicate';
    }
    if (!hold) return 'free';
    if (!batch) {
      // Held, but the batch was never written (its gateway died in between): give it all back.
      if (!opts.stale) return 'batch_waiting';
      await credits.settleHold(hold, 'release', { reason: 'batch never written' });
      return 'released';
    }
    // Cheap first: most item ends find others still running.
    if (await Task.exists({ batchId, status: { $nin: TERMINAL_STATUSES } })) return 'batch_waiting';
    const items = await Task.find({ batchId }, { _id: 1, status: 1 }).lean<Pick<TaskRecord, '_id' | 'status'>[]>();
    const statuses = new Map(items.map((t) => [t._id, t.status]));
    // An item deleted since it finished counts for what its terminal event said.
    for (const [taskId, status] of Object.entries(batch.outcomes ?? {})) if (!statuses.has(taskId)) statuses.set(taskId, status);
    const decision = decideBatchSettlement({
      taskIds: batch.taskIds,
      prices: batch.prices,
      held: hold.amount,
      statuses,
      missingAreFinal: batch.itemsCreated || opts.stale,
    });
    if (!decision.complete) return 'batch_waiting';
    const key = settleKey(holdId);
    const meta = { tenantId: batch.tenantId, causationId: opts.causationId, headers: opts.headers };
    const events = [
      eventEntry(
        BatchSettledV1,
        {
          batchId,
          type: batch.type,
          size: batch.size,
          succeeded: decision.succeeded,
          notSucceeded: decision.notSucceeded,
          held: hold.amount,
          captured: decision.captured,
          released: decision.released,
          ledgerEntryId: key,
        },
        { ...meta, correlationId: batchId },
      ),
      ...decision.items.map((i) =>
        eventEntry(
          TaskSettledV1,
          { type: batch.type, outcome: i.outcome, credits: i.credits, batchId, ledgerEntryId: key },
          { ...meta, taskId: i.taskId },
        ),
      ),
    ];
    // One movement for the whole batch: captures and releases together, so it settles once.
    const r = await instrument.settleBatch({ batchId, items: decision.items.length, captured: decision.captured, released: decision.released }, () =>
      ledger.move({
        key,
        tenantId: batch.tenantId,
        kind: 'batch_settle',
        amount: hold.amount,
        balanceDelta: decision.released,
        heldDelta: -hold.amount,
        fields: { batchId, holdId, captured: decision.captured, released: decision.released, items: decision.items },
        outbox: events,
      }),
    );
    if (r.status === 'applied') {
      instrument.settled('capture', decision.captured, batch.type);
      instrument.settled('release', decision.released, batch.type);
    }
    if (r.status === 'refused') throw new Error(`cannot settle batch ${batchId}: the account does not hold ${hold.amount} credits`);
    await credits.closeHold(holdId);
    // As for a task's hold: only the writer that applied it announces it (the relay covers a crash).
    if (r.status === 'applied') await outbox.flush(r.entry);
    return r.status === 'applied' ? 'batch_settled' : 'duplicate';
  }

  return {
    settleBatch,

    /** Settles what a terminal task event ends: its hold, or its batch when it was the last item. */
    async onTerminal(f: TerminalFact): Promise<SettleOutcome> {
      const meta = { causationId: f.causationId, headers: f.headers };
      const hold = await holdCovering(f.taskId, f.attempt);
      if (hold) {
        const action = f.status === 'succeeded' ? 'capture' : 'release';
        const r = await settleTaskHold(hold, action, f.type, meta);
        if (r.status === 'duplicate') return 'duplicate';
        return action === 'capture' ? 'captured' : 'released';
      }
      // No hold of its own: a free task, or a batch item (its batch holds for it). The item may
      // already be deleted: its batch also knows it.
      const task = await Task.findById(f.taskId, { batchId: 1 }).lean<Pick<TaskRecord, 'batchId'>>();
      const batchId = task ? task.batchId : (await Batch.findOne({ taskIds: f.taskId }, { _id: 1 }).lean<Pick<BatchRecord, '_id'>>())?._id;
      if (!batchId) return 'free';
      // Remember how it ended before judging the batch (a batch item is retried by hand only
      // after its batch settled, so the first terminal status is the one that counts).
      await Batch.updateOne({ _id: batchId, [`outcomes.${f.taskId}`]: { $exists: false } }, { $set: { [`outcomes.${f.taskId}`]: f.status } });
      const r = await settleBatch(batchId, { stale: false, ...meta });
      return r === 'released' ? 'batch_settled' : r;
    },

    /**
     * The repair pass (every SETTLEMENT_SWEEP_MS): finishes half-done movements, and settles holds
     * older than `staleMs` that nothing will settle any more (their terminal event was lost with a
     * deleted task, or the gateway died between a hold and the task it paid for).
     */
    async sweep(staleMs: number, limit = 500): Promise<SweepReport> {
      let repaired = 0;
      let settled = 0;
      for await (const acc of Account.find({}, { _id: 1, seq: 1 }).lean<AccountRecord[]>().cursor()) {
        if (await LedgerEntry.exists({ tenantId: acc._id, seq: acc.seq + 1 })) {
          await ledger.catchUp(acc._id);
          repaired++;
        }
      }
      const stale = await LedgerEntry.find({ kind: 'hold', open: true, createdAt: { $lt: new Date(Date.now() - staleMs) } }, { outbox: 0 })
        .sort({ createdAt: 1 })
        .limit(limit)
        .lean<LedgerEntryRecord[]>();
      for (const h of stale) {
        if (await ledger.get(settleKey(h._id))) {
          await credits.closeHold(h._id);
          continue;
        }
        if (h.batchId) {
          const r = await settleBatch(h.batchId, { stale: true });
          if (r === 'batch_settled' || r === 'released') settled++;
          continue;
        }
        const [task, latest] = await Promise.all([
          Task.findById(h.taskId, { status: 1, attempt: 1, type: 1 }).lean<Pick<TaskRecord, 'status' | 'attempt' | 'type'>>(),
          LedgerEntry.findOne({ taskId: h.taskId, kind: 'hold' }, { _id: 1 }).sort({ fromAttempt: -1, seq: -1 }).lean<Pick<LedgerEntryRecord, '_id'>>(),
        ]);
        const action = staleTaskHoldAction({ hold: { _id: h._id, fromAttempt: h.fromAttempt ?? 1 }, latestHoldId: latest?._id ?? h._id, task });
        if (action === 'wait') continue;
        const r = await settleTaskHold(h, action, task?.type, {});
        if (r.status === 'applied') settled++;
      }
      return { repaired, settled };
    },
  };
}

export type Settlement = ReturnType<typeof createSettlement>;
