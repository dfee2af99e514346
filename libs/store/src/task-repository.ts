// Every read and write of the tasks collection. Each write is ONE conditional update on
// (id, expected status[, lease token]) that also stores the durable outbox entries announcing it
// (what a durable consumer depends on: task.run, retries, the terminal events settlement needs).
// After the write the entries go to the outbox publisher (outbox-publisher.ts), which publishes
// them with confirms; nothing rewrites the task to say "published". Live-only copies (queued,
// started, a free task's end) are announced without a confirm and never stored.
// No blind overwrites, no transactions.
import { randomUUID } from 'node:crypto';
import type { QueryFilter, UpdateQuery } from 'mongoose';
import {
  TaskAwaitingProviderV1,
  TaskCancelledV1,
  TaskCancelRequestedV1,
  TaskFailedV1,
  TaskQueuedV1,
  TaskRetryScheduledV1,
  TaskRunV1,
  TaskStartedV1,
  TaskSubmittedV1,
  TaskSucceededV1,
  TERMINAL_STATUSES,
  type TaskErrorShape,
  type TaskStatus,
} from '@loom/contracts';
import type { StoreModels, TaskRecord } from './models';
import { liveEvent, outboxEvent, outboxWork, terminalEvent, viewerEvent, type OutboxEntry } from './outbox';
import type { OutboxPublisher } from './outbox-publisher';
import { commandWrites } from './command-writes';
import { createInsertBatcher } from './insert-batcher';
import { createWriteCoalescer, type MarkedWrite } from './write-coalescer';
import { sourcesOf } from './task-state-machine';
import { searchTermsOf } from './search-terms';

export interface NewTask {
  tenantId: string;
  type: string;
  input: unknown;
  priority?: number;
  timeoutMs: number;
  maxAttempts: number;
  idempotencyKey?: string;
  batchId?: string;
  batchIndex?: number;
  /** The task's id when the caller decided it (it holds credits under it before creating the task); a new UUID otherwise. */
  id?: string;
  /** Credits the task costs, fixed now (see TaskRecord.price). */
  price?: number;
  /** W3C trace headers of the request, carried into every event of the task. */
  traceHeaders?: Record<string, string>;
  /**
   * The type has no admission rule: the task is written `queued` with its task.run in the same
   * insert (no scheduler hop). False: written `pending` with a task.submitted for the scheduler.
   */
  admitted?: boolean;
}

export interface Lease {
  owner: string;
  token: string;
  expiresAt: Date;
}

export type CancelOutcome = 'cancelled' | 'cancelling' | 'not_found' | 'already_terminal';

const isDuplicateKey = (err: unknown) => (err as { code?: number })?.code === 11000;

/** Projection of what callers of a transition read back (never the outbox, the input or the result). */
const AFTER_WRITE = { outbox: 0, result: 0 } as const;

export function createTaskRepository(models: StoreModels, outbox?: OutboxPublisher) {
  const { Task } = models;
  // New tasks of one event-loop turn share one insertMany (insert-batcher.ts).
  // Both as the server's own commands (command-writes.ts): the driver's bulk API costs more.
  const commands = commandWrites(() => Task.db.db!, Task.collection.collectionName);
  const inserts = createInsertBatcher((docs) => commands.insertUnordered(docs));
  // The executor's ends and starts of runs, several types' in one ordered write (write-coalescer.ts).
  const runWrites = createWriteCoalescer({
    bulkWrite: (ops) => commands.updateOrdered(ops),
    byIds: (ids) => Task.find({ _id: { $in: ids } } as object, { status: 1, endedBy: 1, lease: 1 }).lean<Record<string, unknown>[]>().exec(),
  });
  const ended = (id: string, token: string, w: { filter: object; update: object }): MarkedWrite => ({ id, ...w, applied: (d) => d?.endedBy === token });
  const started = (id: string, lease: Lease, w: { filter: object; update: object }): MarkedWrite => ({
    id,
    ...w,
    applied: (d) => (d?.lease as Lease | undefined)?.token === lease.token,
  });

  /** Splits a write's entries: durable ones are stored with it, live-only ones are not. */
  function split(entries: OutboxEntry[]): { durable: OutboxEntry[]; live: OutboxEntry[] } {
    const durable: OutboxEntry[] = [];
    const live: OutboxEntry[] = [];
    for (const e of entries) (e.live ? live : durable).push(e);
    outbox?.stamp(durable);
    return { durable, live };
  }

  /** After a write is stored: its durable entries to the publisher, its live copies announced. */
  function announce(parts: { durable: OutboxEntry[]; live: OutboxEntry[] }): void {
    outbox?.published(parts.durable);
    outbox?.announce(parts.live);
  }

  type TransitionOpts = {
    from?: TaskStatus[];
    where?: QueryFilter<TaskRecord>;
    set?: Partial<TaskRecord>;
    unset?: (keyof TaskRecord | string)[];
    inc?: Record<string, number>;
    events?: (before: TaskRef) => OutboxEntry[];
    /** What the caller already knows of the task: saves the read before the write. */
    ref?: TaskRef;
    /**
     * Drop the task's published task.run entries in the same write (the claim: the delivery
     * that brought it proves it was published), so the outbox stays small.
     */
    clearWork?: boolean;
  };

  /** The filter, update and entries of one conditional transition from `before`. */
  function filterOf(taskId: string, to: TaskStatus, opts: TransitionOpts): QueryFilter<TaskRecord> {
    const allowed = opts.from ?? sourcesOf(to);
    // `_id` first: MongoDB (and the local stand-in, tools/mongo-server IdFirst.java) finds the
    // one document by its `_id` index and checks the rest of the filter on it.
    return { _id: taskId, status: allowed.length === 1 ? allowed[0] : { $in: allowed }, ...opts.where };
  }

  function buildWrite(taskId: string, to: TaskStatus, opts: TransitionOpts, before: TaskRef) {
    const filter = filterOf(taskId, to, opts);
    const parts = split(opts.events?.(before) ?? []);
    const update: UpdateQuery<TaskRecord> = {
      $set: { ...opts.set, status: to, updatedAt: new Date() },
      $inc: { version: 1, ...opts.inc },
    };
    if (parts.durable.length) update.$push = { outbox: { $each: parts.durable } };
    else if (opts.clearWork) update.$pull = { outbox: { exchange: 'work' } };
    if (opts.unset?.length) update.$unset = Object.fromEntries(opts.unset.map((k) => [k, 1]));
    return { filter: opts.ref ? filter : { ...filter, version: before.version }, update: stripUndefinedSet(update), parts };
  }

  /**
   * The one way a task changes: a conditional findOneAndUpdate that moves `to` only from the
   * statuses the state machine allows (narrowed by `from`), bumps the version and stores the
   * durable entries built from the task as it was.
   */
  async function transition(taskId: string, to: TaskStatus, opts: TransitionOpts): Promise<TaskRecord | null> {
    // Without a ref, read first to build the events from the task's fields, then write
    // conditionally on the version read: if anything changed in between, nothing matches and
    // we read again. With a ref (the executor and scheduler know the task), one write.
    for (let i = 0; i < 5; i++) {
      const before: TaskRef | null = opts.ref ?? (await Task.findOne(filterOf(taskId, to, opts), { outbox: 0, input: 0, result: 0 }).lean<TaskRecord>());
      if (!before) return null;
      const w = buildWrite(taskId, to, opts, before);
      // The driver's own findOneAndUpdate: the filter and update are already in their stored
      // shape, and mongoose's casting of them was the largest CPU cost per task (profiled).
      const after = (await Task.collection.findOneAndUpdate(w.filter as object, w.update as object, {
        returnDocument: 'after',
        projection: AFTER_WRITE,
      })) as TaskRecord | null;
      if (after) {
        announce(w.parts);
        return after;
      }
      if (opts.ref) return null;
    }
    return null;
  }

  /**
   * Whether viewer-only events are wanted now (viewer-presence.ts). On the hot path they are not
   * even built while nobody watches: the bus would drop them unpublished anyway.
   */
  const watched = () => outbox?.viewersWatching?.() ?? true;

  /** The terminal event of a success, its duration from the run's start (a free task's only while watched). */
  const succeededEvents = (finishedAt: Date, result: unknown) => (t: TaskRef) =>
    isBillable(t) || watched()
      ? [
          terminalEvent(
            TaskSucceededV1,
            { type: t.type, attempt: t.attempt, durationMs: finishedAt.getTime() - (t.startedAt?.getTime() ?? finishedAt.getTime()), result },
            meta(t),
            isBillable(t),
          ),
        ]
      : [];

  /** The write that ends a run in success (its lease token recorded as `endedBy`). */
  const succeedWrite = (taskId: string, token: string, result: unknown, ref: TaskRef, outputs?: unknown[]) => {
    const finishedAt = new Date();
    return buildWrite(taskId, 'succeeded', {
      from: ['running'],
      ref,
      where: { 'lease.token': token },
      set: { result, progress: 100, finishedAt, lease: null, endedBy: token, ...(outputs?.length ? { outputs } : {}) },
      events: succeededEvents(finishedAt, result),
    }, ref);
  };

  /** The write that starts a run: queued -> running under `lease`, for the attempt the work message names. */
  const claimWrite = (taskId: string, attempt: number, lease: Lease, ref: TaskRef, startedAt = new Date()) =>
    buildWrite(taskId, 'running', {
      from: ['queued'],
      ref,
      where: { attempt },
      set: { lease, startedAt, cancelRequestedAt: null },
      clearWork: true,
      events: (t) => (watched() ? [viewerEvent(TaskStartedV1, { type: t.type, attempt, executor: lease.owner, takeover: false }, meta(t))] : []),
    }, ref);

  const meta = (t: TaskRef) => ({ tenantId: t.tenantId, taskId: t._id, headers: traceHeadersOf(t) });

  const repo = {
    /** Stores a new pending task, or returns the existing one for a repeated idempotency key. */
    async create(input: NewTask): Promise<{ task: TaskRecord; created: boolean }> {
      const now = new Date();
      const id = input.id ?? randomUUID();
      const doc: TaskRecord = {
        _id: id,
        tenantId: input.tenantId,
        type: input.type,
        status: input.admitted ? 'queued' : 'pending',
        queuedAt: input.admitted ? now : undefined,
        input: input.input,
        priority: input.priority ?? 0,
        timeoutMs: input.timeoutMs,
        maxAttempts: input.maxAttempts,
        idempotencyKey: input.idempotencyKey,
        idemKey: input.idempotencyKey ? `${input.tenantId}:${input.idempotencyKey}` : undefined,
        batchId: input.batchId,
        batchIndex: input.batchIndex,
        price: input.price,
        attempt: 1,
        progress: 0,
        outputs: [],
        createdAt: now,
        updatedAt: now,
        version: 0,
        outbox: [],
        traceHeaders: input.traceHeaders ?? {},
        searchTerms: searchTermsOf(input.input),
      } as TaskRecord;
      const m = { tenantId: doc.tenantId, taskId: id, headers: input.traceHeaders };
      // Admitted at once: the task.run goes with the insert and nothing else is durable.
      const parts = split(
        input.admitted
          ? [outboxWork(TaskRunV1, doc.type, { type: doc.type, attempt: 1 }, m), ...(watched() ? [viewerEvent(TaskQueuedV1, { type: doc.type, attempt: 1 }, m)] : [])]
          : [outboxEvent(TaskSubmittedV1, { type: doc.type, attempt: 1, priority: doc.priority }, m)],
      );
      doc.outbox = parts.durable;
      try {
        await inserts.insert(withoutUndefined(doc));
      } catch (err) {
        if (isDuplicateKey(err) && doc.idemKey) {
          const existing = await Task.findOne({ idemKey: doc.idemKey }).lean<TaskRecord>();
          if (existing) return { task: existing, created: false };
        }
        // A caller-chosen id written twice (a repeated batch item): the first write stands.
        if (isDuplicateKey(err) && input.id) {
          const existing = await Task.findOne({ _id: input.id, tenantId: input.tenantId }).lean<TaskRecord>();
          if (existing) return { task: existing, created: false };
        }
        throw err;
      }
      announce(parts);
      return { task: { ...doc, outbox: [] }, created: true };
    },

    /** The task a tenant created with this idempotency key, if any. */
    byIdempotencyKey(tenantId: string, idempotencyKey: string): Promise<TaskRecord | null> {
      return Task.findOne({ idemKey: `${tenantId}:${idempotencyKey}` }, { outbox: 0 }).lean<TaskRecord>().exec();
    },

    /** Tasks by id (one find; the order is not kept, missing ones are left out). */
    getMany(ids: string[]): Promise<TaskRecord[]> {
      // Nothing but `_id: {$in}`: the local stand-in serves that from its _id index. The driver's
      // own find (the executor's read-ahead, on the hot path): nothing here needs mongoose's casting.
      return Task.collection.find({ _id: { $in: ids } } as object, { projection: { outbox: 0 } }).toArray() as unknown as Promise<TaskRecord[]>;
    },

    get(taskId: string, tenantId?: string): Promise<TaskRecord | null> {
      return Task.findOne(tenantId ? { _id: taskId, tenantId } : { _id: taskId }, { outbox: 0 }).lean<TaskRecord>().exec();
    },

    /** scheduler: pending (or delayed and due) -> queued, with the task.run command for the executor. */
    admit(taskId: string, from: 'pending' | 'delayed', attempt: number, ref?: TaskRef): Promise<TaskRecord | null> {
      return transition(taskId, 'queued', {
        from: [from],
        ref,
        where: { attempt: from === 'pending' ? attempt : attempt - 1 },
        set: { queuedAt: new Date(), attempt, nextAttemptAt: null },
        events: (t) => [
          outboxWork(TaskRunV1, t.type, { type: t.type, attempt }, meta(t)),
          viewerEvent(TaskQueuedV1, { type: t.type, attempt }, meta(t)),
        ],
      });
    },

    /** executor: queued -> running under a lease, for the attempt the work message names. */
    claim(taskId: string, attempt: number, lease: Lease, ref?: TaskRef): Promise<TaskRecord | null> {
      return transition(taskId, 'running', {
        from: ['queued'],
        ref,
        where: { attempt },
        set: { lease, startedAt: new Date(), cancelRequestedAt: null },
        clearWork: true,
        events: (t) => [viewerEvent(TaskStartedV1, { type: t.type, attempt, executor: lease.owner, takeover: false }, meta(t))],
      });
    },

    /** executor: take over a running task whose lease expired (its executor vanished). */
    takeOver(taskId: string, expiredToken: string, lease: Lease): Promise<TaskRecord | null> {
      return transition(taskId, 'running', {
        from: ['running'],
        where: { 'lease.token': expiredToken, 'lease.expiresAt': { $lt: new Date() } },
        set: { lease, startedAt: new Date() },
        inc: { takeovers: 1 },
        events: (t) => [viewerEvent(TaskStartedV1, { type: t.type, attempt: t.attempt, executor: lease.owner, takeover: true }, meta(t))],
      });
    },

    /** executor: renew the lease; tells whether it is still ours and whether cancel was asked. */
    async heartbeat(taskId: string, token: string, leaseMs: number): Promise<{ held: boolean; cancelRequested: boolean }> {
      const t = await Task.findOneAndUpdate(
        { _id: taskId, status: 'running', 'lease.token': token },
        { $set: { 'lease.expiresAt': new Date(Date.now() + leaseMs) } },
        { returnDocument: 'after', projection: { cancelRequestedAt: 1 } },
      ).lean<TaskRecord>();
      return { held: !!t, cancelRequested: !!t?.cancelRequestedAt };
    },

    async progress(taskId: string, token: string, progress: number, message?: string): Promise<boolean> {
      const set: Partial<TaskRecord> = { progress, updatedAt: new Date() };
      if (message !== undefined) set.message = message;
      const r = await Task.updateOne({ _id: taskId, status: 'running', 'lease.token': token }, { $set: set });
      return r.matchedCount === 1;
    },

    async succeed(taskId: string, token: string, result: unknown, ref: TaskRef, outputs?: unknown[]): Promise<boolean> {
      const w = succeedWrite(taskId, token, result, ref, outputs);
      const [applied] = await runWrites.write([ended(taskId, token, w as { filter: object; update: object })]);
      if (applied) announce(w.parts);
      return !!applied;
    },

    /**
     * executor, the hot path of a busy type: ends one run in success AND starts the type's next
     * task in ONE round trip (an ordered bulk write: the end is applied before the start, so the
     * type never has two running). `next.known` is the next task as read ahead (queued, that
     * attempt); the start is conditional on it still being so. When not both matched, each
     * write's fate is read back by its own mark (the ended run's `endedBy`, the new lease's
     * token); a next task started while the end did not apply is handed back at once, so the
     * type stays serial whatever happened to the first run.
     */
    async succeedThenClaim(
      done: { taskId: string; token: string; result: unknown; ref: TaskRef; outputs?: unknown[] },
      next: { known: TaskRecord; attempt: number; lease: Lease },
    ): Promise<{ succeeded: boolean; claimed: TaskRecord | null }> {
      const end = succeedWrite(done.taskId, done.token, done.result, done.ref, done.outputs);
      const startedAt = new Date();
      const start = claimWrite(next.known._id, next.attempt, next.lease, next.known, startedAt);
      const [succeeded = false, claimed = false] = await runWrites.write([
        ended(done.taskId, done.token, end as { filter: object; update: object }),
        started(next.known._id, next.lease, start as { filter: object; update: object }),
      ]);
      if (succeeded) announce(end.parts);
      if (claimed && !succeeded) {
        // Started while the run before it did not end here: not ours to run beside it.
        await repo.handBack(next.known._id, next.lease.token);
        return { succeeded, claimed: null };
      }
      if (!claimed) return { succeeded, claimed: null };
      announce(start.parts);
      const { outbox: _outbox, ...known } = next.known;
      return {
        succeeded,
        claimed: { ...known, outbox: [], status: 'running', lease: next.lease, startedAt, cancelRequestedAt: null, version: next.known.version + 1, updatedAt: startedAt } as TaskRecord,
      };
    },

    fail(taskId: string, error: TaskErrorShape, guard: { token?: string; from?: TaskStatus[]; ref?: TaskRef } = {}): Promise<TaskRecord | null> {
      return transition(taskId, 'failed', {
        from: guard.from ?? (guard.token ? ['running'] : undefined),
        ref: guard.ref,
        where: guard.token ? { 'lease.token': guard.token } : undefined,
        set: { error, finishedAt: new Date(), lease: null },
        events: (t) => [terminalEvent(TaskFailedV1, { type: t.type, attempt: t.attempt, error }, meta(t), isBillable(t))],
      });
    },

    /** executor: a retryable failure with attempts left: running -> delayed until the backoff ends. */
    delayRetry(taskId: string, token: string, error: TaskErrorShape, delayMs: number, ref?: TaskRef): Promise<TaskRecord | null> {
      return transition(taskId, 'delayed', {
        from: ['running'],
        ref,
        where: { 'lease.token': token },
        set: { error, lease: null, nextAttemptAt: new Date(Date.now() + delayMs) },
        events: (t) => [outboxEvent(TaskRetryScheduledV1, { type: t.type, failedAttempt: t.attempt, delayMs, error }, meta(t))],
      });
    },

    /** executor: the handler stopped after a cancel request (or the task was cancelled while running). */
    cancelRunning(taskId: string, token: string, ref?: TaskRef): Promise<TaskRecord | null> {
      return transition(taskId, 'cancelled', {
        from: ['running'],
        ref,
        where: { 'lease.token': token },
        set: { finishedAt: new Date(), lease: null },
        events: (t) => [terminalEvent(TaskCancelledV1, { type: t.type, attempt: t.attempt, wasRunning: true }, meta(t), isBillable(t))],
      });
    },

    /** executor on shutdown: give the task back so the standby runs it (its delivery is requeued). */
    handBack(taskId: string, token: string): Promise<TaskRecord | null> {
      return transition(taskId, 'queued', { from: ['running'], where: { 'lease.token': token }, set: { lease: null, progress: 0 } });
    },

    /**
     * gateway: a waiting task is cancelled at once; a running one gets a cancel request that its
     * executor acts on (it answers `cancelling`).
     */
    async requestCancel(taskId: string, tenantId: string | undefined): Promise<CancelOutcome> {
      const scope = tenantId ? { tenantId } : {};
      const waiting = await transition(taskId, 'cancelled', {
        from: ['pending', 'queued', 'delayed'],
        where: scope,
        set: { finishedAt: new Date(), nextAttemptAt: null },
        events: (t) => [terminalEvent(TaskCancelledV1, { type: t.type, attempt: t.attempt, wasRunning: false }, meta(t), isBillable(t))],
      });
      if (waiting) return 'cancelled';
      const now = new Date();
      const t = await Task.findOne({ _id: taskId, ...scope }, { outbox: 0 }).lean<TaskRecord>();
      if (!t) return 'not_found';
      if (t.status !== 'running') return TERMINAL_STATUSES.includes(t.status) ? 'already_terminal' : this.requestCancel(taskId, tenantId);
      // Live-only: the executor running it hears it at once, and its heartbeat reads
      // cancelRequestedAt within a beat if the message is lost.
      const entry = liveEvent(TaskCancelRequestedV1, { type: t.type, attempt: t.attempt }, meta(t));
      const r = await Task.updateOne(
        { _id: taskId, status: 'running', cancelRequestedAt: null },
        { $set: { cancelRequestedAt: now, updatedAt: now }, $inc: { version: 1 } },
      );
      if (r.modifiedCount === 1) {
        announce({ durable: [], live: [entry] });
        return 'cancelling';
      }
      // It finished (or was already asked to stop) between the read and the write.
      const now2 = await Task.findOne({ _id: taskId }, { status: 1, cancelRequestedAt: 1 }).lean<TaskRecord>();
      if (!now2) return 'not_found';
      if (TERMINAL_STATUSES.includes(now2.status)) return 'already_terminal';
      return now2.status === 'running' && now2.cancelRequestedAt ? 'cancelling' : this.requestCancel(taskId, tenantId);
    },

    /**
     * gateway: a failed or cancelled task gets a new attempt, starting from pending. A manual
     * retry grants one more attempt on top of the type's maxAttempts, so a task that used up its
     * automatic retries can still be run again by a person.
     */
    retry(taskId: string, tenantId: string | undefined, expected: { attempt?: number } = {}): Promise<TaskRecord | null> {
      // `expected.attempt`: only from this attempt (the caller held credits for the next one).
      const where: QueryFilter<TaskRecord> = tenantId ? { tenantId } : {};
      if (expected.attempt !== undefined) where.attempt = expected.attempt;
      return transition(taskId, 'pending', {
        from: ['failed', 'cancelled'],
        where,
        // A retry is a new run: a new provider job (the old one is never resumed) and its own outputs.
        set: { progress: 0, finishedAt: null, startedAt: null, queuedAt: null, cancelRequestedAt: null, lease: null, outputs: [], phase: null, ingest: null },
        unset: ['error', 'result', 'provider', 'externalId'],
        inc: { attempt: 1, maxAttempts: 1 },
        events: (t) => [outboxEvent(TaskSubmittedV1, { type: t.type, attempt: t.attempt + 1, priority: t.priority }, meta(t))],
      });
    },

    /**
     * scheduler: in one query, running tasks whose lease ran out long ago and nobody took over
     * (not those already sent again: once per lost lease, not every sweep), delayed tasks whose
     * wake-up is overdue, and pending tasks whose task.submitted never reached the scheduler.
     */
    needingRescue(c: { leaseExpiredBefore: Date; retryDueBefore: Date; pendingSince: Date }, limit = 200): Promise<TaskRecord[]> {
      return Task.find(
        {
          $or: [
            { status: 'running', 'lease.expiresAt': { $lt: c.leaseExpiredBefore }, 'lease.requeuedAt': null },
            { status: 'delayed', nextAttemptAt: { $lt: c.retryDueBefore } },
            { status: 'pending', updatedAt: { $lt: c.pendingSince } },
          ],
        },
        { outbox: 0, input: 0, result: 0 },
      )
        .limit(limit)
        .lean<TaskRecord[]>()
        .exec();
    },

    /** scheduler: put a task.run for a running task with a lost lease back on its queue. */
    async requeueLost(t: TaskRecord): Promise<boolean> {
      const parts = split([outboxWork(TaskRunV1, t.type, { type: t.type, attempt: t.attempt }, meta(t))]);
      const r = await Task.updateOne(
        { _id: t._id, status: 'running', 'lease.token': t.lease?.token },
        { $set: { 'lease.expiresAt': new Date(0), 'lease.requeuedAt': new Date(), updatedAt: new Date() }, $push: { outbox: { $each: parts.durable } } },
      );
      if (r.modifiedCount === 1) announce(parts);
      return r.modifiedCount === 1;
    },

    /**
     * scheduler: the task.run of a queued task (or of a running one whose lease lapsed) was
     * dead-lettered by the broker's delivery limit: put a fresh one on the queue.
     */
    async resendRun(t: Pick<TaskRecord, '_id' | 'tenantId' | 'type' | 'attempt' | 'status' | 'traceHeaders'>): Promise<boolean> {
      const parts = split([outboxWork(TaskRunV1, t.type, { type: t.type, attempt: t.attempt }, meta(t as unknown as TaskRef))]);
      const r = await Task.updateOne(
        { _id: t._id, status: t.status, attempt: t.attempt },
        { $set: { updatedAt: new Date() }, $push: { outbox: { $each: parts.durable } } },
      );
      if (r.modifiedCount === 1) announce(parts);
      return r.modifiedCount === 1;
    },

    // ---- Tasks waiting on a provider (executor submits; status-sync follows and ingests) ----

    /** executor: the provider accepted the job; from now on the task waits on it. */
    async recordSubmission(taskId: string, token: string, provider: string, externalId: string): Promise<boolean> {
      const t = (await Task.collection.findOneAndUpdate(
        { _id: taskId, status: 'running', 'lease.token': token } as object,
        { $set: { provider, externalId, phase: 'awaiting_provider', updatedAt: new Date() }, $inc: { version: 1 } },
        { returnDocument: 'after', projection: { tenantId: 1, type: 1, traceHeaders: 1 } },
      )) as Pick<TaskRecord, '_id' | 'tenantId' | 'type' | 'traceHeaders'> | null;
      // Tells status-sync to poll now rather than at its next idle check.
      if (t) announce({ durable: [], live: [liveEvent(TaskAwaitingProviderV1, { type: t.type, provider, externalId }, { tenantId: t.tenantId, taskId, headers: t.traceHeaders })] });
      return !!t;
    },

    /** status-sync: the tasks to poll their provider for. */
    awaitingProvider(limit = 500): Promise<TaskRecord[]> {
      // Waiting on the provider, or copying outputs under a claim that lapsed (its copier died).
      return Task.find(
        { status: 'running', $or: [{ phase: 'awaiting_provider' }, { phase: 'ingesting', 'ingest.expiresAt': { $lt: new Date() } }] },
        { outbox: 0, input: 0 },
      )
        .limit(limit)
        .lean<TaskRecord[]>()
        .exec();
    },

    findByExternalId(provider: string, externalId: string): Promise<TaskRecord | null> {
      return Task.findOne({ provider, externalId }, { outbox: 0 }).lean<TaskRecord>().exec();
    },

    async providerProgress(taskId: string, externalId: string, progress: number, message?: string): Promise<boolean> {
      const set: Partial<TaskRecord> = { progress, updatedAt: new Date() };
      if (message !== undefined) set.message = message;
      const r = await Task.updateOne({ _id: taskId, status: 'running', phase: 'awaiting_provider', externalId, progress: { $lte: progress } }, { $set: set });
      return r.modifiedCount === 1;
    },

    /**
     * status-sync: the provider finished; take the right to copy its outputs (one winner among
     * a webhook, a poll and a replica; a crashed copier's claim lapses and is taken again).
     */
    beginIngest(taskId: string, externalId: string, ingest: Lease): Promise<TaskRecord | null> {
      return Task.findOneAndUpdate(
        {
          _id: taskId,
          status: 'running',
          externalId,
          $or: [{ phase: 'awaiting_provider' }, { phase: 'ingesting', 'ingest.expiresAt': { $lt: new Date() } }],
        },
        { $set: { phase: 'ingesting', ingest, updatedAt: new Date() }, $inc: { version: 1 } },
        { returnDocument: 'after', projection: { outbox: 0 } },
      ).lean<TaskRecord>().exec();
    },

    async renewIngest(taskId: string, token: string, ms: number): Promise<boolean> {
      const r = await Task.updateOne({ _id: taskId, status: 'running', 'ingest.token': token }, { $set: { 'ingest.expiresAt': new Date(Date.now() + ms) } });
      return r.matchedCount === 1;
    },

    finishIngest(taskId: string, token: string, outputs: unknown[], result: unknown): Promise<TaskRecord | null> {
      const finishedAt = new Date();
      return transition(taskId, 'succeeded', {
        from: ['running'],
        where: { 'ingest.token': token },
        set: { outputs, result, progress: 100, finishedAt, lease: null, ingest: null, phase: null },
        events: succeededEvents(finishedAt, result),
      });
    },

    /** status-sync: the provider reports failure (or the outputs cannot be fetched for good). */
    providerFailed(taskId: string, externalId: string, error: TaskErrorShape, ingestToken?: string): Promise<TaskRecord | null> {
      return transition(taskId, 'failed', {
        from: ['running'],
        where: ingestToken ? { externalId, 'ingest.token': ingestToken } : { externalId, phase: 'awaiting_provider' },
        set: { error, finishedAt: new Date(), lease: null, ingest: null, phase: null },
        events: (t) => [terminalEvent(TaskFailedV1, { type: t.type, attempt: t.attempt, error }, meta(t), isBillable(t))],
      });
    },

    transition,
  };
  return repo;
}

export type TaskRepository = ReturnType<typeof createTaskRepository>;

/** Fields left undefined are left out (the driver would store null, and a sparse unique index counts null). */
export function withoutUndefined<T extends object>(doc: T): T {
  return Object.fromEntries(Object.entries(doc).filter(([, v]) => v !== undefined)) as T;
}

function stripUndefinedSet(update: UpdateQuery<TaskRecord>): UpdateQuery<TaskRecord> {
  return update.$set ? { ...update, $set: withoutUndefined(update.$set as object) } : update;
}

/** The fields of a task its events are built from. */
export type TaskRef = Pick<TaskRecord, '_id' | 'tenantId' | 'type' | 'attempt' | 'priority' | 'version'> &
  Partial<Pick<TaskRecord, 'startedAt' | 'traceHeaders' | 'price' | 'batchId'>>;

/** Whether settlement has anything to do when the task ends: it holds credits, or its batch settles. */
export function isBillable(t: Pick<TaskRef, 'price' | 'batchId'>): boolean {
  return (t.price ?? 0) > 0 || !!t.batchId;
}

export function traceHeadersOf(t: TaskRef): Record<string, string> {
  return t.traceHeaders ?? {};
}
