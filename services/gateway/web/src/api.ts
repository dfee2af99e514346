// The public HTTP API as the page uses it, through openapi-fetch and the types generated from
// the OpenAPI document: same origin, the session cookie (sent by the browser
// on its own), the CSRF header the gateway asks of cookie-authenticated writes, and the API's
// error shape turned into ApiError. Nothing here is available only to the page.
import createClient from 'openapi-fetch';
// Types only (no code): generated from the gateway's OpenAPI document by the client package, so
// the page can use nothing that is not in the public API.
import type { components, paths } from '@loom/client/src/generated/openapi';

type Schemas = components['schemas'];
export type Task = Schemas['Task'];
export type TaskStatus = Task['status'];
export type TaskPage = Schemas['TaskPage'];
export type LogLine = Schemas['TaskLogLine'];
export type TaskFilter = Schemas['TaskFilter'];
export type BulkCancelResult = Schemas['BulkCancelResult'];
export type BulkRetryResult = Schemas['BulkRetryResult'];
export type QueueStats = Schemas['QueueStats'];
export type QueueType = Schemas['QueueType'];
export type TaskType = Schemas['TaskType'];
export type Session = Schemas['Session'];
export type Account = Schemas['Account'];
export type LedgerEntry = Schemas['LedgerEntry'];
export type LedgerPage = Schemas['LedgerPage'];
export type Batch = Schemas['Batch'];
export type TenantLimits = Schemas['TenantLimits'];
export type TenantLimitsChange = Schemas['TenantLimitsChange'];

export const TASK_STATUSES: TaskStatus[] = ['pending', 'queued', 'delayed', 'running', 'succeeded', 'failed', 'cancelled'];
export const FINISHED: TaskStatus[] = ['succeeded', 'failed', 'cancelled'];

/** An output as the storage records it (the API types outputs loosely: providers differ). */
export interface TaskOutput {
  key?: string;
  url?: string;
  contentType?: string;
  size?: number;
  [k: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** Called when any request answers 401: the session has ended. */
let onUnauthenticated: () => void = () => undefined;
export function setUnauthenticatedHandler(fn: () => void): void {
  onUnauthenticated = fn;
}

/** Same origin; the cookie goes by itself; the header is what the gateway asks of cookie-authenticated writes. */
const client = createClient<paths>({ baseUrl: '', credentials: 'same-origin', headers: { 'x-loom-csrf': '1' } });

/** The data of a success, else ApiError (a 401 outside sign-in also ends the page's session). */
async function call<T>(path: string, request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await request;
  if (response.ok) return data as T;
  const e = (error as { error?: { code: string; message: string; details?: unknown } } | undefined)?.error;
  if (response.status === 401 && !path.startsWith('/v1/session')) onUnauthenticated();
  throw new ApiError(response.status, e?.code ?? `HTTP_${response.status}`, e?.message ?? response.statusText, e?.details);
}

const task = (id: string) => ({ params: { path: { id } } });

export const api = {
  session: {
    get: () => call('/v1/session', client.GET('/v1/session')),
    signIn: (apiKey: string) => call('/v1/session', client.POST('/v1/session', { body: { apiKey } })),
    signOut: () => call('/v1/session', client.DELETE('/v1/session')),
  },
  tasks: {
    list: (query: TaskFilter & { page?: number; pageSize?: number }) => call('/v1/tasks', client.GET('/v1/tasks', { params: { query } })),
    get: (id: string) => call('/v1/tasks/{id}', client.GET('/v1/tasks/{id}', task(id))),
    logs: (id: string) => call('/v1/tasks/{id}/logs', client.GET('/v1/tasks/{id}/logs', task(id))),
    cancel: (id: string) => call('/v1/tasks/{id}/cancel', client.POST('/v1/tasks/{id}/cancel', task(id))),
    retry: (id: string) => call('/v1/tasks/{id}/retry', client.POST('/v1/tasks/{id}/retry', task(id))),
    remove: (id: string) => call('/v1/tasks/{id}', client.DELETE('/v1/tasks/{id}', task(id))),
    bulkCancel: (body: { ids: string[] } | { filter: TaskFilter }, dryRun = false) => call('/v1/tasks/cancel', client.POST('/v1/tasks/cancel', { body: { ...body, dryRun } })),
    bulkRetry: (body: { ids: string[] } | { filter: TaskFilter }, dryRun = false) => call('/v1/tasks/retry', client.POST('/v1/tasks/retry', { body: { ...body, dryRun } })),
  },
  taskTypes: () => call('/v1/task-types', client.GET('/v1/task-types')),
  queues: () => call('/v1/queues', client.GET('/v1/queues')),
  batch: (id: string) => call('/v1/batches/{id}', client.GET('/v1/batches/{id}', task(id))),
  account: () => call('/v1/account', client.GET('/v1/account')),
  ledger: (page: number) => call('/v1/account/ledger', client.GET('/v1/account/ledger', { params: { query: { page, pageSize: 50 } } })),
  limits: () => call('/v1/account/limits', client.GET('/v1/account/limits')),
  admin: {
    tenants: () => call('/v1/admin/tenants', client.GET('/v1/admin/tenants')),
    createTenant: (name: string) => call('/v1/admin/tenants', client.POST('/v1/admin/tenants', { body: { name } })),
    grant: (tenantId: string, amount: number, reason: string) =>
      call('/v1/admin/tenants/{tenantId}/credits', client.POST('/v1/admin/tenants/{tenantId}/credits', { params: { path: { tenantId } }, body: { amount, reason } })),
    setLimits: (tenantId: string, body: TenantLimitsChange) =>
      call('/v1/admin/tenants/{tenantId}/limits', client.PUT('/v1/admin/tenants/{tenantId}/limits', { params: { path: { tenantId } }, body })),
    ledger: (tenantId: string, page: number) =>
      call('/v1/admin/tenants/{tenantId}/ledger', client.GET('/v1/admin/tenants/{tenantId}/ledger', { params: { path: { tenantId }, query: { page, pageSize: 50 } } })),
  },
};
