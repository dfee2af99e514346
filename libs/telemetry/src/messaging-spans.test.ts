// How message hops join a task's trace: which parent a publish span takes, what the headers
// carry on, and that a consumer continues the producer's trace. In-memory exporter, no servers.
import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { traceFields } from './logger';
import { contextFromHeaders, inTaskTrace, runInProcessSpan, startPublishSpan, traceHeadersFor } from './messaging-spans';
import { telemetryMode } from './tracing';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
});
afterEach(() => exporter.reset());

const tracer = () => trace.getTracer('test');
const info = { exchange: 'loom.events', routingKey: 'task.succeeded', messageId: 'm-1', bodySize: 10 };
const spanNamed = (name: string) => exporter.getFinishedSpans().find((s) => s.name === name)!;

/** Headers of a span in a trace of its own (what a task stored at submit). */
function foreignHeaders(): { headers: Record<string, string>; traceId: string; spanId: string } {
  const span = tracer().startSpan('submit', {}, ROOT_CONTEXT);
  span.end();
  return { headers: traceHeadersFor(trace.setSpan(ROOT_CONTEXT, span)), traceId: span.spanContext().traceId, spanId: span.spanContext().spanId };
}

describe('startPublishSpan', () => {
  it('is a child of the active span and injects its own context into the headers', () => {
    const parent = tracer().startSpan('handler');
    const out = context.with(trace.setSpan(context.active(), parent), () => {
      const p = startPublishSpan(info, {});
      p.end();
      return p.headers;
    });
    parent.end();
    const publish = spanNamed('publish loom.events');
    expect(publish.kind).toBe(SpanKind.PRODUCER);
    expect(publish.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(out.traceparent).toBe(`00-${publish.spanContext().traceId}-${publish.spanContext().spanId}-01`);
    expect(publish.attributes).toMatchObject({
      'messaging.system': 'rabbitmq',
      'messaging.destination.name': 'loom.events',
      'messaging.rabbitmq.destination.routing_key': 'task.succeeded',
      'messaging.message.id': 'm-1',
      'messaging.operation.type': 'send',
    });
  });

  it("continues the message's own trace when nothing is active (the outbox relay)", () => {
    const task = foreignHeaders();
    startPublishSpan(info, task.headers).end();
    const publish = spanNamed('publish loom.events');
    expect(publish.spanContext().traceId).toBe(task.traceId);
    expect(publish.parentSpanContext?.spanId).toBe(task.spanId);
  });

  it("keeps the task's trace when the active span belongs to another one, and links the active span", () => {
    const task = foreignHeaders();
    const request = tracer().startSpan('POST /v1/tasks/:id/cancel', {}, ROOT_CONTEXT);
    context.with(trace.setSpan(ROOT_CONTEXT, request), () => startPublishSpan(info, task.headers).end());
    request.end();
    const publish = spanNamed('publish loom.events');
    expect(publish.spanContext().traceId).toBe(task.traceId);
    expect(publish.links.map((l) => l.context.spanId)).toEqual([request.spanContext().spanId]);
  });

  it('names the default exchange', () => {
    startPublishSpan({ ...info, exchange: '', routingKey: 'loom.delay.1000' }, {}).end();
    expect(spanNamed('publish amq.default').attributes['messaging.destination.name']).toBe('');
  });
});

describe('runInProcessSpan', () => {
  it("runs the handler in a consumer span under the producer's context, and records failures", async () => {
    const published = startPublishSpan(info, {});
    published.end();
    const headers = { ...published.headers, other: Buffer.from('x') };
    const delivery = { queue: 'loom.settlement.terminal', exchange: 'loom.events', routingKey: 'task.succeeded', messageId: 'm-1', deliveryTag: 7, redelivered: false, bodySize: 10 };

    const seen = await runInProcessSpan(delivery, headers, async () => traceFields());
    await expect(runInProcessSpan(delivery, headers, async () => Promise.reject(Object.assign(new Error('boom'), { code: 'E_TEST' })))).rejects.toThrow('boom');

    const [ok, failed] = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CONSUMER);
    const producer = spanNamed('publish loom.events');
    expect(ok!.name).toBe('process loom.settlement.terminal');
    expect(ok!.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
    expect(ok!.attributes).toMatchObject({ 'messaging.operation.type': 'process', 'messaging.rabbitmq.message.delivery_tag': 7 });
    // Log lines written in the handler carry the consumer span's ids.
    expect(seen).toEqual({ trace_id: ok!.spanContext().traceId, span_id: ok!.spanContext().spanId });
    expect(failed!.status.code).toBe(2);
    expect(failed!.attributes['error.type']).toBe('E_TEST');
  });

  it('starts a new trace for a message without trace headers', async () => {
    await runInProcessSpan({ queue: 'q', exchange: '', routingKey: 'q', deliveryTag: 1, redelivered: true, bodySize: 0 }, undefined, async () => undefined);
    const [span] = exporter.getFinishedSpans();
    expect(span!.parentSpanContext).toBeUndefined();
    expect(trace.getSpanContext(contextFromHeaders(undefined))).toBeUndefined();
  });
});

describe('inTaskTrace', () => {
  it("joins the task's stored trace from outside any hop, linking the span that was active", async () => {
    const task = foreignHeaders();
    const poll = tracer().startSpan('poll round', {}, ROOT_CONTEXT);
    await context.with(trace.setSpan(ROOT_CONTEXT, poll), () => inTaskTrace(task.headers, 'follow task', { 'loom.task.id': 't-1' }, async () => undefined));
    poll.end();
    const span = spanNamed('follow task');
    expect(span.spanContext().traceId).toBe(task.traceId);
    expect(span.parentSpanContext?.spanId).toBe(task.spanId);
    expect(span.links.map((l) => l.context.spanId)).toEqual([poll.spanContext().spanId]);
  });
});

describe('telemetryMode', () => {
  it('is off unless an OTEL_* variable asks for telemetry', () => {
    expect(telemetryMode({})).toBe('off');
    expect(telemetryMode({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe('on');
    expect(telemetryMode({ OTEL_TRACES_EXPORTER: 'console' })).toBe('on');
    expect(telemetryMode({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' })).toBe('off');
    expect(telemetryMode({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBe('off');
    expect(telemetryMode({ OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://127.0.0.1:9411/api/v2/spans' })).toBe('on');
    expect(telemetryMode({ OTEL_METRICS_EXPORTER: 'prometheus' })).toBe('on');
  });
});
