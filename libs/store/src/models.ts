// The mongoose models of the collections the task platform keeps: tasks (with their outbox),
// task_logs and api_keys. Plain shapes (lean documents) travel outside this lib.
import { Schema, type Connection, type Model } from 'mongoose';
import { TASK_STATUSES, type LogLevel, type TaskErrorShape, type TaskStatus } from '@loom/contracts';
import type { OutboxEntry } from './outbox';

export interface TaskLease {
  owner: string;
  token: string;
  expiresAt: Date;
  /** Set once the scheduler sent a task.run again for this lapsed lease (so it does so once). */
  requeuedAt?: Date | null;
}

export interface TaskRecord {
  _id: string;
  tenantId: string;
  type: string;
  status: TaskStatus;
  input: unknown;
  priority: number;
  timeoutMs: number;
  maxAttempts: number;
  idempotencyKey?: string;
  /** tenantId + idempotencyKey: the unique key that makes a repeated submission return the same task. */
  idemKey?: string;
  batchId?: string;
  batchIndex?: number;
  /**
   * Credits one run of this task costs, fixed at submission from its type's price (absent or 0:
   * free). Held then (per task, not per attempt: automatic retries are covered), captured on
   * success, released otherwise; a manual retry after a release holds it again.
   */
  price?: number;
  attempt: number;
  progress: number;
  message?: string;
  result?: unknown;
  outputs: unknown[];
  error?: TaskErrorShape;
  provider?: string;
  externalId?: string;
  /** Sub-phase of a running provider task: waiting on the provider, or copying its outputs. */
  phase?: 'awaiting_provider' | 'ingesting' | null;
  /** Who is copying a finished provider job's outputs into storage, until when. */
  ingest?: TaskLease | null;
  /** The lease token of the run that ended this task (marks whose write it was, see succeedThenClaim). */
  endedBy?: string;
  lease?: TaskLease | null;
  /** How often a running task was taken over after its executor vanished (a poison bound). */
  takeovers?: number;
  cancelRequestedAt?: Date | null;
  nextAttemptAt?: Date | null;
  createdAt: Date;
  queuedAt?: Date | null;
  startedAt?: Date | null;
  finishedAt?: Date | null;
  updatedAt: Date;
  version: number;
  outbox: OutboxEntry[];
  /** W3C trace context of the submitting request: every event of the task joins its trace. */
  traceHeaders?: Record<string, string>;
  /** The words of the input, for search (search-terms.ts); never leaves the store's API. */
  searchTerms?: string[];
}

export interface TaskLogRecord {
  _id?: unknown;
  taskId: string;
  tenantId: string;
  timestamp: Date;
  level: LogLevel;
  message: string;
  data?: unknown;
}

export interface ApiKeyRecord {
  _id: string;
  /** sha256 of the key; the key itself is shown once and never stored. */
  hash: string;
  tenantId: string;
  role: 'user' | 'operator';
  name: string;
  createdAt: Date;
  /** Set once the key is revoked; a revoked key authenticates nothing (kept so an operator sees what existed). */
  revokedAt?: Date;
}

/** The embedded outbox entry; other collections with an outbox (billing's) reuse it. */
export const outboxSchema = new Schema<OutboxEntry>(
  {
    id: { type: String, required: true },
    exchange: { type: String, required: true },
    routingKey: { type: String, required: true },
    body: { type: String, required: true },
    headers: { type: Schema.Types.Mixed, default: {} },
    createdAt: { type: Date, required: true },
    by: String,
  },
  { _id: false },
);

const taskSchema = new Schema<TaskRecord>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    type: { type: String, required: true },
    status: { type: String, enum: TASK_STATUSES, required: true },
    input: { type: Schema.Types.Mixed, default: {} },
    priority: { type: Number, default: 0 },
    timeoutMs: { type: Number, required: true },
    maxAttempts: { type: Number, required: true },
    idempotencyKey: String,
    idemKey: String,
    batchId: String,
    batchIndex: Number,
    price: Number,
    attempt: { type: Number, required: true, default: 1 },
    progress: { type: Number, default: 0 },
    message: String,
    result: Schema.Types.Mixed,
    outputs: { type: [Schema.Types.Mixed], default: [] },
    error: { type: Schema.Types.Mixed },
    provider: String,
    externalId: String,
    phase: { type: String, default: null },
    ingest: { type: Schema.Types.Mixed, default: null },
    lease: { type: Schema.Types.Mixed, default: null },
    endedBy: String,
    takeovers: Number,
    cancelRequestedAt: { type: Date, default: null },
    nextAttemptAt: { type: Date, default: null },
    createdAt: { type: Date, required: true },
    queuedAt: Date,
    startedAt: Date,
    finishedAt: Date,
    updatedAt: { type: Date, required: true },
    version: { type: Number, required: true, default: 0 },
    outbox: { type: [outboxSchema], default: [] },
    traceHeaders: { type: Schema.Types.Mixed, default: {} },
    searchTerms: { type: [String], default: undefined },
  },
  { collection: 'tasks', versionKey: false, minimize: false },
);
taskSchema.index({ idemKey: 1 }, { unique: true, sparse: true });
taskSchema.index({ tenantId: 1, createdAt: -1 });
// Batches: their items, and whether any is still unfinished (settlement asks on every item's end).
taskSchema.index({ batchId: 1, status: 1 });
taskSchema.index({ type: 1, status: 1, queuedAt: 1 });
taskSchema.index({ status: 1, 'lease.expiresAt': 1 });
taskSchema.index({ status: 1, finishedAt: 1 });
// Outbox recovery looks up a dead writer's entries (outbox-publisher.ts), once per dead writer.
taskSchema.index({ 'outbox.by': 1, 'outbox.createdAt': 1 }, { sparse: true });
taskSchema.index({ status: 1, phase: 1, provider: 1 });
// The task center's list and search (task-queries.ts): a status filter, a word of the input, an
// idempotency key for operators (users go through idemKey), each newest first.
taskSchema.index({ tenantId: 1, status: 1, createdAt: -1 });
taskSchema.index({ tenantId: 1, searchTerms: 1, createdAt: -1 });
taskSchema.index({ idempotencyKey: 1 }, { sparse: true });

const taskLogSchema = new Schema<TaskLogRecord>(
  {
    taskId: { type: String, required: true },
    tenantId: { type: String, required: true },
    timestamp: { type: Date, required: true },
    level: { type: String, required: true },
    message: { type: String, required: true },
    data: Schema.Types.Mixed,
  },
  { collection: 'task_logs', versionKey: false },
);
taskLogSchema.index({ taskId: 1, timestamp: 1 });

const apiKeySchema = new Schema<ApiKeyRecord>(
  {
    _id: { type: String, required: true },
    hash: { type: String, required: true, unique: true },
    tenantId: { type: String, required: true },
    role: { type: String, enum: ['user', 'operator'], required: true },
    name: { type: String, required: true },
    createdAt: { type: Date, required: true },
    revokedAt: Date,
  },
  { collection: 'api_keys', versionKey: false },
);

export interface StoreModels {
  Task: Model<TaskRecord>;
  TaskLog: Model<TaskLogRecord>;
  ApiKey: Model<ApiKeyRecord>;
}

export function registerModels(conn: Connection): StoreModels {
  return {
    Task: conn.models.Task ?? conn.model<TaskRecord>('Task', taskSchema),
    TaskLog: conn.models.TaskLog ?? conn.model<TaskLogRecord>('TaskLog', taskLogSchema),
    ApiKey: conn.models.ApiKey ?? conn.model<ApiKeyRecord>('ApiKey', apiKeySchema),
  } as StoreModels;
}
