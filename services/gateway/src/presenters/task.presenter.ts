// TaskRecord (the store's document) -> the task JSON of the API. The only place that decides
// which fields leave the gateway and how: internals (lease, outbox, version, trace headers)
// never do; dates are ISO strings; absent values are null, so every field is always present.
import type { QueueInfo, TaskLogRecord, TaskRecord } from '@loom/store';
import type { TaskJson, TaskLogLineJson } from '../http/schemas';

const iso = (d: Date | null | undefined): string | null => (d ? new Date(d).toISOString() : null);

export function presentTask(t: TaskRecord, queue?: QueueInfo): TaskJson {
  const json: TaskJson = {
    id: t._id,
    tenantId: t.tenantId,
    type: t.type,
    status: t.status,
    progress: t.progress ?? 0,
    message: t.message ?? null,
    input: t.input ?? {},
    outputs: t.outputs ?? [],
    result: t.result ?? null,
    error: t.error ?? null,
    attempts: t.attempt,
    maxAttempts: t.maxAttempts,
    priority: t.priority ?? 0,
    timeoutMs: t.timeoutMs,
    idempotencyKey: t.idempotencyKey ?? null,
    batchId: t.batchId ?? null,
    price: t.price ?? 0,
    createdAt: iso(t.createdAt)!,
    queuedAt: iso(t.queuedAt),
    startedAt: iso(t.startedAt),
    finishedAt: iso(t.finishedAt),
    nextAttemptAt: t.status === 'delayed' ? iso(t.nextAttemptAt) : null,
    cancelRequested: !!t.cancelRequestedAt,
    provider: t.provider ?? null,
    providerJobId: t.externalId ?? null,
    phase: t.phase ?? null,
  };
  if (queue) json.queue = queue;
  return json;
}

export function presentLogLine(l: Pick<TaskLogRecord, 'timestamp' | 'level' | 'message' | 'data'>): TaskLogLineJson {
  const line: TaskLogLineJson = { timestamp: iso(l.timestamp)!, level: l.level, message: l.message };
  if (l.data !== undefined && l.data !== null) line.data = l.data;
  return line;
}
