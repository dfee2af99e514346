// Billing records -> the JSON of the credits and batches API: dates as ISO strings, absent
// values as null, internals (the ledger's outbox, open-hold hints, batch idempotency keys) never.
import type { LedgerEntryRecord } from '@loom/billing';
import type { AccountView } from '../billing/account-service';
import type { BatchView } from '../billing/batch-service';
import type { AccountJson, BatchJson, LedgerEntryJson } from '../http/billing.schemas';

export function presentAccount(a: AccountView): AccountJson {
  return { tenantId: a.tenantId, name: a.name ?? null, balance: a.balance, held: a.held };
}

export function presentLedgerEntry(e: LedgerEntryRecord): LedgerEntryJson {
  return {
    id: e._id,
    seq: e.seq,
    kind: e.kind,
    amount: e.amount,
    balanceDelta: e.balanceDelta,
    heldDelta: e.heldDelta,
    balanceAfter: e.balanceAfter,
    heldAfter: e.heldAfter,
    taskId: e.taskId ?? null,
    batchId: e.batchId ?? null,
    fromAttempt: e.fromAttempt ?? null,
    captured: e.captured ?? null,
    released: e.released ?? null,
    reason: e.reason ?? null,
    createdAt: new Date(e.createdAt).toISOString(),
  };
}

export function presentBatch({ batch, counts, settlement }: BatchView): BatchJson {
  return {
    batchId: batch._id,
    tenantId: batch.tenantId,
    type: batch.type,
    size: batch.size,
    price: batch.price,
    taskIds: batch.taskIds,
    counts,
    settlement: { ...settlement, settledAt: settlement.settledAt ? new Date(settlement.settledAt).toISOString() : null },
    createdAt: new Date(batch.createdAt).toISOString(),
  };
}
