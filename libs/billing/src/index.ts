// @loom/billing: credits, holds, charges, refunds and batches. The collections are settlement's
// (accounts, ledger, batches); the gateway calls the few functions that must answer at once
// (holds, releases of holds it could not use, grants, batch creation, reads), the settlement
// service everything else. See ledger.ts for how a movement stays exactly-once without
// transactions, and credits.ts for the charging rules.
import type { Connection } from 'mongoose';
import { registerModels, type OutboxPublish } from '@loom/store';
import { createBatches } from './batches';
import { createCredits } from './credits';
import { createLedger, type LedgerOptions } from './ledger';
import { createLedgerOutbox } from './ledger-outbox';
import { registerBillingModels } from './models';
import { reconcile, type ReconcileReport } from './reconcile';
import { createSettlement, type SettlementInstrument } from './settlement';

export * from './models';
export * from './ledger-keys';
export * from './pricing';
export * from './batch-settlement';
export { LedgerContentionError, type MovementResult, type AccountState, type Ledger } from './ledger';
export type { HoldResult, LedgerPage, Credits } from './credits';
export type { BatchSettlementView, Batches, NewBatch } from './batches';
export type { SettleOutcome, SweepReport, TerminalFact, Settlement, SettlementInstrument } from './settlement';
export type { ReconcileReport, ReconcileDifference } from './reconcile';
export { startLedgerRelay, type LedgerOutbox } from './ledger-outbox';

export interface BillingOptions {
  /** Publishes the ledger's outbox (task.settled, batch.settled) with confirms; settlement passes its bus. */
  publish?: OutboxPublish;
  onEntryWritten?: LedgerOptions['onEntryWritten'];
  /** How settlements are traced and counted (the settlement service passes libs/telemetry's); default: neither. */
  instrument?: SettlementInstrument;
}

export async function createBilling(conn: Connection, opts: BillingOptions = {}) {
  const models = registerBillingModels(conn);
  // Read only: batch item statuses and, in the sweep, whether a hold's task has finished.
  const { Task } = registerModels(conn);
  await Promise.all(Object.values(models).map((m) => m.init()));
  const ledger = createLedger(models, { onEntryWritten: opts.onEntryWritten });
  const outbox = createLedgerOutbox(models, ledger, opts.publish);
  const credits = createCredits(models, ledger);
  const batches = createBatches(models, Task, ledger);
  const settlement = createSettlement({ models, Task, ledger, credits, outbox, instrument: opts.instrument });
  return {
    models,
    ledger,
    outbox,
    credits,
    batches,
    settlement,
    /** Recomputes every account from the ledger; `repair` finishes half-done movements. */
    reconcile: (o: { repair?: boolean } = {}): Promise<ReconcileReport> => reconcile({ models, ledger, Task }, o),
  };
}

export type Billing = Awaited<ReturnType<typeof createBilling>>;
