// The one way credits move: a ledger entry under a unique key, then the account update it
// implies. No multi-document transactions, so the order of the two writes and the recovery
// between them are the design:
//
//  1. Read the account at its sequence number s (balance b, held h). Check the movement against
//     exactly that state (a hold needs b >= price). Refused: nothing was written.
//  2. INSERT the entry with seq = s + 1 and its deltas. Two unique indexes decide every race:
//     `_id` (the movement's key: it happens once, whatever is retried or redelivered) and
//     (tenantId, seq) (only one movement can be the account's next). Losing the seq race means
//     another movement got s + 1 first: help it land (step 3 on its behalf) and start over.
//  3. UPDATE the account conditionally on seq = s: `$set seq: s + 1, $inc` the entry's deltas.
//
// The account is the fold of its entries 1..seq, and it only ever moves from s to s + 1 by
// applying entry s + 1: so an entry applies at most once (the condition), and the check of
// step 1 stays true (entry s + 1 is valid against state s, the only state it can apply to).
// A crash between 2 and 3 leaves entry s + 1 written and the account at s: a "half-done
// movement". It is never lost: the next movement of that tenant cannot insert s + 1 and
// applies it first, any reader catches up before answering, and the settlement sweep and
// reconciliation find accounts whose ledger has an entry past their seq and apply it.
// A crash before 2 wrote nothing; after 3 everything is done.
//
// Why not `$addToSet`-guarded account updates (the account remembers applied entry ids)? The
// list grows without end or needs trimming, and trimming reopens the window for a duplicate.
// The sequence number is one integer, and it also gives every tenant a gap-free, totally
// ordered ledger with exact running totals (balanceAfter/heldAfter) that reconciliation checks.
// The price: one tenant's movements are serialised (concurrent ones retry step 1); tenants
// never contend with each other.
import type { OutboxEntry } from '@loom/store';
import type { AccountRecord, BillingModels, LedgerEntryRecord, LedgerKind } from './models';

export interface MovementSpec {
  /** Unique key (ledger-keys.ts): a second movement under it changes nothing. */
  key: string;
  tenantId: string;
  kind: LedgerKind;
  /** Credits moved, >= 0; the deltas give the direction. */
  amount: number;
  balanceDelta: number;
  heldDelta: number;
  fields?: Partial<Pick<LedgerEntryRecord, 'taskId' | 'batchId' | 'fromAttempt' | 'holdId' | 'open' | 'captured' | 'released' | 'items' | 'reason'>>;
  /** Events announcing the movement, written with it (the ledger's outbox). */
  outbox?: OutboxEntry[];
  /** Create the account when missing (an operator's grant); every other movement needs one. */
  openAccount?: { name?: string };
}

export interface AccountState {
  tenantId: string;
  balance: number;
  held: number;
}

export type MovementResult =
  /** Written and applied now. */
  | { status: 'applied'; entry: LedgerEntryRecord }
  /** The key was used before: nothing changed; the entry is the earlier one. */
  | { status: 'duplicate'; entry: LedgerEntryRecord }
  /** Would make balance or held negative (or there is no account): nothing was written. */
  | { status: 'refused'; account: AccountState };

export interface LedgerOptions {
  /**
   * Called right after an entry is inserted, before the account update: a test hook to crash at
   * the worst moment (settlement's LOOM_TEST_CRASH_AFTER_LEDGER_WRITE). Unset in production.
   */
  onEntryWritten?: (entry: LedgerEntryRecord) => void | Promise<void>;
  /**
   * How many times one movement may lose the race for the next sequence number before it gives
   * up (default 500). Each loss means another movement of the same tenant was applied, so this
   * bounds waiting behind 500 concurrent movements of one tenant, not time.
   */
  maxRounds?: number;
}

export class LedgerContentionError extends Error {
  readonly code = 'LEDGER_CONTENTION';
  readonly retryable = true;
}

const isDuplicateKey = (err: unknown) => (err as { code?: number })?.code === 11000;
/** The driver would store an undefined field as null. */
const withoutUndefined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createLedger(models: BillingModels, opts: LedgerOptions = {}) {
  const { Account, LedgerEntry } = models;
  const maxRounds = opts.maxRounds ?? 500;

  /** Applies the entry after `acc.seq` if one is written; true when there was one (applied by us or by someone else). */
  async function applyNext(acc: Pick<AccountRecord, '_id' | 'seq'>): Promise<boolean> {
    const next = await LedgerEntry.findOne({ tenantId: acc._id, seq: acc.seq + 1 }, { balanceDelta: 1, heldDelta: 1, seq: 1 }).lean<LedgerEntryRecord>();
    if (!next) return false;
    await Account.updateOne(
      { _id: acc._id, seq: acc.seq },
      { $set: { seq: next.seq, updatedAt: new Date() }, $inc: { balance: next.balanceDelta, held: next.heldDelta } },
    );
    return true;
  }

  /** Applies every written entry the account has not taken yet; the account as it then is (null: none). */
  async function catchUp(tenantId: string): Promise<AccountRecord | null> {
    for (;;) {
      const acc = await Account.findById(tenantId).lean<AccountRecord>();
      if (!acc) return null;
      if (!(await applyNext(acc))) return acc;
    }
  }

  async function openAccount(tenantId: string, name?: string): Promise<void> {
    const now = new Date();
    const setOnInsert: Partial<AccountRecord> = { balance: 0, held: 0, seq: 0, createdAt: now, updatedAt: now };
    if (name !== undefined) setOnInsert.name = name;
    try {
      await Account.updateOne({ _id: tenantId }, { $setOnInsert: setOnInsert }, { upsert: true });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err; // two upserts raced: the account exists either way
    }
  }

  async function move(spec: MovementSpec): Promise<MovementResult> {
    if (!Number.isInteger(spec.amount) || spec.amount < 0) throw new Error(`ledger amounts are whole credits >= 0 (got ${spec.amount})`);
    for (let round = 0; round < maxRounds; round++) {
      let acc = await Account.findById(spec.tenantId).lean<AccountRecord>();
      if (!acc && spec.openAccount) {
        await openAccount(spec.tenantId, spec.openAccount.name);
        acc = await Account.findById(spec.tenantId).lean<AccountRecord>();
      }
      const balanceAfter = (acc?.balance ?? 0) + spec.balanceDelta;
      const heldAfter = (acc?.held ?? 0) + spec.heldDelta;
      if (!acc || balanceAfter < 0 || heldAfter < 0) {
        // The account may lag an entry a crashed writer left half-done: catch up, then judge.
        if (acc && (await applyNext(acc))) continue;
        const earlier = await LedgerEntry.findById(spec.key).lean<LedgerEntryRecord>();
        if (earlier) return { status: 'duplicate', entry: earlier };
        return { status: 'refused', account: { tenantId: spec.tenantId, balance: acc?.balance ?? 0, held: acc?.held ?? 0 } };
      }
      const entry: LedgerEntryRecord = {
        _id: spec.key,
        tenantId: spec.tenantId,
        seq: acc.seq + 1,
        kind: spec.kind,
        amount: spec.amount,
        balanceDelta: spec.balanceDelta,
        heldDelta: spec.heldDelta,
        balanceAfter,
        heldAfter,
        ...spec.fields,
        createdAt: new Date(),
        outbox: spec.outbox ?? [],
      };
      try {
        await LedgerEntry.collection.insertOne(withoutUndefined(entry) as never);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        const earlier = await LedgerEntry.findById(spec.key).lean<LedgerEntryRecord>();
        if (earlier) {
          await catchUp(spec.tenantId); // it may be the half-done one: finish it before answering
          return { status: 'duplicate', entry: earlier };
        }
        // Another movement took seq + 1: help it land, then start over from the new state.
        await applyNext(acc);
        if (round > 2) await sleep(Math.floor(Math.random() * Math.min(25, round)));
        continue;
      }
      await opts.onEntryWritten?.(entry);
      // No match = someone already applied it for us (the only way from seq s to s + 1).
      await Account.updateOne(
        { _id: spec.tenantId, seq: acc.seq },
        { $set: { seq: entry.seq, updatedAt: new Date() }, $inc: { balance: spec.balanceDelta, held: spec.heldDelta } },
      );
      return { status: 'applied', entry };
    }
    throw new LedgerContentionError(`ledger of ${spec.tenantId}: gave up on ${spec.key} after ${maxRounds} rounds of contention`);
  }

  return {
    move,
    catchUp,
    applyNext,
    openAccount,
    get(key: string): Promise<LedgerEntryRecord | null> {
      return LedgerEntry.findById(key).lean<LedgerEntryRecord>().exec();
    },
  };
}

export type Ledger = ReturnType<typeof createLedger>;
