// Accounts and the movements of credits that the API needs answered at once: holds (the gateway,
// at submit and at a manual retry, must answer 402 synchronously), the release of a hold whose
// task was never written, operators' grants, and reads. Each is one ledger movement (ledger.ts).
//
// Charging rules:
// - A task is held once, under (task, fromAttempt): automatic retries run under the same hold,
//   so a task that succeeds on its third attempt is charged once.
// - Success captures the hold; failure, cancel and timeout release it.
// - A manual retry of a failed or cancelled task (whose hold was, or will be, released) is a
//   new run: it is held again, under the attempt it starts at, and settled on its own.
// - Types without a price are free: their tasks hold nothing and need no account.
import { creditKey, settleKey, taskHoldKey, batchHoldKey } from './ledger-keys';
import type { AccountState, Ledger, MovementResult } from './ledger';
import type { AccountRecord, BillingModels, LedgerEntryRecord } from './models';
import type { OutboxEntry } from '@loom/store';

export type HoldResult =
  | { ok: true; holdId: string; /** The same hold was taken before (a concurrent retry of the same request). */ replayed: boolean }
  | { ok: false; balance: number; held: number };

export interface LedgerPage {
  items: LedgerEntryRecord[];
  page: number;
  pageSize: number;
  total: number;
}

export function createCredits(models: BillingModels, ledger: Ledger) {
  const { Account, LedgerEntry } = models;

  async function hold(key: string, tenantId: string, amount: number, fields: Partial<LedgerEntryRecord>): Promise<MovementResult> {
    return ledger.move({ key, tenantId, kind: 'hold', amount, balanceDelta: -amount, heldDelta: amount, fields: { ...fields, open: true } });
  }

  /** Captures or releases a hold: once, whichever comes first; the hold is closed either way. */
  async function settleHold(
    h: LedgerEntryRecord,
    action: 'capture' | 'release',
    extra: { reason?: string; outbox?: OutboxEntry[] } = {},
  ): Promise<Exclude<MovementResult, { status: 'refused' }>> {
    const r = await ledger.move({
      key: settleKey(h._id),
      tenantId: h.tenantId,
      kind: action,
      amount: h.amount,
      balanceDelta: action === 'release' ? h.amount : 0,
      heldDelta: -h.amount,
      fields: { taskId: h.taskId, batchId: h.batchId, fromAttempt: h.fromAttempt, holdId: h._id, reason: extra.reason },
      outbox: extra.outbox,
    });
    // Refused would mean the hold is not in `held`: the ledger is inconsistent, stop loudly.
    if (r.status === 'refused') throw new Error(`cannot ${action} ${h._id}: the account does not hold ${h.amount} credits`);
    await closeHold(h._id);
    return r;
  }

  /** Marks a hold settled (a hint for the sweep; the settle entry is the truth). */
  async function closeHold(holdId: string): Promise<void> {
    await LedgerEntry.updateOne({ _id: holdId, open: true }, { $set: { open: false } });
  }

  async function accountState(tenantId: string): Promise<AccountState & { name?: string; exists: boolean }> {
    const acc = await ledger.catchUp(tenantId);
    return acc
      ? { tenantId, name: acc.name, balance: acc.balance, held: acc.held, exists: true }
      : { tenantId, balance: 0, held: 0, exists: false };
  }

  return {
    settleHold,
    closeHold,

    /**
     * Holds a task's price from `fromAttempt` on. The caller decides the task id first and writes
     * the task only after this succeeded, so a refused hold leaves nothing behind.
     */
    async holdForTask(a: { tenantId: string; taskId: string; fromAttempt: number; amount: number }): Promise<HoldResult> {
      for (let generation = 1; generation <= 20; generation++) {
        const key = taskHoldKey(a.taskId, a.fromAttempt, generation);
        const r = await hold(key, a.tenantId, a.amount, { taskId: a.taskId, fromAttempt: a.fromAttempt });
        if (r.status === 'refused') return { ok: false, balance: r.account.balance, held: r.account.held };
        if (r.status === 'applied') return { ok: true, holdId: key, replayed: false };
        // Taken before: by a concurrent retry of the same task (share it), unless that hold was
        // already released (its retry never happened): then the next generation.
        if (!(await ledger.get(settleKey(key)))) return { ok: true, holdId: key, replayed: true };
      }
      throw new Error(`task ${a.taskId}: too many released holds for attempt ${a.fromAttempt}`);
    },

    /** Holds a whole batch up front, under the batch id decided before anything is written. */
    async holdForBatch(a: { tenantId: string; batchId: string; amount: number }): Promise<HoldResult> {
      const key = batchHoldKey(a.batchId);
      const r = await hold(key, a.tenantId, a.amount, { batchId: a.batchId });
      if (r.status === 'refused') return { ok: false, balance: r.account.balance, held: r.account.held };
      return { ok: true, holdId: key, replayed: r.status === 'duplicate' };
    },

    /** Releases a hold whose task or batch was never written (a failed write, an idempotent replay). */
    async releaseHold(holdId: string, reason: string): Promise<Exclude<MovementResult, { status: 'refused' }> | null> {
      const h = await ledger.get(holdId);
      return h ? settleHold(h, 'release', { reason }) : null;
    },

    /**
     * An operator's grant (amount > 0) or deduction (amount < 0). `key` makes it idempotent (a
     * repeated request with the same key changes nothing); the account is opened on first use.
     */
    async grant(a: { tenantId: string; amount: number; reason: string; key: string }): Promise<MovementResult> {
      const amount = Math.abs(a.amount);
      return ledger.move({
        key: creditKey(a.tenantId, a.key),
        tenantId: a.tenantId,
        kind: a.amount >= 0 ? 'grant' : 'deduct',
        amount,
        balanceDelta: a.amount,
        heldDelta: 0,
        fields: { reason: a.reason },
        openAccount: {},
      });
    },

    /** Opens a tenant's account (balance 0) under a name; no-op when it exists. */
    async openAccount(tenantId: string, name?: string): Promise<void> {
      await ledger.openAccount(tenantId, name);
    },

    /** Balance and held credits, after finishing any half-done movement; zeros for a tenant without account. */
    account: accountState,

    async accountExists(tenantId: string): Promise<boolean> {
      return !!(await Account.exists({ _id: tenantId }));
    },

    /** A tenant's ledger, newest first. */
    async ledgerPage(tenantId: string, page: number, pageSize: number): Promise<LedgerPage> {
      await ledger.catchUp(tenantId);
      const [items, total] = await Promise.all([
        LedgerEntry.find({ tenantId }, { outbox: 0 })
          .sort({ seq: -1 })
          .skip((page - 1) * pageSize)
          .limit(pageSize)
          .lean<LedgerEntryRecord[]>(),
        LedgerEntry.countDocuments({ tenantId }),
      ]);
      return { items, page, pageSize, total };
    },

    listAccounts(): Promise<AccountRecord[]> {
      return Account.find({}).sort({ _id: 1 }).lean<AccountRecord[]>().exec();
    },
  };
}

export type Credits = ReturnType<typeof createCredits>;
