import type { TaskRecord } from '@loom/store';
import { taskSchema } from '../http/schemas';
import { presentLogLine, presentTask, traceIdOf, traceUrlOf } from './task.presenter';

const base: TaskRecord = {
  _id: 't1',
  tenantId: 'acme',
  type: 'demo.image',
  status: 'pending',
  input: { ms: 10 },
  priority: 0,
  timeoutMs: 60_000,
  maxAttempts: 3,
  attempt: 1,
  progress: 0,
  outputs: [],
  createdAt: new Date('2030-01-01T00:00:00Z'),
  updatedAt: new Date('2030-01-01T00:00:00Z'),
  version: 0,
  outbox: [{ id: 'o', exchange: 'events', routingKey: 'task.submitted', body: '{}', headers: {}, createdAt: new Date() }],
  lease: { owner: 'x', token: 'secret', expiresAt: new Date() },
  traceHeaders: { traceparent: '00-abc' },
};

describe('presentTask', () => {
  it('gives every documented field, null when absent, dates as ISO strings', () => {
    const json = presentTask(base);
    expect(json).toEqual({
      id: 't1',
      tenantId: 'acme',
      type: 'demo.image',
      status: 'pending',
      progress: 0,
      message: null,
      input: { ms: 10 },
      outputs: [],
      result: null,
      error: null,
      attempts: 1,
      maxAttempts: 3,
      priority: 0,
      timeoutMs: 60_000,
      idempotencyKey: null,
      batchId: null,
      price: 0,
      createdAt: '2030-01-01T00:00:00.000Z',
      queuedAt: null,
      startedAt: null,
      finishedAt: null,
      nextAttemptAt: null,
      cancelRequested: false,
      provider: null,
      providerJobId: null,
      phase: null,
      traceId: null,
      traceUrl: null,
    });
    expect(taskSchema.safeParse(json).success).toBe(true);
  });

  it("names the task's trace, and links it when LOOM_TRACE_URL is a template", () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(traceIdOf({ traceparent })).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(traceIdOf({ traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' })).toBeNull();
    expect(traceIdOf({ traceparent: 'garbage' })).toBeNull();
    expect(traceIdOf(undefined)).toBeNull();
    expect(traceUrlOf('4bf92f3577b34da6a3ce929d0e0e4736', 'http://127.0.0.1:9411/zipkin/traces/{traceId}')).toBe('http://127.0.0.1:9411/zipkin/traces/4bf92f3577b34da6a3ce929d0e0e4736');
    expect(traceUrlOf('4bf92f3577b34da6a3ce929d0e0e4736', 'http://no-placeholder')).toBeNull();
    expect(traceUrlOf(null, 'http://127.0.0.1:9411/zipkin/traces/{traceId}')).toBeNull();
    const json = presentTask({ ...base, traceHeaders: { traceparent } });
    expect(json.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(taskSchema.safeParse(json).success).toBe(true);
  });

  it('never leaks the lease, the outbox, the version or trace headers', () => {
    const json = presentTask({ ...base, searchTerms: ['a'] }) as Record<string, unknown>;
    for (const k of ['lease', 'outbox', 'version', 'traceHeaders', '_id', 'idemKey', 'searchTerms']) expect(json).not.toHaveProperty(k);
  });

  it('shows a failure, the attempt count, a cancel request and the retry time of a delayed task', () => {
    const json = presentTask({
      ...base,
      status: 'delayed',
      attempt: 2,
      error: { code: 'SLEEP_FAILED', message: 'boom', retryable: true },
      cancelRequestedAt: new Date(),
      nextAttemptAt: new Date('2030-01-01T00:01:00Z'),
    });
    expect(json).toMatchObject({
      attempts: 2,
      error: { code: 'SLEEP_FAILED', message: 'boom', retryable: true },
      cancelRequested: true,
      nextAttemptAt: '2030-01-01T00:01:00.000Z',
    });
  });

  it('adds the queue information when given', () => {
    const queue = { position: 2, blockedBy: 't0', typicalDurationMs: 1000, estimatedStartInMs: 1500 };
    expect(presentTask({ ...base, status: 'queued' }, queue).queue).toEqual(queue);
    expect(presentTask(base)).not.toHaveProperty('queue');
  });
});

describe('presentLogLine', () => {
  it('keeps data only when there is some', () => {
    const timestamp = new Date('2030-01-01T00:00:00Z');
    expect(presentLogLine({ timestamp, level: 'info', message: 'hi' })).toEqual({ timestamp: '2030-01-01T00:00:00.000Z', level: 'info', message: 'hi' });
    expect(presentLogLine({ timestamp, level: 'warn', message: 'x', data: { a: 1 } }).data).toEqual({ a: 1 });
  });
});
