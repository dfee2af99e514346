// Reconciliation: recompute every account from its ledger and report any difference (there must
// be none). `npm run reconcile` runs it (scripts/reconcile.ts); tests call it as a function.
//
// Checked per tenant: the entries are numbered 1..n without a gap; each entry's running totals
// (balanceAfter/heldAfter) equal the sum of the deltas up to it; the account equals the fold of
// entries 1..seq; nothing is negative; every capture/release settles a hold of the same amount,
// and what is held equals the holds not yet settled. An entry past the account's seq is a
// half-done movement (its writer died between the two writes): with `repair` it is applied
// (exactly what the next movement of that tenant would do) and reported as repaired; without,
// it is reported as a difference.
import type { Model } from 'mongoose';
import type { TaskRecord } from '@loom/store';
import type { Ledger } from './ledger';
import type { AccountRecord, BillingModels, LedgerEntryRecord } from './models';

export interface ReconcileDifference {
  tenantId: string;
  problem: string;
  expected?: unknown;
  actual?: unknown;
}

export interface ReconcileReport {
  accounts: number;
  entries: number;
  /** Holds not yet captured or released (tasks and batches still running). */
  openHolds: number;
  /** Half-done movements that were finished (only with `repair`). */
  repaired: string[];
  differences: ReconcileDifference[];
  /** Open holds whose task has finished or vanished (the settlement sweep settles them after SETTLEMENT_STALE_HOLD_MS). */
  settleable: string[];
  clean: boolean;
}

export async function reconcile(
  deps: { models: BillingModels; ledger: Ledger; Task: Model<TaskRecord> },
  opts: { repair?: boolean } = {},
): Promise<ReconcileReport> {
  const { Account, LedgerEntry } = deps.models;
  const report: ReconcileReport = { accounts: 0, entries: 0, openHolds: 0, repaired: [], differences: [], settleable: [], clean: true };
  const diff = (d: ReconcileDifference) => report.differences.push(d);

  const tenants = new Set<string>([
    ...((await Account.distinct('_id')) as string[]),
    ...((await LedgerEntry.distinct('tenantId')) as string[]),
  ]);
  for (const tenantId of [...tenants].sort()) {
    let acc = await Account.findById(tenantId).lean<AccountRecord>();
    if (acc && opts.repair) {
      const before = acc.seq;
      acc = (await deps.ledger.catchUp(tenantId)) ?? acc;
      if (acc.seq !== before) report.repaired.push(`${tenantId}: applied ledger entries ${before + 1}..${acc.seq}, written but not yet on the account`);
    }
    if (acc) report.accounts++;

    let balance = 0;
    let held = 0;
    let applied: { balance: number; held: number } = { balance: 0, held: 0 };
    let expectSeq = 1;
    const holds = new Map<string, number>();
    const settled = new Set<string>();
    const cursor = LedgerEntry.find({ tenantId }, { outbox: 0, items: 0 }).sort({ seq: 1 }).lean<LedgerEntryRecord[]>().cursor();
    for await (const e of cursor as AsyncIterable<LedgerEntryRecord>) {
      report.entries++;
      if (e.seq !== expectSeq) diff({ tenantId, problem: `ledger sequence has a gap before entry ${e._id}`, expected: expectSeq, actual: e.seq });
      expectSeq = e.seq + 1;
      balance += e.balanceDelta;
      held += e.heldDelta;
      if (e.balanceAfter !== balance || e.heldAfter !== held) {
        diff({ tenantId, problem: `running totals of entry ${e._id} (seq ${e.seq}) disagree with the sum of the deltas`, expected: { balance, held }, actual: { balance: e.balanceAfter, held: e.heldAfter } });
      }
      if (balance < 0 || held < 0) diff({ tenantId, problem: `negative credits after entry ${e._id}`, actual: { balance, held } });
      if (acc && e.seq <= acc.seq) applied = { balance, held };
      if (e.kind === 'hold') holds.set(e._id, e.amount);
      if (e.kind === 'capture' || e.kind === 'release' || e.kind === 'batch_settle') {
        const holdAmount = e.holdId !== undefined ? holds.get(e.holdId) : undefined;
        if (holdAmount === undefined) diff({ tenantId, problem: `${e._id} settles a hold that is not in the ledger before it`, actual: e.holdId });
        else if (holdAmount !== e.amount || -e.heldDelta !== e.amount) diff({ tenantId, problem: `${e._id} settles ${e.amount} of a hold of ${holdAmount}` });
        if (e.kind === 'batch_settle' && (e.captured ?? 0) + (e.released ?? 0) !== e.amount) {
          diff({ tenantId, problem: `${e._id}: captured + released is not the hold`, expected: e.amount, actual: { captured: e.captured, released: e.released } });
        }
        if (e.holdId !== undefined) {
          if (settled.has(e.holdId)) diff({ tenantId, problem: `hold ${e.holdId} settled twice` });
          settled.add(e.holdId);
        }
      }
    }
    const lastSeq = expectSeq - 1;
    if (!acc) {
      if (lastSeq > 0) diff({ tenantId, problem: 'ledger entries without an account', actual: lastSeq });
      continue;
    }
    if (lastSeq > acc.seq) {
      diff({ tenantId, problem: `half-done movement: ledger entries ${acc.seq + 1}..${lastSeq} are not on the account yet (run with --repair)` });
    }
    if (lastSeq < acc.seq) diff({ tenantId, problem: 'the account has applied entries the ledger does not have', expected: lastSeq, actual: acc.seq });
    if (acc.balance !== applied.balance || acc.held !== applied.held) {
      diff({ tenantId, problem: 'account differs from its ledger', expected: applied, actual: { balance: acc.balance, held: acc.held } });
    }
    let openHeld = 0;
    const open: string[] = [];
    for (const [id, amount] of holds) {
      if (!settled.has(id)) {
        openHeld += amount;
        open.push(id);
      }
    }
    report.openHolds += open.length;
    if (openHeld !== held) diff({ tenantId, problem: 'held credits differ from the holds not yet settled', expected: openHeld, actual: held });
    for (const id of open) {
      const taskId = /^task:(.+):hold:/.exec(id)?.[1];
      if (!taskId) continue;
      const t = await deps.Task.findById(taskId, { status: 1 }).lean<Pick<TaskRecord, 'status'>>();
      if (!t || ['succeeded', 'failed', 'cancelled'].includes(t.status)) report.settleable.push(id);
    }
  }
  report.clean = report.differences.length === 0;
  return report;
}
