// Structured JSON logs (pino), one logger per service with its name on every line, and the
// active span's trace_id and span_id (when there is one) so a line leads to its trace.
import { isSpanContextValid, trace } from '@opentelemetry/api';
import pino from 'pino';

export type Logger = pino.Logger;

/** trace_id and span_id of the active span; nothing outside a span or while telemetry is off. */
export function traceFields(): { trace_id?: string; span_id?: string } {
  const sc = trace.getActiveSpan()?.spanContext();
  return sc && isSpanContextValid(sc) ? { trace_id: sc.traceId, span_id: sc.spanId } : {};
}

export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: service, level, base: { service, pid: process.pid }, mixin: traceFields });
}
