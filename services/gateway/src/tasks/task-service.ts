// The use cases of the tasks API, between the HTTP routes (which only parse and present) and
// the store (which owns every write). Each takes the caller's tenant scope: a tenant id, or
// undefined for an operator; another tenant's task is simply not found.
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Billing } from '@loom/billing';
import { runLinesOf, type QueueInfo, type Store, type TaskFilter, type TaskLogRecord, type TaskRecord } from '@loom/store';
import {
  ApiError,
  BatchNotSettledError,
  BulkTooLargeError,
  IdempotencyKeyReusedError,
  InsufficientCreditsError,
  TaskFinishedError,
  TaskNotFinishedError,
  TaskNotFoundError,
  TaskNotRetryableError,
  UnknownTaskTypeError,
  ValidationError,
} from '../http/errors';
import type { BulkCancelBody, BulkRetryBody, CleanupBody, ListTasksQuery, SubmitTaskBody, TaskFilterBody } from '../http/schemas';
import type { PreparedSubmission, TaskCatalog } from './task-catalog';
import type { SubmitTicket, TenantLimiter } from '../limits/tenant-limiter';

/** The caller's tenant, or undefined for an operator (every tenant). */
export type TenantScope = string | undefined;

/** What a submission gave: its task, and whether this request created it (false: a replay). */
export interface Submitted {
  task: TaskRecord;
  created: boolean;
}

/** One item of a submitMany: the task, or the error that item alone met while being written. */
export type SubmitOutcome = Submitted | { error: unknown };

interface CheckedSubmission {
  body: SubmitTaskBody;
  prepared: PreparedSubmission;
  price: number;
}

interface HeldSubmission extends CheckedSubmission {
  id: string;
  holdId?: string;
}

export interface TaskServiceDeps {
  store: Pick<Store, 'tasks' | 'queries' | 'logs'>;
  catalog: TaskCatalog;
  now?: () => Date;
  /** Presigned download URL of a stored output (GET /v1/tasks/:id offers one per output). */
  presign?: (key: string) => Promise<string>;
  /**
   * Credits: holds at submit and at a manual retry. Required when any type has a price; an app
   * built without it (focused tests) accepts free types only.
   */
  billing?: Pick<Billing, 'credits' | 'batches'>;
  /** Per-tenant submission limits (429); an app built without it (focused tests) has none. */
  limiter?: Pick<TenantLimiter, 'acquire'>;
}

/** How many store calls a bulk cancel runs at once: bounded so one request cannot hog the pool. */
const BULK_CONCURRENCY = 8;
/** Most tasks one bulk action by filter may address: above it the caller is asked to narrow the filter. */
export const MAX_BULK_TASKS = 10_000;
const UNFINISHED = ['pending', 'queued', 'delayed', 'running'] as const;
const RETRYABLE = ['failed', 'cancelled'] as const;

/** The store's filter for a request's filter fields, in the caller's scope. */
export function toTaskFilter(scope: TenantScope, f: TaskFilterBody): TaskFilter {
  return {
    tenantId: scope,
    status: f.status,
    type: f.type,
    batchId: f.batchId,
    q: f.q,
    createdAfter: f.createdAfter ? new Date(f.createdAfter) : undefined,
    createdBefore: f.createdBefore ? new Date(f.createdBefore) : undefined,
  };
}

export function createTaskService({ store, catalog, now = () => new Date(), presign, billing, limiter }: TaskServiceDeps) {
  if (catalog.hasPrices() && !billing) throw Object.assign(new Error('task types have prices but the task service has no billing'), { code: 'CONFIG_INVALID' });

  /** The idempotent replay of a submission: the same request again, or an error. */
  function replayOf(task: TaskRecord, prepared: { type: string; timeoutMs: number; input: unknown }, body: SubmitTaskBody): Submitted {
    const same =
      task.type === prepared.type &&
      task.timeoutMs === prepared.timeoutMs &&
      task.priority === body.priority &&
      isDeepStrictEqual(canonical(task.input), canonical(prepared.input));
    if (!same) {
      throw new IdempotencyKeyReusedError(`idempotency key "${body.idempotencyKey}" was used for task ${task._id} with a different request`);
    }
    return { task, created: false };
  }

  async function withDownloadUrls(task: TaskRecord): Promise<TaskRecord> {
    if (!presign || !task.outputs?.length) return task;
    const outputs = await Promise.all(
      task.outputs.map(async (o) => {
        const key = (o as { key?: unknown }).key;
        return typeof key === 'string' ? { ...(o as object), url: await presign(key) } : o;
      }),
    );
    return { ...task, outputs };
  }

  /** The ids a bulk action by filter addresses; refuses more than MAX_BULK_TASKS rather than acting on part. */
  async function matchingIds(filter: TaskFilter): Promise<string[]> {
    const matched = await store.queries.count(filter);
    if (matched > MAX_BULK_TASKS) {
      throw new BulkTooLargeError(`the filter matches ${matched} tasks, more than ${MAX_BULK_TASKS} one request may act on; narrow it (by type, status or time range)`, { matched, limit: MAX_BULK_TASKS });
    }
    return store.queries.idsMatching(filter, MAX_BULK_TASKS);
  }

  async function mustGet(scope: TenantScope, id: string): Promise<TaskRecord> {
    const task = await store.tasks.get(id, scope);
    if (!task) throw new TaskNotFoundError(id);
    return task;
  }

  /** A submission checked against its type, with its price. */
  function check(body: SubmitTaskBody): CheckedSubmission {
    const prepared = catalog.prepare(body);
    return { body, prepared, price: catalog.priceOf(prepared.type, prepared.input) };
  }

  /** Runs a check of item i of a submitMany, its failing fields renamed `tasks.<i>.<field>`. */
  function inItem<T>(i: number, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ValidationError) throw new ValidationError(err.issues.map((x) => ({ path: `tasks.${i}.${x.path}`, message: x.message })));
      if (err instanceof ApiError) Object.assign(err, { message: `tasks.${i}: ${err.message}` });
      throw err;
    }
  }

  /**
   * Decides each new task's id and holds its price, all or none: the id comes first so a hold
   * is keyed by it. The holds are taken one after another and the first refusal (402, with the
   * balance before this request and the sum of its prices) releases those taken and gives back
   * `ticket`, so that nothing is left behind.
   */
  async function holdAll(tenantId: string, items: CheckedSubmission[], ticket?: SubmitTicket): Promise<HeldSubmission[]> {
    const held: HeldSubmission[] = items.map((item) => ({ ...item, id: randomUUID() }));
    let heldSum = 0;
    const refuse = async (err: unknown): Promise<never> => {
      ticket?.release();
      // If a release fails too, the settlement sweep releases the hold of a task that never appeared.
      await Promise.all(held.map((h) => (h.holdId ? billing!.credits.releaseHold(h.holdId, 'the submission was refused').catch(() => undefined) : undefined)));
      throw err;
    };
    for (const h of held) {
      if (h.price <= 0) continue;
      const hold = await billing!.credits.holdForTask({ tenantId, taskId: h.id, fromAttempt: 1, amount: h.price }).catch(refuse);
      if (!hold.ok) return refuse(new InsufficientCreditsError(hold.balance + heldSum, held.reduce((s, x) => s + x.price, 0)));
      h.holdId = hold.holdId;
      heldSum += h.price;
    }
    return held;
  }

  /**
   * Writes one task whose price is held. A hold the task could not use is released (and
   * `ticket` given back when it is this task's alone); a concurrent request that took the same
   * idempotency key first makes this a replay of its task.
   */
  async function write(tenantId: string, h: HeldSubmission, traceHeaders?: Record<string, string>, ticket?: SubmitTicket): Promise<Submitted> {
    const unhold = async (reason: string) => {
      ticket?.release();
      // If this fails too, the settlement sweep releases the hold of a task that never appeared.
      if (h.holdId) await billing!.credits.releaseHold(h.holdId, reason).catch(() => undefined);
    };
    let result: Submitted;
    try {
      result = await store.tasks.create({
        id: h.id,
        tenantId,
        ...h.prepared,
        price: h.price,
        priority: h.body.priority,
        idempotencyKey: h.body.idempotencyKey,
        traceHeaders,
        // No admission rule exists yet: the task is queued with its task.run in one insert.
        admitted: true,
      });
    } catch (err) {
      await unhold('the task could not be written');
      throw err;
    }
    if (!result.created) {
      // A concurrent request with the same key won: its task stands, ours was never written.
      await unhold('idempotent replay: the key already names another task');
      return replayOf(result.task, h.prepared, h.body);
    }
    return result;
  }

  const service = {
    /**
     * Creates a pending task. A repeated idempotency key returns the first task (`created`
     * false); reusing a key for a different request is an error rather than a silent replay.
     */
    async submit(tenantId: string, body: SubmitTaskBody, traceHeaders?: Record<string, string>): Promise<Submitted> {
      const item = check(body);
      // A replay holds nothing: answer it before touching credits.
      if (body.idempotencyKey) {
        const existing = await store.tasks.byIdempotencyKey(tenantId, body.idempotencyKey);
        if (existing) return replayOf(existing, item.prepared, body);
      }
      // The tenant's limits (429) come before anything is held or written; a replay passed above.
      const ticket = await limiter?.acquire(tenantId);
      const [held] = await holdAll(tenantId, [item], ticket);
      return write(tenantId, held!, traceHeaders, ticket);
    },

    /**
     * Creates up to MAX_SUBMIT_MANY (schemas.ts) tasks in one request, as `submit` would each, in the order
     * given. Everything that can refuse the request is decided for all of them before anything
     * is written, so a refusal (400 naming `tasks.<i>.<field>`, 422, 429, 402) creates nothing:
     * every body is checked, repeated keys are answered as replays, the limits admit all the new
     * tasks or none, and every price is held or none. The new tasks then go to MongoDB together
     * (the insert batcher makes them one insertMany) and each gets its own outcome: a write that
     * failed (the database, or a concurrent request that took the same key) is that item's error.
     */
    async submitMany(tenantId: string, bodies: SubmitTaskBody[], traceHeaders?: Record<string, string>): Promise<SubmitOutcome[]> {
      const items = bodies.map((body, i) => inItem(i, () => check(body)));
      const firstWithKey = new Map<string, number>();
      bodies.forEach((b, i) => {
        if (!b.idempotencyKey) return;
        const first = firstWithKey.get(b.idempotencyKey);
        if (first !== undefined) throw ValidationError.field(`tasks.${i}.idempotencyKey`, `repeats the key of tasks.${first}: each task of one request needs its own`);
        firstWithKey.set(b.idempotencyKey, i);
      });
      const replays = await Promise.all(bodies.map((b) => (b.idempotencyKey ? store.tasks.byIdempotencyKey(tenantId, b.idempotencyKey) : null)));
      const outcomes: (SubmitOutcome | undefined)[] = replays.map((existing, i) => (existing ? inItem(i, () => replayOf(existing, items[i]!.prepared, bodies[i]!)) : undefined));
      const fresh = items.filter((_, i) => !outcomes[i]);
      if (fresh.length > 0) {
        const ticket = await limiter?.acquire(tenantId, fresh.length);
        const held = await holdAll(tenantId, fresh, ticket);
        // Each write answers on its own; the ticket is kept, as the tasks that were written count.
        const written = await Promise.all(
          held.map((h) =>
            write(tenantId, h, traceHeaders).then(
              (r): SubmitOutcome => r,
              (err: unknown): SubmitOutcome => ({ error: err }),
            ),
          ),
        );
        let next = 0;
        for (let i = 0; i < outcomes.length; i++) outcomes[i] ??= written[next++]!;
      }
      return outcomes as SubmitOutcome[];
    },

    /** One task; a queued task comes with why it waits. */
    async get(scope: TenantScope, id: string): Promise<{ task: TaskRecord; queue?: QueueInfo }> {
      const task = await withDownloadUrls(await mustGet(scope, id));
      if (task.status !== 'queued') return { task };
      return { task, queue: await store.queries.queueInfo(task, scope) };
    },

    list(scope: TenantScope, q: ListTasksQuery): Promise<{ items: TaskRecord[]; total: number }> {
      return store.queries.list({ ...toTaskFilter(scope, q), page: q.page, pageSize: q.pageSize });
    },

    /** Its log, oldest first: the lines stored, and its current attempt's start and end from the document (runLinesOf). */
    async logs(scope: TenantScope, id: string): Promise<TaskLogRecord[]> {
      const task = await mustGet(scope, id);
      const [started, finished] = runLinesOf(task);
      // A stable sort: the start goes before the lines of its instant, the end after them.
      const lines = [...(started ? [started] : []), ...(await store.logs.list(id)), ...(finished ? [finished] : [])];
      return lines.sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
    },

    /** `cancelled` when it was waiting; `cancelling` when it runs and its executor was asked to stop. */
    async cancel(scope: TenantScope, id: string): Promise<'cancelled' | 'cancelling'> {
      const outcome = await store.tasks.requestCancel(id, scope);
      if (outcome === 'not_found') throw new TaskNotFoundError(id);
      if (outcome === 'already_terminal') throw new TaskFinishedError(`task ${id} has already finished`);
      return outcome;
    },

    /** Cancels by ids, by types, by filter, or all of the caller's unfinished tasks; a dry run only counts. */
    async bulkCancel(scope: TenantScope, body: BulkCancelBody): Promise<{ dryRun: boolean; matched: number; cancelled: string[]; notFound: string[] }> {
      const dryRun = body.dryRun === true;
      let ids: string[];
      if (body.ids) {
        ids = [...new Set(body.ids)];
        if (dryRun) return { dryRun, matched: await store.queries.count({ tenantId: scope, ids, statuses: UNFINISHED }), cancelled: [], notFound: [] };
      } else if (body.filter) {
        ids = await matchingIds({ ...toTaskFilter(scope, body.filter), statuses: UNFINISHED });
      } else {
        ids = await store.queries.idsFor({ tenantId: scope, types: body.types, all: body.all });
      }
      if (dryRun) return { dryRun, matched: ids.length, cancelled: [], notFound: [] };
      const outcomes = await mapLimit(ids, BULK_CONCURRENCY, (id) => store.tasks.requestCancel(id, scope));
      const cancelled: string[] = [];
      const notFound: string[] = [];
      ids.forEach((id, i) => (outcomes[i] === 'cancelled' || outcomes[i] === 'cancelling' ? cancelled : notFound).push(id));
      return { dryRun, matched: ids.length, cancelled, notFound };
    },

    /** Retries failed and cancelled tasks by ids or by filter, each as a single retry would; a dry run only counts. */
    async bulkRetry(
      scope: TenantScope,
      body: BulkRetryBody,
    ): Promise<{ dryRun: boolean; matched: number; retried: string[]; notRetried: { id: string; code: string; message: string }[] }> {
      const dryRun = body.dryRun === true;
      let ids: string[];
      if (body.ids) {
        ids = [...new Set(body.ids)];
        if (dryRun) return { dryRun, matched: await store.queries.count({ tenantId: scope, ids, statuses: RETRYABLE }), retried: [], notRetried: [] };
      } else {
        ids = await matchingIds({ ...toTaskFilter(scope, body.filter!), statuses: RETRYABLE });
      }
      if (dryRun) return { dryRun, matched: ids.length, retried: [], notRetried: [] };
      const outcomes = await mapLimit(ids, BULK_CONCURRENCY, (id) =>
        service.retry(scope, id).then(
          () => null,
          (err: { code?: unknown; message?: unknown }) => ({ id, code: typeof err?.code === 'string' ? err.code : 'INTERNAL', message: String(err?.message ?? err) }),
        ),
      );
      const retried = ids.filter((_, i) => outcomes[i] === null);
      return { dryRun, matched: ids.length, retried, notRetried: outcomes.filter((o) => o !== null) };
    },

    /** A failed or cancelled task starts again from pending, as its next attempt. */
    async retry(scope: TenantScope, id: string): Promise<TaskRecord> {
      const task = await mustGet(scope, id);
      if (!catalog.has(task.type)) throw new UnknownTaskTypeError(`task type "${task.type}" is no longer configured`);
      const notRetryable = (status: string) => new TaskNotRetryableError(`task ${id} is ${status}; only failed or cancelled tasks can be retried`);
      if (task.status !== 'failed' && task.status !== 'cancelled') throw notRetryable(task.status);
      // A manual retry is a new run: held again at the price fixed on the task, under the attempt
      // it starts (automatic retries ran under the first hold). A batch item is covered by its
      // batch's hold until the batch settles; retrying it before then would race that settlement.
      const price = task.price ?? 0;
      let holdId: string | undefined;
      if (price > 0 && task.batchId && !(await billing!.batches.isSettled(task.batchId))) {
        throw new BatchNotSettledError(`task ${id} belongs to batch ${task.batchId}, which has items still running; retry it once the batch has settled`);
      }
      // A new run waits again: the tenant's limits apply as to a submission.
      const ticket = await limiter?.acquire(task.tenantId);
      let retried: TaskRecord | null;
      try {
        if (price > 0) {
          const hold = await billing!.credits.holdForTask({ tenantId: task.tenantId, taskId: id, fromAttempt: task.attempt + 1, amount: price });
          if (!hold.ok) throw new InsufficientCreditsError(hold.balance, price);
          holdId = hold.holdId;
        }
        // Only from the attempt read above: the hold pays for exactly the next one.
        retried = await store.tasks.retry(id, scope, { attempt: task.attempt });
      } catch (err) {
        ticket?.release();
        throw err;
      }
      if (retried) return retried;
      ticket?.release();
      const now = await store.tasks.get(id, scope);
      // Gone: nothing will use the hold. Otherwise a concurrent retry of the same attempt took
      // the same hold (same key) and runs under it; or the task moved on and the sweep releases it.
      if (!now && holdId) await billing!.credits.releaseHold(holdId, 'retry of a deleted task').catch(() => undefined);
      if (!now) throw new TaskNotFoundError(id);
      throw notRetryable(now.status);
    },

    async remove(scope: TenantScope, id: string): Promise<void> {
      const outcome = await store.queries.deleteFinished(id, scope);
      if (outcome === 'not_found') throw new TaskNotFoundError(id);
      if (outcome === 'not_finished') throw new TaskNotFinishedError(`task ${id} has not finished: cancel it first`);
    },

    cleanup(scope: TenantScope, body: CleanupBody): Promise<number> {
      const olderThan = typeof body.olderThan === 'number' ? new Date(now().getTime() - body.olderThan) : new Date(body.olderThan);
      return store.queries.cleanup(body.statuses, olderThan, scope);
    },
  };
  return service;
}

export type TaskService = ReturnType<typeof createTaskService>;

/** The value as it round-trips through JSON (and so through the store): undefined fields dropped, plain objects. */
function canonical(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
