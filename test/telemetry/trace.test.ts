// One task, one trace: the five services export to an OTLP/HTTP receiver in this process
// (JSON protocol), one task is driven from submit to its end, and the trace holding it must
// have spans of every service, a single root (the gateway's HTTP server span), no dangling
// parent, messaging spans after the semantic conventions, and logs that carry its ids.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSimulator, type SimulatorHandle } from '@loom/provider-simulator';
import { OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { TestSystem } from '../support/system';

const SERVICES = ['gateway', 'scheduler', 'executor', 'status-sync', 'settlement'];
const SERVER = 2;
const PRODUCER = 4;
const CONSUMER = 5;

describe('tracing: one trace per task across the five services', () => {
  let receiver: OtlpReceiver;
  let sys: TestSystem | undefined;
  let sim: SimulatorHandle;

  beforeAll(async () => {
    receiver = await new OtlpReceiver().start();
    // A provider task, so that its path really crosses all five services: the executor submits
    // it, status-sync polls the (simulated) provider and copies the output to the bucket, and
    // settlement handles its end.
    sim = await startSimulator({ jobDurationMs: 600, progressSteps: 2, webhooks: false });
    const providersFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'loom-trace-')), 'providers.json');
    const policy = { pollEveryMs: 200, outputs: { allowedHosts: ['127.0.0.1'], allowPrivateNetworks: true } };
    fs.writeFileSync(providersFile, JSON.stringify({ providers: { grsai: policy } }));
    sys = await TestSystem.start('trace', {
      types: { 'trace.demo': { handler: 'provider', provider: { name: 'grsai', settings: { model: 'sora-2' } } } },
      env: {
        ...sim.providerEnv(),
        LOOM_PROVIDERS_FILE: providersFile,
        STATUS_SYNC_TICK_MS: '200',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_METRIC_EXPORT_INTERVAL: '1000',
        LOG_LEVEL: 'debug',
      },
    });
  });

  afterAll(async () => {
    await sys?.stop();
    await receiver?.stop();
    await sim?.close();
  });

  it('follows a task from the HTTP request through every hop', async () => {
    const system = sys!;
    const submitted = await system.submit('trace.demo', { prompt: 'a traced lighthouse', aspectRatio: '16:9', duration: 10 });
    const done = await system.waitForTerminal(submitted.id, 30_000);
    expect(done.status).toBe('succeeded');

    // The trace is the one whose spans name this task.
    const traceOf = () => receiver.spans.find((s) => s.attributes['loom.task.id'] === submitted.id)?.traceId;
    const spansOf = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const id = traceOf();
      if (id && SERVICES.every((svc) => spansOf(id).some((s) => s.service === svc))) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    // Stopping the services flushes whatever their batch processors still hold.
    sys = undefined;
    await system.stop();

    const traceId = traceOf();
    expect(traceId).toBeDefined();
    const spans = spansOf(traceId!);
    const label = (s: ReceivedSpan) => `${s.service}: ${s.name}`;
    if (process.env.TRACE_DUMP) console.log(renderTree(spans));

    expect([...new Set(spans.map((s) => s.service))].sort()).toEqual([...SERVICES].sort());

    // One root, the gateway's HTTP server span of the submit request; every other parent exists.
    const ids = new Set(spans.map((s) => s.spanId));
    const roots = spans.filter((s) => !s.parentSpanId);
    expect(roots.map(label)).toHaveLength(1);
    expect(roots[0]).toMatchObject({ service: 'gateway', kind: SERVER });
    expect(roots[0]!.attributes['http.request.method'] ?? roots[0]!.attributes['http.method']).toBe('POST');
    const dangling = spans.filter((s) => s.parentSpanId && !ids.has(s.parentSpanId));
    expect(dangling.map(label)).toEqual([]);

    // Every consumer span continues a producer span; names and attributes follow the conventions.
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const consumers = spans.filter((s) => s.kind === CONSUMER);
    const producers = spans.filter((s) => s.kind === PRODUCER);
    expect(consumers.length).toBeGreaterThan(0);
    for (const c of consumers) {
      expect(byId.get(c.parentSpanId)?.kind).toBe(PRODUCER);
      expect(c.name).toBe(`process ${c.attributes['messaging.destination.subscription.name']}`);
      expect(c.attributes).toMatchObject({ 'messaging.system': 'rabbitmq', 'messaging.operation.type': 'process' });
      expect(c.attributes['messaging.message.id']).toEqual(expect.any(String));
    }
    for (const p of producers) {
      expect(p.name).toMatch(/^publish \S+$/);
      expect(p.attributes).toMatchObject({ 'messaging.system': 'rabbitmq', 'messaging.operation.type': 'send' });
      expect(p.attributes['messaging.destination.name']).toEqual(expect.any(String));
      expect(p.attributes['messaging.rabbitmq.destination.routing_key']).toEqual(expect.any(String));
      expect(p.attributes['messaging.message.id']).toEqual(expect.any(String));
    }
    const ns = system.namespace;
    expect(producers.map((p) => p.name)).toEqual(expect.arrayContaining([`publish ${ns}.events`, `publish ${ns}.work`]));
    expect(producers.find((p) => p.service === 'gateway' && p.attributes['messaging.rabbitmq.destination.routing_key'] === 'task.submitted')).toBeDefined();

    // The handler run: a span of the executor inside the work queue's process span.
    const run = spans.find((s) => s.service === 'executor' && s.name === 'run trace.demo');
    expect(run).toBeDefined();
    expect(run!.attributes).toMatchObject({ 'loom.task.id': submitted.id, 'loom.task.outcome': 'succeeded' });
    expect(byId.get(run!.parentSpanId)).toMatchObject({ kind: CONSUMER, name: `process ${ns}.work.trace.demo` });
    // Settlement consumed the task's end; status-sync's polls of the provider and the upload of
    // the output to the bucket are in the task's trace.
    expect(consumers.filter((c) => c.service === 'settlement').map((c) => c.attributes['messaging.rabbitmq.destination.routing_key'])).toContain('task.succeeded');
    const names = (svc: string) => spans.filter((s) => s.service === svc).map((s) => s.name);
    expect(names('status-sync')).toEqual(expect.arrayContaining(['status-sync poll', 'provider grsai get_status']));
    expect(names('status-sync').some((n) => /^upload 0\.\w+ \d+ bytes$/.test(n))).toBe(true);
    expect(names('executor')).toContain('provider grsai submit');

    // Metrics went through the same SDK.
    const metricNames = new Set(receiver.metrics.map((m) => `${m.service}:${m.name}`));
    for (const m of ['gateway:loom.tasks.submitted', 'executor:loom.tasks.finished', 'executor:loom.task.duration', 'executor:loom.task.queue_wait', 'scheduler:loom.queue.depth']) {
      expect(metricNames).toContain(m);
    }

    // Log lines written inside the trace carry its ids (pino mixin), and the task's id.
    const lines = fs
      .readdirSync(system.logDir)
      .flatMap((f) => fs.readFileSync(path.join(system.logDir, f), 'utf8').split('\n'))
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const inTrace = lines.filter((l) => l.trace_id === traceId);
    expect(inTrace.length).toBeGreaterThan(0);
    for (const l of inTrace) expect(l.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(inTrace.some((l) => l.taskId === submitted.id)).toBe(true);
  });
});

/** The trace as an indented tree (TRACE_DUMP=1 prints it), for reading what a run produced. */
function renderTree(spans: ReceivedSpan[]): string {
  const children = new Map<string, ReceivedSpan[]>();
  for (const s of spans) children.set(s.parentSpanId, [...(children.get(s.parentSpanId) ?? []), s]);
  const lines: string[] = [];
  const walk = (parent: string, depth: number) => {
    for (const s of children.get(parent) ?? []) {
      lines.push(`${'  '.repeat(depth)}${s.service}: ${s.name} [${s.kind}]`);
      walk(s.spanId, depth + 1);
    }
  };
  walk('', 0);
  return lines.join('\n');
}
