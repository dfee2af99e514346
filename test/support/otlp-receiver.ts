// A tiny OTLP/HTTP receiver for tests: accepts JSON-encoded exports (OTEL_EXPORTER_OTLP_PROTOCOL
// = http/json) on /v1/traces and /v1/metrics and keeps what arrived, flattened for assertions.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, unknown>;
  status?: { code?: number; message?: string };
}

export interface ReceivedMetric {
  service: string;
  name: string;
  dataPoints: { attributes: Record<string, unknown>; value?: number; count?: number }[];
}

type KeyValue = { key: string; value: Record<string, unknown> };

function attrs(list: KeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}

function anyValue(v: Record<string, unknown> | undefined): unknown {
  if (!v) return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return v.doubleValue;
  if ('arrayValue' in v) return ((v.arrayValue as { values?: Record<string, unknown>[] }).values ?? []).map(anyValue);
  return v;
}

/** OTLP/JSON ids are hex; tolerate base64 from encoders that do not follow the spec. */
function hexId(id: unknown): string {
  if (typeof id !== 'string' || id === '') return '';
  return /^[0-9a-f]+$/i.test(id) && (id.length === 32 || id.length === 16) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex');
}

export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly metrics: ReceivedMetric[] = [];
  private server!: http.Server;
  url = '';

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : {};
          if (req.url === '/v1/traces') this.takeTraces(body);
          else if (req.url === '/v1/metrics') this.takeMetrics(body);
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } catch {
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private takeTraces(body: { resourceSpans?: { resource?: { attributes?: KeyValue[] }; scopeSpans?: { spans?: Record<string, unknown>[] }[] }[] }) {
    for (const rs of body.resourceSpans ?? []) {
      const service = String(attrs(rs.resource?.attributes)['service.name'] ?? '');
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          this.spans.push({
            service,
            traceId: hexId(s.traceId),
            spanId: hexId(s.spanId),
            parentSpanId: hexId(s.parentSpanId),
            name: String(s.name),
            kind: Number(s.kind ?? 0),
            attributes: attrs(s.attributes as KeyValue[]),
            status: s.status as ReceivedSpan['status'],
          });
        }
      }
    }
  }

  private takeMetrics(body: { resourceMetrics?: { resource?: { attributes?: KeyValue[] }; scopeMetrics?: { metrics?: Record<string, any>[] }[] }[] }) {
    for (const rm of body.resourceMetrics ?? []) {
      const service = String(attrs(rm.resource?.attributes)['service.name'] ?? '');
      for (const sm of rm.scopeMetrics ?? []) {
        for (const m of sm.metrics ?? []) {
          const data = m.sum ?? m.gauge ?? m.histogram ?? {};
          const dataPoints = ((data.dataPoints ?? []) as Record<string, any>[]).map((p) => ({
            attributes: attrs(p.attributes),
            value: p.asInt !== undefined ? Number(p.asInt) : p.asDouble,
            count: p.count !== undefined ? Number(p.count) : undefined,
          }));
          this.metrics.push({ service, name: String(m.name), dataPoints });
        }
      }
    }
  }
}
