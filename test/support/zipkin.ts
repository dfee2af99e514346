// Reading traces back from a real Zipkin through its own HTTP API (v2), as an operator's tools
// would: find a task's traces by its loom.task.id tag, fetch one whole, and walk it.
export interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  /** Zipkin stores names lower-cased. */
  name: string;
  /** Absent for INTERNAL spans. */
  kind?: 'CLIENT' | 'SERVER' | 'PRODUCER' | 'CONSUMER';
  localEndpoint?: { serviceName?: string };
  /** Start, microseconds since the epoch. */
  timestamp?: number;
  tags?: Record<string, string>;
}

export const serviceOf = (s: ZipkinSpan): string => s.localEndpoint?.serviceName ?? '';

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Ids of the traces holding a span tagged loom.task.id=<taskId> (the last day). */
export async function traceIdsOfTask(zipkinUrl: string, taskId: string): Promise<string[]> {
  const q = new URLSearchParams({ annotationQuery: `loom.task.id=${taskId}`, lookback: String(86_400_000), limit: '20' });
  const traces = await getJson<ZipkinSpan[][]>(`${zipkinUrl}/api/v2/traces?${q}`);
  return [...new Set(traces.flatMap((t) => t.map((s) => s.traceId)))];
}

export async function fetchTrace(zipkinUrl: string, traceId: string): Promise<ZipkinSpan[]> {
  const res = await fetch(`${zipkinUrl}/api/v2/trace/${traceId}`);
  if (res.status === 404) return [];
  if (!res.ok) throw new Error(`GET trace ${traceId}: ${res.status}`);
  return (await res.json()) as ZipkinSpan[];
}

/** Polls until `ready(spans)` holds for the trace, or fails saying what was awaited. */
export async function waitForTrace(zipkinUrl: string, traceId: string, what: string, ready: (spans: ZipkinSpan[]) => boolean, timeoutMs = 30_000): Promise<ZipkinSpan[]> {
  const deadline = Date.now() + timeoutMs;
  let spans: ZipkinSpan[] = [];
  while (Date.now() < deadline) {
    spans = await fetchTrace(zipkinUrl, traceId);
    if (ready(spans)) return spans;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`trace ${traceId} did not show ${what} within ${timeoutMs} ms; it has: ${spans.map((s) => `${serviceOf(s)}: ${s.name}`).join(' | ')}`);
}

/** The ancestors of a span, nearest first (stops at a missing parent). */
export function ancestorsOf(span: ZipkinSpan, spans: ZipkinSpan[]): ZipkinSpan[] {
  const byId = new Map(spans.map((s) => [s.id, s]));
  const out: ZipkinSpan[] = [];
  for (let p = span.parentId ? byId.get(span.parentId) : undefined; p; p = p.parentId ? byId.get(p.parentId) : undefined) out.push(p);
  return out;
}

/** The trace as an indented tree, for failure messages and TRACE_DUMP=1. */
export function renderTrace(spans: ZipkinSpan[]): string {
  const children = new Map<string, ZipkinSpan[]>();
  for (const s of spans) children.set(s.parentId ?? '', [...(children.get(s.parentId ?? '') ?? []), s]);
  const lines: string[] = [];
  const walk = (parent: string, depth: number) => {
    for (const s of children.get(parent) ?? []) {
      lines.push(`${'  '.repeat(depth)}${serviceOf(s)}: ${s.name}${s.kind ? ` [${s.kind}]` : ''}`);
      walk(s.id, depth + 1);
    }
  };
  walk('', 0);
  return lines.join('\n');
}
