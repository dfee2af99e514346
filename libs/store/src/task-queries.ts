// Reads and housekeeping of tasks for the API and the scheduler: listing, why a task waits,
// deletion and retention. Kept apart from the state changes in task-repository.ts.
import type { QueryFilter } from 'mongoose';
import { TERMINAL_STATUSES, type TaskStatus } from '@loom/contracts';
import type { StoreModels, TaskRecord } from './models';
import { wordsOf } from './search-terms';

/** Which tasks: every field narrows (the task center's filters and search, and bulk actions by filter). */
export interface TaskFilter {
  tenantId?: string;
  /** Only these task ids. */
  ids?: readonly string[];
  status?: TaskStatus;
  /** Any of these statuses (combined with `status`, both must hold). */
  statuses?: readonly TaskStatus[];
  type?: string;
  batchId?: string;
  /** Created at or after / strictly before. */
  createdAfter?: Date;
  createdBefore?: Date;
  /**
   * The task id, its idempotency key, or words of its input (all of them, whole words,
   * case-insensitive): search-terms.ts explains why words and not substrings.
   */
  q?: string;
}

export interface TaskListFilter extends TaskFilter {
  page: number;
  pageSize: number;
}

/** Fields a list never needs: internals and the search words. */
const LIST_PROJECTION = { outbox: 0, searchTerms: 0, traceHeaders: 0, lease: 0, ingest: 0 };

/** The MongoDB filter of a TaskFilter; each clause has an index that serves it with the tenant first. */
export function taskFilterQuery(f: TaskFilter): QueryFilter<TaskRecord> {
  const q: QueryFilter<TaskRecord> = {};
  if (f.tenantId) q.tenantId = f.tenantId;
  if (f.ids) q._id = { $in: [...f.ids] };
  if (f.status && f.statuses) q.status = f.statuses.includes(f.status) ? f.status : { $in: [] };
  else if (f.status) q.status = f.status;
  else if (f.statuses) q.status = { $in: [...f.statuses] };
  if (f.type) q.type = f.type;
  if (f.batchId) q.batchId = f.batchId;
  if (f.createdAfter || f.createdBefore) {
    q.createdAt = {};
    if (f.createdAfter) q.createdAt.$gte = f.createdAfter;
    if (f.createdBefore) q.createdAt.$lt = f.createdBefore;
  }
  const text = f.q?.trim();
  if (text) {
    const words = wordsOf(text);
    const or: QueryFilter<TaskRecord>[] = [{ _id: text }];
    // A user's key is unique per tenant (idemKey, indexed); an operator searches every tenant's keys.
    or.push(f.tenantId ? { idemKey: `${f.tenantId}:${text}` } : { idempotencyKey: text });
    if (words.length) or.push({ searchTerms: { $all: words } });
    q.$or = or;
  }
  return q;
}

export interface QueueInfo {
  /** 1 = next to run. */
  position: number;
  /** The task of this type running now, if any ("another-tenant" when it is not the viewer's). */
  blockedBy: string | null;
  /** Mean duration of this type's recent successes, when there are any. */
  typicalDurationMs: number | null;
  /** When the task should start, from the running task's elapsed time and the typical duration. */
  estimatedStartInMs: number | null;
}

export function createTaskQueries({ Task, TaskLog }: StoreModels) {
  return {
    async list(f: TaskListFilter): Promise<{ items: TaskRecord[]; total: number }> {
      const q = taskFilterQuery(f);
      const [items, total] = await Promise.all([
        Task.find(q, LIST_PROJECTION)
          .sort({ createdAt: -1, _id: 1 })
          .skip((f.page - 1) * f.pageSize)
          .limit(f.pageSize)
          .lean<TaskRecord[]>(),
        Task.countDocuments(q),
      ]);
      return { items, total };
    },

    /**
     * Why a queued task waits: its place in its type's line, what runs now, and an estimate.
     * The line is shared by every tenant (a type is serial platform-wide), so the position
     * counts all tenants' tasks; the running task's id is shown only to its own tenant.
     */
    async queueInfo(task: TaskRecord, viewerTenantId?: string): Promise<QueueInfo> {
      const [ahead, running, recent] = await Promise.all([
        Task.countDocuments({ type: task.type, status: 'queued', queuedAt: { $lt: task.queuedAt ?? new Date() } }),
        Task.findOne({ type: task.type, status: 'running' }, { _id: 1, startedAt: 1, tenantId: 1 }).lean<TaskRecord>(),
        Task.find({ type: task.type, status: 'succeeded' }, { startedAt: 1, finishedAt: 1 })
          .sort({ finishedAt: -1 })
          .limit(20)
          .lean<TaskRecord[]>(),
      ]);
      const durations = recent
        .filter((t) => t.startedAt && t.finishedAt)
        .map((t) => t.finishedAt!.getTime() - t.startedAt!.getTime());
      const typical = durations.length ? Math.round(durations.reduce((a, b) => a + b, 0) / durations.length) : null;
      let estimate: number | null = null;
      if (typical !== null) {
        const runningLeft = running?.startedAt ? Math.max(0, typical - (Date.now() - running.startedAt.getTime())) : 0;
        estimate = runningLeft + ahead * typical;
      }
      const visible = running && (viewerTenantId === undefined || running.tenantId === viewerTenantId);
      const blockedBy = running ? (visible ? running._id : 'another-tenant') : null;
      return { position: ahead + 1, blockedBy, typicalDurationMs: typical, estimatedStartInMs: estimate };
    },

    /** Deletes one finished task and its logs; a task still waiting or running must be cancelled first. */
    async deleteFinished(taskId: string, tenantId?: string): Promise<'deleted' | 'not_found' | 'not_finished'> {
      const scope = tenantId ? { tenantId } : {};
      const r = await Task.deleteOne({ _id: taskId, ...scope, status: { $in: TERMINAL_STATUSES } });
      if (r.deletedCount === 1) {
        await TaskLog.deleteMany({ taskId });
        return 'deleted';
      }
      return (await Task.exists({ _id: taskId, ...scope })) ? 'not_finished' : 'not_found';
    },

    /** Deletes finished tasks (of the given terminal statuses) that finished before `olderThan`. */
    async cleanup(statuses: TaskStatus[], olderThan: Date, tenantId?: string): Promise<number> {
      const terminal = statuses.filter((s) => TERMINAL_STATUSES.includes(s));
      const q: QueryFilter<TaskRecord> = { status: { $in: terminal }, finishedAt: { $lt: olderThan } };
      if (tenantId) q.tenantId = tenantId;
      let deleted = 0;
      // In pages, deleting the logs of each page with it: no unbounded id list in memory.
      for (;;) {
        const ids = (await Task.find(q, { _id: 1 }).limit(500).lean<TaskRecord[]>()).map((t) => t._id);
        if (ids.length === 0) return deleted;
        const r = await Task.deleteMany({ _id: { $in: ids }, ...q });
        await TaskLog.deleteMany({ taskId: { $in: ids } });
        deleted += r.deletedCount;
      }
    },

    /** How many tasks match a filter. */
    count(f: TaskFilter): Promise<number> {
      return Task.countDocuments(taskFilterQuery(f)).exec();
    },

    /** Ids of the tasks matching a filter, newest first, at most `limit`. */
    async idsMatching(f: TaskFilter, limit: number): Promise<string[]> {
      const rows = await Task.find(taskFilterQuery(f), { _id: 1 }).sort({ createdAt: -1, _id: 1 }).limit(limit).lean<TaskRecord[]>();
      return rows.map((t) => t._id);
    },

    /** Ids of the caller's tasks that a bulk cancel addresses. */
    async idsFor(selector: { tenantId?: string; types?: string[]; all?: boolean }): Promise<string[]> {
      const q: QueryFilter<TaskRecord> = { status: { $in: ['pending', 'queued', 'delayed', 'running'] } };
      if (selector.tenantId) q.tenantId = selector.tenantId;
      if (selector.types) q.type = { $in: selector.types };
      const rows = await Task.find(q, { _id: 1 }).lean<TaskRecord[]>();
      return rows.map((t) => t._id);
    },
  };
}

export type TaskQueries = ReturnType<typeof createTaskQueries>;
