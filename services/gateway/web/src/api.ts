// The public HTTP API as the page uses it: same origin, the session cookie (sent by the browser
// on its own), the CSRF header the gateway asks of cookie-authenticated writes, and the API's
// error shape turned into ApiError. Nothing here is available only to the page.
export type TaskStatus = 'pending' | 'queued' | 'delayed' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const TASK_STATUSES: TaskStatus[] = ['pending', 'queued', 'delayed', 'running', 'succeeded', 'failed', 'cancelled'];
export const FINISHED: TaskStatus[] = ['succeeded', 'failed', 'cancelled'];

export interface Session {
  tenantId: string;
  role: 'user' | 'operator';
  expiresAt: string;
}

export interface TaskOutput {
  key?: string;
  url?: string;
  contentType?: string;
  size?: number;
  [k: string]: unknown;
}

export interface Task {
  id: string;
  tenantId: string;
  type: string;
  status: TaskStatus;
  progress: number;
  message: string | null;
  input: unknown;
  outputs: TaskOutput[];
  result: unknown;
  error: { code: string; message: string; retryable: boolean } | null;
  attempts: number;
  maxAttempts: number;
  priority: number;
  timeoutMs: number;
  idempotencyKey: string | null;
  batchId: string | null;
  price: number;
  createdAt: string;
  queuedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  nextAttemptAt: string | null;
  cancelRequested: boolean;
  provider: string | null;
  providerJobId: string | null;
  phase: 'awaiting_provider' | 'ingesting' | null;
  queue?: { position: number; blockedBy: string | null; typicalDurationMs: number | null; estimatedStartInMs: number | null };
}

export interface TaskPage {
  items: Task[];
  page: number;
  pageSize: number;
  total: number;
}

export interface LogLine {
  timestamp: string;
  level: string;
  message: string;
  data?: unknown;
}

/** The filter fields of the list, the search and the bulk actions. */
export interface TaskFilter {
  status?: TaskStatus;
  type?: string;
  batchId?: string;
  q?: string;
  createdAfter?: string;
  createdBefore?: string;
}

export interface BulkCancelResult {
  dryRun: boolean;
  matched: number;
  cancelled: string[];
  notFound: string[];
}
export interface BulkRetryResult {
  dryRun: boolean;
  matched: number;
  retried: string[];
  notRetried: { id: string; code: string; message: string }[];
}

export interface QueueType {
  type: string;
  running: { taskId: string | null; startedAt: string | null; progress: number }[];
  waiting: number;
  typicalDurationMs: number | null;
  finishedLastHour: number;
  failureRate: number | null;
  perMinute: { minute: string; succeeded: number; failed: number; cancelled: number; p50Ms: number | null; p90Ms: number | null }[];
  durationMs: { p50: number; p90: number; p99: number } | null;
}
export interface QueueStats {
  generatedAt: string;
  windowMs: number;
  sampled: boolean;
  types: QueueType[];
}

export interface TaskType {
  type: string;
  description: string;
  price: unknown;
}

export interface Account {
  tenantId: string;
  name: string | null;
  balance: number;
  held: number;
}
export interface LedgerEntry {
  id: string;
  seq: number;
  kind: string;
  amount: number;
  balanceAfter: number;
  heldAfter: number;
  taskId: string | null;
  batchId: string | null;
  reason: string | null;
  createdAt: string;
}
export interface LedgerPage {
  items: LedgerEntry[];
  page: number;
  pageSize: number;
  total: number;
}
export interface Batch {
  batchId: string;
  tenantId: string;
  type: string;
  size: number;
  price: number;
  taskIds: string[];
  counts: Record<TaskStatus, number>;
  settlement: { state: string; held: number; captured: number; released: number; settledAt: string | null };
  createdAt: string;
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

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { 'x-loom-csrf': '1', accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 204) return undefined as T;
  const json = (await res.json().catch(() => null)) as { error?: { code: string; message: string; details?: unknown } } | null;
  if (!res.ok) {
    const e = json?.error;
    if (res.status === 401 && !path.startsWith('/v1/session')) onUnauthenticated();
    throw new ApiError(res.status, e?.code ?? 'HTTP_' + res.status, e?.message ?? res.statusText, e?.details);
  }
  return json as T;
}

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

const enc = encodeURIComponent;

export const api = {
  session: {
    get: () => call<Session>('GET', '/v1/session'),
    signIn: (apiKey: string) => call<Session>('POST', '/v1/session', { apiKey }),
    signOut: () => call<void>('DELETE', '/v1/session'),
  },
  tasks: {
    list: (f: TaskFilter & { page?: number; pageSize?: number }) => call<TaskPage>('GET', `/v1/tasks${query({ ...f })}`),
    get: (id: string) => call<Task>('GET', `/v1/tasks/${enc(id)}`),
    logs: (id: string) => call<LogLine[]>('GET', `/v1/tasks/${enc(id)}/logs`),
    cancel: (id: string) => call<{ id: string; status: string }>('POST', `/v1/tasks/${enc(id)}/cancel`),
    retry: (id: string) => call<Task>('POST', `/v1/tasks/${enc(id)}/retry`),
    remove: (id: string) => call<void>('DELETE', `/v1/tasks/${enc(id)}`),
    bulkCancel: (body: { ids: string[] } | { filter: TaskFilter }, dryRun = false) => call<BulkCancelResult>('POST', '/v1/tasks/cancel', { ...body, dryRun }),
    bulkRetry: (body: { ids: string[] } | { filter: TaskFilter }, dryRun = false) => call<BulkRetryResult>('POST', '/v1/tasks/retry', { ...body, dryRun }),
  },
  taskTypes: () => call<TaskType[]>('GET', '/v1/task-types'),
  queues: () => call<QueueStats>('GET', '/v1/queues'),
  batch: (id: string) => call<Batch>('GET', `/v1/batches/${enc(id)}`),
  account: () => call<Account>('GET', '/v1/account'),
  ledger: (page: number) => call<LedgerPage>('GET', `/v1/account/ledger${query({ page, pageSize: 50 })}`),
  admin: {
    tenants: () => call<Account[]>('GET', '/v1/admin/tenants'),
    createTenant: (name: string) => call<{ tenantId: string; name: string; apiKey: string }>('POST', '/v1/admin/tenants', { name }),
    grant: (tenantId: string, amount: number, reason: string) => call<Account>('POST', `/v1/admin/tenants/${enc(tenantId)}/credits`, { amount, reason }),
    ledger: (tenantId: string, page: number) => call<LedgerPage>('GET', `/v1/admin/tenants/${enc(tenantId)}/ledger${query({ page, pageSize: 50 })}`),
  },
};
