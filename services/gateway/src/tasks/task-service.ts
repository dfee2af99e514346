// The use cases of the tasks API, between the HTTP routes (which only parse and present) and
// the store (which owns every write). Each takes the caller's tenant scope: a tenant id, or
// undefined for an operator; another tenant's task is simply not found.
import { isDeepStrictEqual } from 'node:util';
import type { QueueInfo, Store, TaskLogRecord, TaskRecord } from '@loom/store';
import {
  IdempotencyKeyReusedError,
  TaskFinishedError,
  TaskNotFinishedError,
  TaskNotFoundError,
  TaskNotRetryableError,
  UnknownTaskTypeError,
} from '../http/errors';
import type { BulkCancelBody, CleanupBody, ListTasksQuery, SubmitTaskBody } from '../http/schemas';
import type { TaskCatalog } from './task-catalog';

/** The caller's tenant, or undefined for an operator (every tenant). */
export type TenantScope = string | undefined;

export interface TaskServiceDeps {
  store: Pick<Store, 'tasks' | 'queries' | 'logs'>;
  catalog: TaskCatalog;
  now?: () => Date;
}

/** How many store calls a bulk cancel runs at once: bounded so one request cannot hog the pool. */
const BULK_CONCURRENCY = 8;

export function createTaskService({ store, catalog, now = () => new Date() }: TaskServiceDeps) {
  async function mustGet(scope: TenantScope, id: string): Promise<TaskRecord> {
    const task = await store.tasks.get(id, scope);
    if (!task) throw new TaskNotFoundError(id);
    return task;
  }

  return {
    /**
     * Creates a pending task. A repeated idempotency key returns the first task (`created`
     * false); reusing a key for a different request is an error rather than a silent replay.
     */
    async submit(
      tenantId: string,
      body: SubmitTaskBody,
      traceHeaders?: Record<string, string>,
    ): Promise<{ task: TaskRecord; created: boolean }> {
      const prepared = catalog.prepare(body);
      const { task, created } = await store.tasks.create({
        tenantId,
        ...prepared,
        priority: body.priority,
        idempotencyKey: body.idempotencyKey,
        traceHeaders,
      });
      if (!created) {
        const same =
          task.type === prepared.type &&
          task.timeoutMs === prepared.timeoutMs &&
          task.priority === body.priority &&
          isDeepStrictEqual(canonical(task.input), canonical(prepared.input));
        if (!same) {
          throw new IdempotencyKeyReusedError(
            `idempotency key "${body.idempotencyKey}" was used for task ${task._id} with a different request`,
          );
        }
      }
      return { task, created };
    },

    /** One task; a queued task comes with why it waits. */
    async get(scope: TenantScope, id: string): Promise<{ task: TaskRecord; queue?: QueueInfo }> {
      const task = await mustGet(scope, id);
      if (task.status !== 'queued') return { task };
      return { task, queue: await store.queries.queueInfo(task, scope) };
    },

    list(scope: TenantScope, q: ListTasksQuery): Promise<{ items: TaskRecord[]; total: number }> {
      return store.queries.list({ tenantId: scope, status: q.status, type: q.type, batchId: q.batchId, page: q.page, pageSize: q.pageSize });
    },

    async logs(scope: TenantScope, id: string): Promise<TaskLogRecord[]> {
      await mustGet(scope, id);
      return store.logs.list(id);
    },

    /** `cancelled` when it was waiting; `cancelling` when it runs and its executor was asked to stop. */
    async cancel(scope: TenantScope, id: string): Promise<'cancelled' | 'cancelling'> {
      const outcome = await store.tasks.requestCancel(id, scope);
      if (outcome === 'not_found') throw new TaskNotFoundError(id);
      if (outcome === 'already_terminal') throw new TaskFinishedError(`task ${id} has already finished`);
      return outcome;
    },

    /** Cancels by ids, by types, or all of the caller's unfinished tasks. */
    async bulkCancel(scope: TenantScope, body: BulkCancelBody): Promise<{ cancelled: string[]; notFound: string[] }> {
      const ids = body.ids ? [...new Set(body.ids)] : await store.queries.idsFor({ tenantId: scope, types: body.types, all: body.all });
      const outcomes = await mapLimit(ids, BULK_CONCURRENCY, (id) => store.tasks.requestCancel(id, scope));
      const cancelled: string[] = [];
      const notFound: string[] = [];
      ids.forEach((id, i) => (outcomes[i] === 'cancelled' || outcomes[i] === 'cancelling' ? cancelled : notFound).push(id));
      return { cancelled, notFound };
    },

    /** A failed or cancelled task starts again from pending, as its next attempt. */
    async retry(scope: TenantScope, id: string): Promise<TaskRecord> {
      const task = await mustGet(scope, id);
      if (!catalog.has(task.type)) throw new UnknownTaskTypeError(`task type "${task.type}" is no longer configured`);
      const retried = await store.tasks.retry(id, scope);
      if (retried) return retried;
      const now = await mustGet(scope, id);
      throw new TaskNotRetryableError(`task ${id} is ${now.status}; only failed or cancelled tasks can be retried`);
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
