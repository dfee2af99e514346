// TaskRecord (the store's document) -> the task JSON of the API. The only place that decides
// which fields leave the gateway and how: internals (lease, outbox, version, trace headers)
// never do; dates are ISO strings; absent values are null, so every field is always present.
import type { QueueInfo, TaskLogRecord, TaskRecord } from '@loom/store';
import type { TaskJson, TaskLogLineJson } from '../http/schemas';

const iso = (d: Date | null | undefined): string | null => (d ? new Date(d).toISOString() : null);

/** The trace id in a stored W3C traceparent (version 00), or null. */
export function traceIdOf(traceHeaders: Record<string, string> | undefined): string | null {
  const m = /^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceHeaders?.traceparent ?? '');
  return m && !/^0+$/.test(m[1]!) ? m[1]! : null;
}

/** LOOM_TRACE_URL (a template with `{traceId}`, e.g. http://127.0.0.1:9411/zipkin/traces/{traceId}) filled in. */
export function traceUrlOf(traceId: string | null, template = process.env.LOOM_TRACE_URL): string | null {
  return traceId && template?.includes('{traceId}') ? template.replace('{traceId}', traceId) : null;
}

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
    traceId: traceIdOf(t.traceHeaders),
    traceUrl: null,
  };
  json.traceUrl = traceUrlOf(json.traceId);
  if (queue) json.queue = queue;
  return json;
}

export function presentLogLine(l: Pick<TaskLogRecord, 'timestamp' | 'level' | 'message' | 'data'>): TaskLogLineJson {
  const line: TaskLogLineJson = { timestamp: iso(l.timestamp)!, level: l.level, message: l.message };
  if (l.data !== undefined && l.data !== null) line.data = l.data;
  return line;
}
