// OpenTelemetry for one service process: the Node SDK with the service's own `service.name`,
// configured by the standard OTEL_* variables. It must start before express and node:http are
// loaded, so every service imports its `instrument.ts` (which calls startTelemetry) first.
//
// Off unless asked for: with no OTLP endpoint and no OTEL_TRACES_EXPORTER / OTEL_METRICS_EXPORTER
// the SDK is not even loaded (start-up stays as fast as before, and tests that do not trace pay
// nothing). Then the OpenTelemetry API is a no-op and trace headers on messages pass through
// unchanged. With OTEL_EXPORTER_OTLP_ENDPOINT set, traces and metrics go there over OTLP/HTTP
// (OTEL_EXPORTER_OTLP_PROTOCOL http/protobuf by default, or http/json); OTEL_TRACES_EXPORTER=console
// prints spans instead. With OTEL_EXPORTER_ZIPKIN_ENDPOINT set (`npm start` sets it to its local
// Zipkin), spans go to Zipkin. OTEL_METRICS_EXPORTER=prometheus serves the metrics at /metrics on
// the service's own health port (see serveMetrics), for a Prometheus to scrape; it may be combined
// with otlp ("otlp,prometheus"). Logs stay pino lines on stdout (OTEL_LOGS_EXPORTER defaults to
// none here).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import type { MetricReader } from '@opentelemetry/sdk-metrics';

/** Probes and scrapes come every few seconds: tracing them would bury the task traces. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Query parameters that carry secrets, shown as REDACTED in `url.query` / `url.full`: API keys
 * (the live streams accept `?apiKey=`), the task-bound webhook token, and the signatures of
 * presigned URLs (the instrumentation's own defaults). Traces leave the process: a secret in a
 * span is a secret in every dashboard.
 */
export const REDACTED_QUERY_PARAMS = [
  'apiKey',
  'api_key',
  'apikey',
  'token',
  'access_token',
  'loom_token',
  'sig',
  'Signature',
  'AWSAccessKeyId',
  'X-Goog-Signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
];

export type TelemetryMode = 'off' | 'on';

export interface TelemetryOptions {
  /** service.version (the service's package.json version). */
  version?: string;
  /** The environment to read (process.env by default); defaults are written back into it. */
  env?: NodeJS.ProcessEnv;
}

let sdk: NodeSDK | undefined;
/** The pull reader behind /metrics, when OTEL_METRICS_EXPORTER lists prometheus. */
let prometheus: PrometheusExporter | undefined;

const isSet = (v: string | undefined) => v !== undefined && v.trim() !== '';

/** Whether the OTEL_* variables ask for any telemetry at all. */
export function telemetryMode(env: NodeJS.ProcessEnv = process.env): TelemetryMode {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return 'off';
  const asked = [
    env.OTEL_EXPORTER_OTLP_ENDPOINT,
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
    env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT,
    env.OTEL_EXPORTER_ZIPKIN_ENDPOINT,
    env.OTEL_TRACES_EXPORTER,
    env.OTEL_METRICS_EXPORTER,
  ].some(isSet);
  return asked ? 'on' : 'off';
}

/** The instance name in logs, leases and traces: LOOM_INSTANCE_ID, else hostname-pid. */
export function instanceId(env: NodeJS.ProcessEnv = process.env): string {
  return env.LOOM_INSTANCE_ID || `${hostname()}-${process.pid}`;
}

/**
 * Starts the SDK for `serviceName` (once per process). Call it before anything else is
 * required: auto-instrumentation (http, express) patches modules as they load.
 */
export function startTelemetry(serviceName: string, opts: TelemetryOptions = {}): TelemetryMode {
  const env = opts.env ?? process.env;
  if (sdk) return 'on';
  if (telemetryMode(env) === 'off') return 'off';

  // Each signal goes where an endpoint was given; none goes to a default localhost endpoint
  // nobody listens on. Explicit OTEL_*_EXPORTER values win.
  const general = isSet(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  env.OTEL_TRACES_EXPORTER ??= isSet(env.OTEL_EXPORTER_ZIPKIN_ENDPOINT)
    ? 'zipkin'
    : general || isSet(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
      ? 'otlp'
      : 'none';
  env.OTEL_METRICS_EXPORTER ??= general || isSet(env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT) ? 'otlp' : 'none';
  env.OTEL_LOGS_EXPORTER ??= 'none';

  // Required here, not imported at the top: when telemetry is off the SDK is never loaded.
  const { NodeSDK, resources } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { ExpressInstrumentation } = require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express');

  sdk = new NodeSDK({
    serviceName,
    resource: resources.defaultResource().merge(
      resources.resourceFromAttributes({
        'service.namespace': 'loom',
        'service.version': opts.version ?? 'unknown',
        'service.instance.id': instanceId(env),
      }),
    ),
    metricReaders: metricReadersFor(env),
    // Light on purpose: the HTTP server/client and express routing. Message hops, handler runs
    // and provider calls get spans of their own from libs/messaging and the services.
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0] ?? ''),
        redactedQueryParamsServer: REDACTED_QUERY_PARAMS,
        redactedQueryParams: REDACTED_QUERY_PARAMS,
      }),
      new ExpressInstrumentation(),
    ],
  });
  sdk.start();
  return 'on';
}

/**
 * The metric readers OTEL_METRICS_EXPORTER asks for. Built here rather than left to the SDK,
 * whose prometheus reader would open a port of its own: ours is served by the health server.
 */
function metricReadersFor(env: NodeJS.ProcessEnv): MetricReader[] {
  const names = new Set((env.OTEL_METRICS_EXPORTER ?? '').split(',').map((n) => n.trim()).filter(Boolean));
  if (names.has('none')) return [];
  const { metrics } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const interval = Number(env.OTEL_METRIC_EXPORT_INTERVAL) || 60_000;
  const readers: MetricReader[] = [];
  for (const name of names) {
    if (name === 'prometheus') {
      const { PrometheusExporter } = require('@opentelemetry/exporter-prometheus') as typeof import('@opentelemetry/exporter-prometheus');
      // Scope labels (otel_scope_name="loom") on every series say nothing an operator needs.
      prometheus = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
      readers.push(prometheus);
    } else if (name === 'otlp') {
      const protocol = env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
      const { OTLPMetricExporter } = (
        protocol === 'http/json' ? require('@opentelemetry/exporter-metrics-otlp-http') : require('@opentelemetry/exporter-metrics-otlp-proto')
      ) as typeof import('@opentelemetry/exporter-metrics-otlp-http');
      readers.push(new metrics.PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter(), exportIntervalMillis: interval }));
    } else if (name === 'console') {
      readers.push(new metrics.PeriodicExportingMetricReader({ exporter: new metrics.ConsoleMetricExporter(), exportIntervalMillis: interval }));
    } else {
      throw new Error(`OTEL_METRICS_EXPORTER: unknown exporter "${name}" (use otlp, prometheus, console or none)`);
    }
  }
  return readers;
}

/**
 * Answers a GET /metrics in the Prometheus text format (each service's health server, and the
 * gateway, route it here). Without the prometheus reader it says how to turn it on.
 */
export function serveMetrics(req: IncomingMessage, res: ServerResponse): void {
  if (!prometheus) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('metrics are off in this process: set OTEL_METRICS_EXPORTER=prometheus\n');
    return;
  }
  prometheus.getMetricsRequestHandler(req, res);
}

/** Flushes and stops the SDK (pending spans and metrics are exported); a no-op when off. */
export async function shutdownTelemetry(timeoutMs = 5_000): Promise<void> {
  const s = sdk;
  if (!s) return;
  sdk = undefined;
  prometheus = undefined;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    s.shutdown().catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
  ]);
  clearTimeout(timer);
}
