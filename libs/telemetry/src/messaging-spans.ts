// Spans for message hops, after OpenTelemetry's messaging semantic conventions (RabbitMQ):
// `publish <exchange>` (PRODUCER) around each publish, its context injected into the message's
// AMQP headers with the W3C propagator; `process <queue>` (CONSUMER) around each handler run,
// child of the context extracted from the delivery's headers. libs/messaging calls these; the
// OpenTelemetry API is a no-op while the SDK is off, and then headers pass through unchanged.
//
// The attribute names are written out here rather than imported from the incubating entry of
// @opentelemetry/semantic-conventions, as that package advises for unstable conventions.
import {
  context,
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  ProxyTracerProvider,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';

export const MSG = {
  SYSTEM: 'messaging.system',
  DESTINATION_NAME: 'messaging.destination.name',
  SUBSCRIPTION_NAME: 'messaging.destination.subscription.name',
  ROUTING_KEY: 'messaging.rabbitmq.destination.routing_key',
  DELIVERY_TAG: 'messaging.rabbitmq.message.delivery_tag',
  MESSAGE_ID: 'messaging.message.id',
  BODY_SIZE: 'messaging.message.body.size',
  OPERATION_TYPE: 'messaging.operation.type',
  OPERATION_NAME: 'messaging.operation.name',
} as const;

/** Loom's own span attributes. */
export const LOOM = {
  TASK_ID: 'loom.task.id',
  TASK_TYPE: 'loom.task.type',
  TASK_ATTEMPT: 'loom.task.attempt',
  TASK_OUTCOME: 'loom.task.outcome',
  REDELIVERED: 'loom.message.redelivered',
} as const;

const tracer = () => trace.getTracer('@loom/messaging');

/**
 * Whether spans go anywhere: a tracer provider is registered (telemetry on, or a test's own).
 * Without one the API's no-op spans still cost a context switch and a few objects each, several
 * per task on the hot path, so the span helpers here then just run the work.
 */
function tracing(): boolean {
  const p = trace.getTracerProvider();
  return !(p instanceof ProxyTracerProvider) || p.getDelegateTracer('@loom/messaging') !== undefined;
}
const NOT_RECORDED: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** AMQP header values arrive as strings or Buffers. */
const amqpHeaderGetter: TextMapGetter<Record<string, unknown>> = {
  keys: (carrier) => Object.keys(carrier),
  get(carrier, key) {
    const v = carrier[key];
    if (typeof v === 'string') return v;
    if (Buffer.isBuffer(v)) return v.toString();
    return undefined;
  },
};

/** The trace context carried in message headers (a remote span context), or the root context. */
export function contextFromHeaders(headers: Record<string, unknown> | undefined): Context {
  return propagation.extract(ROOT_CONTEXT, headers ?? {}, amqpHeaderGetter);
}

/** W3C headers (`traceparent`, `tracestate`) for a context; the active one by default. */
export function traceHeadersFor(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

export interface PublishInfo {
  /** The exchange name; '' for the default exchange. */
  exchange: string;
  routingKey: string;
  messageId: string;
  bodySize: number;
}

export interface PublishSpan {
  /** The message's headers with this span's trace context in place of what they carried. */
  headers: Record<string, string>;
  end(err?: unknown): void;
}

/**
 * Starts the span of one publish. Its parent is the active span, unless the message carries
 * the trace headers of another trace (an outbox entry published by the relay, or an event a
 * request on another trace caused, such as a cancel): then the message's own trace wins, so a
 * task keeps one trace from submit to settlement, and the active span is attached as a link.
 */
export function startPublishSpan(info: PublishInfo, headers: Record<string, string>): PublishSpan {
  if (!tracing()) return { headers, end: () => undefined };
  const active = context.active();
  const activeSc = trace.getSpanContext(active);
  const carried = contextFromHeaders(headers);
  const carriedSc = trace.getSpanContext(carried);
  let parent = active;
  const links: Link[] = [];
  if (carriedSc && isSpanContextValid(carriedSc) && (!activeSc || !isSpanContextValid(activeSc) || activeSc.traceId !== carriedSc.traceId)) {
    parent = carried;
    if (activeSc && isSpanContextValid(activeSc)) links.push({ context: activeSc });
  }
  const destination = info.exchange || 'amq.default';
  const attributes: Attributes = {
    [MSG.SYSTEM]: 'rabbitmq',
    [MSG.DESTINATION_NAME]: info.exchange,
    [MSG.ROUTING_KEY]: info.routingKey,
    [MSG.MESSAGE_ID]: info.messageId,
    [MSG.BODY_SIZE]: info.bodySize,
    [MSG.OPERATION_TYPE]: 'send',
    [MSG.OPERATION_NAME]: 'publish',
  };
  const span = tracer().startSpan(`publish ${destination}`, { kind: SpanKind.PRODUCER, attributes, links }, parent);
  const out = { ...headers };
  propagation.inject(trace.setSpan(parent, span), out);
  return { headers: out, end: (err?: unknown) => endSpan(span, err) };
}

export interface ProcessInfo {
  queue: string;
  exchange: string;
  routingKey: string;
  messageId?: string;
  deliveryTag: number;
  redelivered: boolean;
  bodySize: number;
}

/**
 * Runs `fn` inside the `process <queue>` span of one delivery, continuing the trace its headers
 * carry; the span ends when `fn` settles (for a work queue: when the task is done with).
 */
export function runInProcessSpan<T>(info: ProcessInfo, headers: Record<string, unknown> | undefined, fn: () => Promise<T>): Promise<T> {
  if (!tracing()) return fn();
  const parent = contextFromHeaders(headers);
  const attributes: Attributes = {
    [MSG.SYSTEM]: 'rabbitmq',
    [MSG.DESTINATION_NAME]: info.exchange,
    [MSG.SUBSCRIPTION_NAME]: info.queue,
    [MSG.ROUTING_KEY]: info.routingKey,
    [MSG.DELIVERY_TAG]: info.deliveryTag,
    [MSG.BODY_SIZE]: info.bodySize,
    [MSG.OPERATION_TYPE]: 'process',
    [MSG.OPERATION_NAME]: 'process',
    [LOOM.REDELIVERED]: info.redelivered,
  };
  if (info.messageId) attributes[MSG.MESSAGE_ID] = info.messageId;
  const span = tracer().startSpan(`process ${info.queue}`, { kind: SpanKind.CONSUMER, attributes }, parent);
  return context.with(trace.setSpan(parent, span), async () => {
    try {
      const result = await fn();
      endSpan(span);
      return result;
    } catch (err) {
      endSpan(span, err);
      throw err;
    }
  });
}

/**
 * Runs `fn` in an INTERNAL span of its own (a handler run, a settlement step), child of the
 * active span; the span records a thrown error and ends when `fn` settles.
 */
export function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  if (!tracing()) return fn(NOT_RECORDED);
  return trace.getTracer('loom').startActiveSpan(name, { kind: SpanKind.INTERNAL, attributes }, async (span) => {
    try {
      const result = await fn(span);
      endSpan(span);
      return result;
    } catch (err) {
      endSpan(span, err);
      throw err;
    }
  });
}

/**
 * Runs `fn` in a span `name` that continues a task's trace from the W3C headers the task stored
 * (`traceHeaders`): for work on a task outside any message hop, such as a status-sync poll or a
 * provider webhook arriving on a request of its own. The span active before, if any and of
 * another trace, is attached as a link. Without headers it is a child of the active span.
 */
export function inTaskTrace<T>(
  traceHeaders: Record<string, string> | undefined,
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const carried = contextFromHeaders(traceHeaders);
  const carriedSc = trace.getSpanContext(carried);
  if (!carriedSc || !isSpanContextValid(carriedSc)) return inSpan(name, attributes, fn);
  const activeSc = trace.getSpanContext(context.active());
  const links: Link[] = activeSc && isSpanContextValid(activeSc) && activeSc.traceId !== carriedSc.traceId ? [{ context: activeSc }] : [];
  return trace.getTracer('loom').startActiveSpan(name, { kind: SpanKind.INTERNAL, attributes, links }, carried, async (span) => {
    try {
      const result = await fn(span);
      endSpan(span);
      return result;
    } catch (err) {
      endSpan(span, err);
      throw err;
    }
  });
}

/** Marks the active span failed with `err` (for errors that are handled, not thrown on). */
export function recordActiveSpanError(err: unknown): void {
  const span = trace.getActiveSpan();
  if (!span) return;
  const e = err instanceof Error ? err : new Error(String(err));
  span.recordException(e);
  span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
}

/** Adds attributes to the active span, if any (e.g. the task id once a request knows it). */
export function annotateActiveSpan(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
}

function endSpan(span: Span, err?: unknown): void {
  if (err !== undefined) {
    const e = err instanceof Error ? err : new Error(String(err));
    span.recordException(e);
    span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
    span.setAttribute('error.type', (err as { code?: unknown })?.code ? String((err as { code: unknown }).code) : e.name);
  }
  span.end();
}
