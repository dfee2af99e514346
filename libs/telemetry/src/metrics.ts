// Loom's metrics, defined once here so every service names and labels them alike. They go
// through the SDK's meter provider (scraped at /metrics with OTEL_METRICS_EXPORTER=prometheus,
// or pushed over OTLP) and cost nothing while telemetry is off. Durations are in seconds, as
// OpenTelemetry's conventions ask. Prometheus names: dots become underscores and counters end in
// _total (loom.tasks.finished -> loom_tasks_finished_total, loom.task.duration -> loom_task_duration_bucket).
// Every call below is a few in-memory additions: no metric costs a MongoDB or broker operation
// per task (the gauges read the broker when scraped, not per task).
//
//   loom.tasks.submitted        counter    task.type                          gateway: new tasks accepted
//   loom.tasks.finished         counter    task.type, provider, outcome       executor: runs ended (succeeded, failed, ...)
//   loom.task.duration          histogram  task.type, provider, outcome  s    executor: handler run time (provider tasks: until terminal)
//   loom.task.queue_wait        histogram  task.type                     s    executor: queued -> claimed
//   loom.task.errors            counter    task.type, error.code              executor: failed runs by error code (retried or not)
//   loom.queue.depth            gauge      task.type, messaging.destination.name  scheduler: ready messages on <ns>.work.<type>
//   loom.queue.consumers        gauge      messaging.destination.name         scheduler: consumers attached to each queue
//   loom.provider.calls         counter    provider, operation                provider calls made
//   loom.provider.errors        counter    provider, operation, error.class   failed provider calls by class
//   loom.provider.call.duration histogram  provider, operation           s    provider call latency
//   loom.provider.pauses        counter    provider                           429s that paused a provider for every replica
//   loom.credits.captured       counter    task.type                          settlement: credits charged
//   loom.credits.released       counter    task.type                          settlement: held credits given back
//   loom.outbox.backlog         gauge                                         every task writer: outbox entries not yet confirmed by the broker
import { metrics, SpanKind, SpanStatusCode, trace, type BatchObservableResult, type Counter, type Histogram, type Meter, type MeterProvider } from '@opentelemetry/api';

export const METER_NAME = 'loom';

/** How a run ended; `awaiting_provider`: the handler handed the task to a provider job that status-sync follows. */
export type TaskOutcome = 'succeeded' | 'failed' | 'cancelled' | 'timeout' | 'retry_scheduled' | 'handed_back' | 'lease_lost' | 'awaiting_provider';

interface Instruments {
  tasksSubmitted: Counter;
  tasksFinished: Counter;
  taskDuration: Histogram;
  queueWait: Histogram;
  providerCalls: Counter;
  providerErrors: Counter;
  providerDuration: Histogram;
  providerPauses: Counter;
  taskErrors: Counter;
  creditsCaptured: Counter;
  creditsReleased: Counter;
  submissionsRefused: Counter;
}

let cache: { provider: MeterProvider; instruments: Instruments } | undefined;

/** The meter for Loom's own instruments (observable gauges are registered on it directly). */
export function loomMeter(): Meter {
  return metrics.getMeter(METER_NAME);
}

/**
 * The instruments, created on first use from the meter provider registered at that time (the
 * metrics API has no proxy: instruments made before the SDK started would stay no-ops).
 */
function instruments(): Instruments {
  const provider = metrics.getMeterProvider();
  if (cache?.provider === provider) return cache.instruments;
  const m = provider.getMeter(METER_NAME);
  const seconds = { unit: 's', advice: { explicitBucketBoundaries: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600] } };
  cache = {
    provider,
    instruments: {
      tasksSubmitted: m.createCounter('loom.tasks.submitted', { description: 'Tasks accepted by the gateway' }),
      tasksFinished: m.createCounter('loom.tasks.finished', { description: 'Task runs ended, by type and outcome' }),
      taskDuration: m.createHistogram('loom.task.duration', { description: 'Handler run time of a task', ...seconds }),
      queueWait: m.createHistogram('loom.task.queue_wait', { description: 'Time from queued to claimed by an executor', ...seconds }),
      providerCalls: m.createCounter('loom.provider.calls', { description: 'Calls to external providers' }),
      providerErrors: m.createCounter('loom.provider.errors', { description: 'Failed calls to external providers, by error class' }),
      providerDuration: m.createHistogram('loom.provider.call.duration', { description: 'Latency of calls to external providers', ...seconds }),
      providerPauses: m.createCounter('loom.provider.pauses', { description: 'Rate limits (429) that paused a provider for every replica' }),
      taskErrors: m.createCounter('loom.task.errors', { description: 'Failed task runs by error code, retried or not' }),
      creditsCaptured: m.createCounter('loom.credits.captured', { description: 'Credits charged for succeeded tasks', unit: '{credit}' }),
      creditsReleased: m.createCounter('loom.credits.released', { description: 'Held credits given back for failed or cancelled tasks', unit: '{credit}' }),
      submissionsRefused: m.createCounter('loom.submissions.refused', { description: "Submissions refused with 429 by a tenant's limit (submitsPerSecond or maxWaiting)" }),
    },
  };
  return cache.instruments;
}

export function recordTaskSubmitted(type: string): void {
  instruments().tasksSubmitted.add(1, { 'task.type': type });
}

/** `provider`: the provider a type runs at, or "local" for an in-process handler. */
export function recordTaskFinished(type: string, outcome: TaskOutcome, durationMs: number, provider = 'local'): void {
  const i = instruments();
  const attrs = { 'task.type': type, provider, outcome };
  i.tasksFinished.add(1, attrs);
  i.taskDuration.record(durationMs / 1000, attrs);
}

/** A run that failed with `code` (TIMEOUT, a provider's error class, a handler's code...), retried or not. */
export function recordTaskError(type: string, code: string): void {
  instruments().taskErrors.add(1, { 'task.type': type, 'error.code': code });
}

/** A 429 that paused `provider` for every replica. */
export function recordProviderPause(provider: string): void {
  instruments().providerPauses.add(1, { provider });
}

/**
 * A submission refused by a tenant's limit. By limit only: tenant ids are unbounded as labels
 * (the request's span carries the tenant).
 */
export function recordSubmissionRefused(limit: 'submitsPerSecond' | 'maxWaiting'): void {
  instruments().submissionsRefused.add(1, { limit });
}

/** Credits a settlement moved for good: captured (charged) or released (given back). */
export function recordCredits(action: 'capture' | 'release', credits: number, type = 'unknown'): void {
  const i = instruments();
  (action === 'capture' ? i.creditsCaptured : i.creditsReleased).add(credits, { 'task.type': type });
}

/** One queue as the broker reports it (a passive declare). */
export interface QueueReading {
  queue: string;
  /** Set for a work queue: the task type it holds. */
  type?: string;
  /** Ready messages (the one a consumer holds unacked is not counted). */
  messages: number;
  consumers: number;
}

/**
 * The loom.queue.depth and loom.queue.consumers gauges, from one `read` of the broker each time
 * the metrics are collected (a scrape, or an OTLP export interval), never per task.
 */
export function observeQueues(read: () => Promise<QueueReading[]>): () => void {
  const meter = loomMeter();
  const depth = meter.createObservableGauge('loom.queue.depth', { description: "Messages ready on a task type's work queue", unit: '{message}' });
  const consumers = meter.createObservableGauge('loom.queue.consumers', { description: 'Consumers attached to a queue (one active, the rest standby, on a single-active-consumer queue)', unit: '{consumer}' });
  const callback = async (result: BatchObservableResult) => {
    for (const q of await read()) {
      const queue = { 'messaging.destination.name': q.queue };
      if (q.type !== undefined) result.observe(depth, q.messages, { 'task.type': q.type, ...queue });
      result.observe(consumers, q.consumers, queue);
    }
  };
  meter.addBatchObservableCallback(callback, [depth, consumers]);
  return () => meter.removeBatchObservableCallback(callback, [depth, consumers]);
}

/**
 * The loom.outbox.backlog gauge of this process, read from `pending` whenever the metrics are
 * collected (a scrape). Returns the function that unregisters it.
 */
export function observeOutboxBacklog(pending: () => number): () => void {
  const gauge = loomMeter().createObservableGauge('loom.outbox.backlog', { description: 'Outbox entries not yet confirmed by the broker', unit: '{entry}' });
  const callback = (result: { observe(value: number): void }) => result.observe(pending());
  gauge.addCallback(callback);
  return () => gauge.removeCallback(callback);
}

export function recordQueueWait(type: string, waitMs: number): void {
  instruments().queueWait.record(Math.max(0, waitMs) / 1000, { 'task.type': type });
}

export interface ProviderCall {
  /** e.g. replicate, runninghub, veo-reseller */
  provider: string;
  /** e.g. submit, status, cancel, fetch-output */
  operation: string;
  durationMs: number;
  /** The error class when the call failed (auth, rate_limited, bad_input, transient, permanent). */
  errorClass?: string;
}

/** Counts one provider call (and its error class when it failed) and records its latency. */
export function recordProviderCall(call: ProviderCall): void {
  const i = instruments();
  const attrs = { provider: call.provider, operation: call.operation };
  i.providerCalls.add(1, attrs);
  i.providerDuration.record(call.durationMs / 1000, attrs);
  if (call.errorClass) i.providerErrors.add(1, { ...attrs, 'error.class': call.errorClass });
}

/** A thrown error's class: ProviderError's `errorClass`, else `class`, else `code`, else "unknown". */
export function providerErrorClassOf(err: unknown): string {
  const e = err as { errorClass?: unknown; class?: unknown; code?: unknown } | null;
  const c = e?.errorClass ?? e?.class ?? e?.code;
  return typeof c === 'string' && c ? c : 'unknown';
}

/**
 * The helper for provider adapters: runs one call in a CLIENT span `provider <name> <operation>`
 * (child of the active span, so it lands in the task's trace) and records the call metrics.
 *
 *   const prediction = await traceProviderCall('replicate', 'submit', () => http.post(...));
 */
export async function traceProviderCall<T>(
  provider: string,
  operation: string,
  fn: () => Promise<T>,
  classify: (err: unknown) => string = providerErrorClassOf,
): Promise<T> {
  const started = performance.now();
  return trace.getTracer('loom').startActiveSpan(
    `provider ${provider} ${operation}`,
    { kind: SpanKind.CLIENT, attributes: { 'loom.provider.name': provider, 'loom.provider.operation': operation } },
    async (span) => {
      try {
        const result = await fn();
        recordProviderCall({ provider, operation, durationMs: performance.now() - started });
        return result;
      } catch (err) {
        const errorClass = classify(err);
        recordProviderCall({ provider, operation, durationMs: performance.now() - started, errorClass });
        span.recordException(err instanceof Error ? err : new Error(String(err)));
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
        span.setAttribute('error.type', errorClass);
        throw err;
      } finally {
        span.end();
      }
    },
  );
}
