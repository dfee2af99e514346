// The W3C trace context headers of a delivery, carried on into the events it causes.
export function traceHeadersFrom(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['traceparent', 'tracestate']) if (typeof headers[k] === 'string') out[k] = headers[k] as string;
  return out;
}
