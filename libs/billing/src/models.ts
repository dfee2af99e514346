// The collections settlement owns: accounts (one per tenant), the ledger (every movement of
// credits, each under a unique key) and batches. The gateway writes holds and batches through
// this lib because it must answer 402 synchronously; capture and release are written by the
// settlement service. Nobody else writes here.
import { Schema, type Connection, type Model } from 'mongoose';
import type { TaskStatus } from '@loom/contracts';
import { outboxSchema, type OutboxEntry } from '@loom/store';

/**
 * A tenant's credits. `balance` is what it may spend, `held` what running tasks have set aside.
 * Both are a projection of the ledger: the fold of the deltas of entries 1..seq. `seq` is the
 * last ledger entry applied, and the account moves only from seq to seq+1 (see ledger.ts).
 */
export interface AccountRecord {
  _id: string;
  name?: string;
  balance: number;
  held: number;
  seq: number;
  createdAt: Date;
  updatedAt: Date;
}

export const LEDGER_KINDS = ['grant', 'deduct', 'hold', 'capture', 'release', 'batch_settle'] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

export interface BatchItemSettlement {
  taskId: string;
  /** The item's status when the batch settled; `missing` = never created, or deleted since. */
  status: string;
  outcome: 'captured' | 'released';
  credits: number;
}

/**
 * One movement of credits. `_id` is its unique key (ledger-keys.ts): (task or batch, kind), so a
 * movement happens once whatever is redelivered or retried. `seq` numbers the tenant's entries
 * 1, 2, 3... without gaps (unique with the tenant): the order in which they apply to the account.
 */
export interface LedgerEntryRecord {
  _id: string;
  tenantId: string;
  seq: number;
  kind: LedgerKind;
  /** Credits moved, always >= 0; the deltas say in which direction. */
  amount: number;
  balanceDelta: number;
  heldDelta: number;
  /** The account right after this entry: exact, since an entry applies to the state at seq - 1 only. */
  balanceAfter: number;
  heldAfter: number;
  taskId?: string;
  batchId?: string;
  /** Holds of a task: the first attempt this hold pays for (1, or the attempt a manual retry starts). */
  fromAttempt?: number;
  /** Capture/release: the hold it settles. */
  holdId?: string;
  /** Holds: true until settled. A hint for the sweep; the settle entry's existence is the truth. */
  open?: boolean;
  captured?: number;
  released?: number;
  items?: BatchItemSettlement[];
  reason?: string;
  createdAt: Date;
  /** Events announcing this movement (task.settled, batch.settled), published after it applied. */
  outbox: OutboxEntry[];
}

export interface BatchRecord {
  _id: string;
  tenantId: string;
  type: string;
  size: number;
  /** Decided before anything is written: the hold and the tasks are keyed by them. */
  taskIds: string[];
  /** Price of each item (same order), fixed at submission. */
  prices: number[];
  /** Sum of prices: what the batch holds up front. */
  price: number;
  idempotencyKey?: string;
  /** tenantId + idempotencyKey, unique. */
  idemKey?: string;
  /** Set once every item task was written: from then on a missing item was deleted, not pending creation. */
  itemsCreated: boolean;
  /**
   * Settlement's record of each item's terminal status, by task id, from its terminal event: an
   * item deleted before its batch settles is still charged for what it was.
   */
  outcomes?: Record<string, TaskStatus>;
  createdAt: Date;
}


const accountSchema = new Schema<AccountRecord>(
  {
    _id: { type: String, required: true },
    name: String,
    balance: { type: Number, required: true, default: 0 },
    held: { type: Number, required: true, default: 0 },
    seq: { type: Number, required: true, default: 0 },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'accounts', versionKey: false },
);

const ledgerSchema = new Schema<LedgerEntryRecord>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    seq: { type: Number, required: true },
    kind: { type: String, enum: LEDGER_KINDS, required: true },
    amount: { type: Number, required: true },
    balanceDelta: { type: Number, required: true },
    heldDelta: { type: Number, required: true },
    balanceAfter: { type: Number, required: true },
    heldAfter: { type: Number, required: true },
    taskId: String,
    batchId: String,
    fromAttempt: Number,
    holdId: String,
    open: Boolean,
    captured: Number,
    released: Number,
    items: { type: [Schema.Types.Mixed], default: undefined },
    reason: String,
    createdAt: { type: Date, required: true },
    outbox: { type: [outboxSchema], default: [] },
  },
  { collection: 'ledger', versionKey: false, minimize: false },
);
// The order of a tenant's movements: two writers can never both take the next number.
ledgerSchema.index({ tenantId: 1, seq: 1 }, { unique: true });
ledgerSchema.index({ taskId: 1, kind: 1, fromAttempt: -1 });
ledgerSchema.index({ kind: 1, open: 1, createdAt: 1 });
ledgerSchema.index({ 'outbox.createdAt': 1 });

const batchSchema = new Schema<BatchRecord>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    type: { type: String, required: true },
    size: { type: Number, required: true },
    taskIds: { type: [String], required: true },
    prices: { type: [Number], required: true },
    price: { type: Number, required: true },
    idempotencyKey: String,
    idemKey: String,
    itemsCreated: { type: Boolean, required: true, default: false },
    outcomes: { type: Schema.Types.Mixed, default: undefined },
    createdAt: { type: Date, required: true },
  },
  { collection: 'batches', versionKey: false, minimize: false },
);
batchSchema.index({ idemKey: 1 }, { unique: true, sparse: true });
batchSchema.index({ tenantId: 1, createdAt: -1 });
batchSchema.index({ taskIds: 1 });

export interface BillingModels {
  Account: Model<AccountRecord>;
  LedgerEntry: Model<LedgerEntryRecord>;
  Batch: Model<BatchRecord>;
}

export function registerBillingModels(conn: Connection): BillingModels {
  return {
    Account: conn.models.Account ?? conn.model<AccountRecord>('Account', accountSchema),
    LedgerEntry: conn.models.LedgerEntry ?? conn.model<LedgerEntryRecord>('LedgerEntry', ledgerSchema),
    Batch: conn.models.Batch ?? conn.model<BatchRecord>('Batch', batchSchema),
  } as BillingModels;
}
