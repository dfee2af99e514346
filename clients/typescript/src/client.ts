// The Loom API client: a thin layer over openapi-fetch with the types generated from the
// gateway's OpenAPI document (src/generated/openapi.ts), so every path, body and answer is
// checked by the compiler. Every method returns the answer's data or throws LoomApiError; list
// methods are async iterators over the pages; wait and watch follow a task over SSE (live.ts).
// submitMany sends lists of any length through POST /v1/tasks/bulk; batcher (task-batcher.ts)
// gathers one-at-a-time submits from many places into such requests.
import createClient, { type Client } from 'openapi-fetch';
import { isLoomApiError, LoomApiError } from './errors';
import type { components, paths } from './generated/openapi';
import { MAX_SUBMIT_MANY, shiftItems } from './item-errors';
import { liveEvents, type LiveEvent } from './live';
import { createTaskBatcher, type TaskBatcher, type TaskBatcherOptions } from './task-batcher';

type Schemas = components['schemas'];
export type Task = Schemas['Task'];
export type TaskStatus = Task['status'];
export type TaskLogLine = Schemas['TaskLogLine'];
export type TaskPage = Schemas['TaskPage'];
export type SubmitTask = Schemas['SubmitTask'];
/** The configured task types, each with its own input type. */
export type TaskType = SubmitTask['type'];
export type TaskInput<T extends TaskType> = Extract<SubmitTask, { type: T }> extends { input?: infer I } ? I : never;
export type BulkCancel = Schemas['BulkCancel'];
export type BulkCancelResult = Schemas['BulkCancelResult'];
export type CancelResult = Schemas['CancelResult'];
export type Batch = Schemas['Batch'];
export type BatchCreated = Schemas['BatchCreated'];
export type Account = Schemas['Account'];
export type LedgerEntry = Schemas['LedgerEntry'];
export type CreatedTenant = Schemas['CreatedTenant'];
export type TenantLimits = Schemas['TenantLimits'];
export type ApiKey = Schemas['ApiKey'];
export type ListTasksQuery = NonNullable<paths['/v1/tasks']['get']['parameters']['query']>;
/**
 * What one item of a submitMany got: its task (`created` false: its idempotency key was used
 * before and this is the task it created), or the error its write alone met (the request
 * answered 207; `status` is 207, branch on `code`).
 */
export type SubmitManyOutcome = { created: boolean; task: Task } | { error: LoomApiError };

/** Most tasks one POST /v1/tasks/bulk takes; submitMany sends longer lists as several requests. */
export { MAX_SUBMIT_MANY };
const BULK = 'POST /v1/tasks/bulk';

export const TERMINAL_STATUSES: readonly TaskStatus[] = ['succeeded', 'failed', 'cancelled'];
const TERMINAL_EVENTS = new Set(['task.succeeded', 'task.failed', 'task.cancelled']);

export interface LoomClientOptions {
  /** The gateway, e.g. http://127.0.0.1:8080. */
  url: string;
  /** An API key (user or operator). */
  apiKey: string;
  /** Default globalThis.fetch. */
  fetch?: typeof fetch;
}

export interface SubmitOptions {
  idempotencyKey?: string;
  timeoutMs?: number;
  priority?: number;
}

export interface WatchOptions {
  signal?: AbortSignal;
  /** Called on each reconnect of the event stream. */
  onReconnect?: (err: unknown, attempt: number) => void;
}

export type LoomClient = ReturnType<typeof createLoomClient>;

/** A list sent as several requests would meet a repeated key only across two of them: refuse it up front, as one request would. */
function refuseRepeatedKeys(items: SubmitTask[]): void {
  const first = new Map<string, number>();
  items.forEach((t, i) => {
    if (t.idempotencyKey === undefined) return;
    const j = first.get(t.idempotencyKey);
    const message = `repeats the key of tasks.${j}: each task of one request needs its own`;
    if (j !== undefined) throw new LoomApiError('VALIDATION_FAILED', 400, `${BULK}: invalid request: tasks.${i}.idempotencyKey: ${message} (checked before sending)`, [{ path: `tasks.${i}.idempotencyKey`, message }]);
    first.set(t.idempotencyKey, i);
  });
}

export function createLoomClient(opts: LoomClientOptions) {
  const baseUrl = opts.url.replace(/\/+$/, '');
  const headers = { authorization: `Bearer ${opts.apiKey}` };
  const fetchImpl = opts.fetch ?? globalThis.fetch;
  const api: Client<paths> = createClient<paths>({ baseUrl, headers, fetch: (req) => fetchImpl(req) });

  /** The data of a success, else LoomApiError; a network failure is LoomApiError NETWORK (status 0). */
  async function call<T>(what: string, request: () => Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
    let r: { data?: T; error?: unknown; response: Response };
    try {
      r = await request();
    } catch (err) {
      throw new LoomApiError('NETWORK', 0, `${what}: ${err instanceof Error ? err.message : String(err)} (${baseUrl})`);
    }
    if (!r.response.ok) throw LoomApiError.fromResponse(r.response.status, r.error, what, r.response.headers);
    return r.data as T;
  }

  async function* pages<T>(fetchPage: (page: number) => Promise<{ items: T[]; page: number; pageSize: number; total: number }>, limit = Infinity): AsyncGenerator<T> {
    let seen = 0;
    for (let page = 1; ; page++) {
      const p = await fetchPage(page);
      for (const item of p.items) {
        if (seen++ >= limit) return;
        yield item;
      }
      if (p.items.length === 0 || p.page * p.pageSize >= p.total) return;
    }
  }

  /** One POST /v1/tasks/bulk of at most MAX_SUBMIT_MANY items, the `offset`-th onwards of the caller's list. */
  async function submitChunk(bodies: SubmitTask[], offset = 0): Promise<SubmitManyOutcome[]> {
    let answer: Schemas['SubmitTasksResult'];
    let status = 0;
    try {
      answer = await call(BULK, async () => {
        const r = await api.POST('/v1/tasks/bulk', { body: { tasks: bodies } });
        status = r.response.status;
        return r;
      });
    } catch (err) {
      throw isLoomApiError(err) ? shiftItems(err, offset) : err;
    }
    if (answer?.items?.length !== bodies.length) {
      throw new LoomApiError('UNEXPECTED_ANSWER', status, `${BULK}: ${answer?.items?.length} outcomes for ${bodies.length} tasks (${baseUrl})`);
    }
    return answer.items.map((item, i): SubmitManyOutcome => ('error' in item ? { error: LoomApiError.fromResponse(207, item, `${BULK} (tasks.${offset + i})`) } : item));
  }

  const tasks = {
    submit<T extends TaskType>(type: T, input: TaskInput<T>, o: SubmitOptions = {}): Promise<Task> {
      const body = { type, input, ...o } as SubmitTask;
      return call('POST /v1/tasks', () => api.POST('/v1/tasks', { body }));
    },
    /**
     * Submits many tasks, of any types, one outcome per item in the order given (a 207, where
     * some item's write failed, does not throw: that item's outcome is its error). Up to
     * MAX_SUBMIT_MANY (500) go in one request, all refused or all accepted: a refusal (400
     * naming `tasks.<i>.<field>`, 402, 422, 429) creates nothing and throws LoomApiError.
     *
     * A longer list goes as consecutive requests of 500, each all-or-nothing on its own, so a
     * refusal of request k leaves the tasks of requests before k created: the LoomApiError
     * names items by their index in the whole list and carries those earlier outcomes in
     * `submittedBefore` (sending the rest, from `submittedBefore.length` on, resumes). With an
     * idempotency key on every item, sending the whole list again is safe too: the created
     * ones answer `created: false`. A key repeated anywhere in such a list is refused before
     * anything is sent (VALIDATION_FAILED), as one request refuses it. An empty list sends
     * nothing. Inputs large enough to pass the gateway's body limit give 413: send fewer.
     */
    async submitMany(items: SubmitTask[]): Promise<SubmitManyOutcome[]> {
      if (items.length > MAX_SUBMIT_MANY) refuseRepeatedKeys(items);
      const outcomes: SubmitManyOutcome[] = [];
      for (let offset = 0; offset < items.length; offset += MAX_SUBMIT_MANY) {
        try {
          outcomes.push(...(await submitChunk(items.slice(offset, offset + MAX_SUBMIT_MANY), offset)));
        } catch (err) {
          if (offset > 0 && isLoomApiError(err)) Object.assign(err, { submittedBefore: outcomes });
          throw err;
        }
      }
      return outcomes;
    },
    /**
     * Group commit for callers that submit one task at a time from many places at once: each
     * `submit` resolves with its own task as tasks.submit would, but calls made while a request
     * is out wait and go together in the next POST /v1/tasks/bulk. See task-batcher.ts.
     */
    batcher: (o: TaskBatcherOptions = {}): TaskBatcher => createTaskBatcher((bodies) => submitChunk(bodies), o),
    get: (id: string): Promise<Task> => call(`GET /v1/tasks/${id}`, () => api.GET('/v1/tasks/{id}', { params: { path: { id } } })),
    /** One page (newest first). */
    page: (query: ListTasksQuery = {}): Promise<TaskPage> => call('GET /v1/tasks', () => api.GET('/v1/tasks', { params: { query } })),
    /** Every task matching the query, newest first, page after page; `limit` stops early. */
    list(query: Omit<ListTasksQuery, 'page'> = {}, o: { limit?: number } = {}): AsyncGenerator<Task> {
      const pageSize = query.pageSize ?? Math.min(100, o.limit ?? 100);
      return pages((page) => tasks.page({ ...query, page, pageSize }), o.limit);
    },
    logs: (id: string): Promise<TaskLogLine[]> => call(`GET /v1/tasks/${id}/logs`, () => api.GET('/v1/tasks/{id}/logs', { params: { path: { id } } })),
    cancel: (id: string): Promise<CancelResult> => call(`POST /v1/tasks/${id}/cancel`, () => api.POST('/v1/tasks/{id}/cancel', { params: { path: { id } } })),
    /** By ids, by types, all, or a filter (exactly one); dryRun counts first. */
    cancelMany: (body: BulkCancel): Promise<BulkCancelResult> => call('POST /v1/tasks/cancel', () => api.POST('/v1/tasks/cancel', { body })),
    retry: (id: string): Promise<Task> => call(`POST /v1/tasks/${id}/retry`, () => api.POST('/v1/tasks/{id}/retry', { params: { path: { id } } })),
    retryMany: (body: Schemas['BulkRetry']): Promise<Schemas['BulkRetryResult']> => call('POST /v1/tasks/retry', () => api.POST('/v1/tasks/retry', { body })),
    remove: (id: string): Promise<void> => call(`DELETE /v1/tasks/${id}`, () => api.DELETE('/v1/tasks/{id}', { params: { path: { id } } })).then(() => undefined),
    cleanup: (body: Schemas['Cleanup']): Promise<Schemas['CleanupResult']> => call('POST /v1/tasks/cleanup', () => api.POST('/v1/tasks/cleanup', { body })),

    /**
     * The task's live events, starting with a task.snapshot (its state now), until the caller
     * stops iterating or aborts. Reconnects resume after the last event seen (nothing is lost).
     */
    watch(id: string, o: WatchOptions = {}): AsyncGenerator<LiveEvent> {
      return liveEvents({ baseUrl, headers, fetch: fetchImpl, taskId: id, signal: o.signal, onReconnect: o.onReconnect });
    },

    /** Resolves with the task once it is succeeded, failed or cancelled (read again after its last event). */
    async wait(id: string, o: WatchOptions & { onEvent?: (e: LiveEvent) => void } = {}): Promise<Task> {
      const ac = new AbortController();
      const stop = () => ac.abort();
      o.signal?.addEventListener('abort', stop, { once: true });
      try {
        for await (const e of tasks.watch(id, { signal: ac.signal, onReconnect: o.onReconnect })) {
          o.onEvent?.(e);
          const snapshotDone = e.event === 'task.snapshot' && TERMINAL_STATUSES.includes((e.payload as Task).status);
          if (!snapshotDone && !TERMINAL_EVENTS.has(e.event)) continue;
          const task = await tasks.get(id);
          if (TERMINAL_STATUSES.includes(task.status)) return task;
        }
        throw new LoomApiError('ABORTED', 0, `waiting for task ${id} was aborted`);
      } finally {
        o.signal?.removeEventListener('abort', stop);
        ac.abort();
      }
    },
  };

  const batches = {
    submit<T extends TaskType>(type: T, items: TaskInput<T>[], o: SubmitOptions = {}): Promise<BatchCreated> {
      const body = { type, items, ...o } as Schemas['SubmitBatch'];
      return call('POST /v1/batches', () => api.POST('/v1/batches', { body }));
    },
    get: (id: string): Promise<Batch> => call(`GET /v1/batches/${id}`, () => api.GET('/v1/batches/{id}', { params: { path: { id } } })),
  };

  const account = {
    get: (): Promise<Account> => call('GET /v1/account', () => api.GET('/v1/account')),
    /** The ledger, newest first, page after page. */
    ledger(o: { limit?: number } = {}): AsyncGenerator<LedgerEntry> {
      const pageSize = Math.min(200, o.limit ?? 200);
      return pages((page) => call('GET /v1/account/ledger', () => api.GET('/v1/account/ledger', { params: { query: { page, pageSize } } })), o.limit);
    },
    /** The submission limits in effect (over one: LoomApiError 429 with retryAfterMs). */
    limits: (): Promise<TenantLimits> => call('GET /v1/account/limits', () => api.GET('/v1/account/limits')),
  };

  const admin = {
    createTenant: (name: string): Promise<CreatedTenant> => call('POST /v1/admin/tenants', () => api.POST('/v1/admin/tenants', { body: { name } })),
    tenant: (tenantId: string): Promise<Account> =>
      call(`GET /v1/admin/tenants/${tenantId}`, () => api.GET('/v1/admin/tenants/{tenantId}', { params: { path: { tenantId } } })),
    /** Grants (amount > 0) or deducts (< 0). */
    credits: (tenantId: string, body: Schemas['CreditsChange']): Promise<Account> =>
      call(`POST /v1/admin/tenants/${tenantId}/credits`, () => api.POST('/v1/admin/tenants/{tenantId}/credits', { params: { path: { tenantId } }, body })),
    limits: (tenantId: string): Promise<TenantLimits> =>
      call(`GET /v1/admin/tenants/${tenantId}/limits`, () => api.GET('/v1/admin/tenants/{tenantId}/limits', { params: { path: { tenantId } } })),
    /** Sets a tenant's overrides (null: back to the default); fields left out stay. */
    setLimits: (tenantId: string, body: Schemas['TenantLimitsChange']): Promise<TenantLimits> =>
      call(`PUT /v1/admin/tenants/${tenantId}/limits`, () => api.PUT('/v1/admin/tenants/{tenantId}/limits', { params: { path: { tenantId } }, body })),
    /** A tenant's API keys (never the keys themselves), revoked ones included. */
    keys: (tenantId: string): Promise<ApiKey[]> =>
      call(`GET /v1/admin/tenants/${tenantId}/keys`, () => api.GET('/v1/admin/tenants/{tenantId}/keys', { params: { path: { tenantId } } })),
    /** A new key for a tenant, shown this once. */
    issueKey: (tenantId: string, body: Schemas['IssueApiKey']): Promise<Schemas['IssuedApiKey']> =>
      call(`POST /v1/admin/tenants/${tenantId}/keys`, () => api.POST('/v1/admin/tenants/{tenantId}/keys', { params: { path: { tenantId } }, body })),
    /** Revokes a key; its task center sessions and live streams end with it. */
    revokeKey: (keyId: string): Promise<Schemas['RevokedApiKey']> =>
      call(`DELETE /v1/admin/keys/${keyId}`, () => api.DELETE('/v1/admin/keys/{keyId}', { params: { path: { keyId } } })),
    /** Revokes every key of a tenant: nothing authenticates as it until a new key is issued. */
    revokeTenantKeys: (tenantId: string): Promise<Schemas['RevokedTenantKeys']> =>
      call(`DELETE /v1/admin/tenants/${tenantId}/keys`, () => api.DELETE('/v1/admin/tenants/{tenantId}/keys', { params: { path: { tenantId } } })),
    ledger(tenantId: string, o: { limit?: number } = {}): AsyncGenerator<LedgerEntry> {
      const pageSize = Math.min(200, o.limit ?? 200);
      return pages(
        (page) =>
          call(`GET /v1/admin/tenants/${tenantId}/ledger`, () =>
            api.GET('/v1/admin/tenants/{tenantId}/ledger', { params: { path: { tenantId }, query: { page, pageSize } } }),
          ),
        o.limit,
      );
    },
  };

  return {
    tasks,
    batches,
    account,
    admin,
    taskTypes: (): Promise<Schemas['TaskType'][]> => call('GET /v1/task-types', () => api.GET('/v1/task-types')),
    /** All events the caller may see (or one task's), resumable; see live.ts. */
    events: (o: WatchOptions & { taskId?: string; lastEventId?: string } = {}) =>
      liveEvents({ baseUrl, headers, fetch: fetchImpl, taskId: o.taskId, lastEventId: o.lastEventId, signal: o.signal, onReconnect: o.onReconnect }),
    /** The typed openapi-fetch client, for anything this layer does not wrap. */
    raw: api,
  };
}
