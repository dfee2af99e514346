// Operators' view, against the real dashboards' own APIs: the five services export their spans
// to a real Zipkin (started or reused by dev-infra) and serve Prometheus text at /metrics.
//   - A provider task's trace, found in Zipkin by the task's id tag, has one root (the submit
//     request), spans of all five services, the provider calls, the upload and the settlement,
//     every span's parent present, messaging spans after the semantic conventions, no secret.
//     A task goes through the scheduler only when it has to wait (admission, retries), so this
//     one meets a provider outage on its first attempt and is retried through the scheduler.
//   - A cancelled provider task's trace shows the cancel reaching the provider (Replicate: Grsai
//     has no cancel API).
//   - Each service's /metrics, scraped after these and a few local tasks, counts exactly them;
//     Debian's Prometheus, run with the shipped scrape configuration pointed at these services,
//     answers queries for the queue depth per type and the finished tasks.
//   - Zipkin's own UI, in Debian's Chromium (playwright-core, as the task center's tests), shows
//     that trace; the screenshot goes to .cache/screenshots/zipkin-trace.png.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cachePath, CHROMIUM_ARGS, ensureChromium, ensurePrometheus, ensureZipkin, prometheusConfigFile, zipkinEnv, type ProvidedServer } from '@loom/dev-infra';
import { parse, stringify } from 'yaml';
import { chromium } from 'playwright-core';
import { startSimulator, type SimulatorHandle } from '@loom/provider-simulator';
import { scrape, valueOf, type Sample } from '../support/prometheus-text';
import { freePort, providersFile } from '../support/provider-system';
import { servers } from '../support/servers';
import { TestSystem, type TaskJson } from '../support/system';
import { ancestorsOf, renderTrace, serviceOf, traceIdsOfTask, waitForTrace, type ZipkinSpan } from '../support/zipkin';

const SERVICES = ['gateway', 'scheduler', 'executor', 'status-sync', 'settlement'];
const PRICE = 10;

describe('operators: traces in Zipkin, metrics at /metrics', () => {
  let zipkin: ProvidedServer;
  let sys: TestSystem | undefined;
  let sim: SimulatorHandle;
  /** Every span of the traces this suite read, for the secret scan at the end. */
  const seen: ZipkinSpan[] = [];
  /** The provider task's trace, for the look at Zipkin's UI. */
  let providerTrace: { traceId: string; taskId: string } | undefined;

  beforeAll(async () => {
    const z = await ensureZipkin('test');
    if (!z) throw new Error('LOOM_ZIPKIN is off, but this suite reads traces from Zipkin: unset LOOM_ZIPKIN to run it');
    zipkin = z;
    sim = await startSimulator({ jobDurationMs: 600, progressSteps: 2, webhooks: false });
    const price = { credits: PRICE };
    sys = await TestSystem.start('trace', {
      types: {
        'trace.sora': { handler: 'provider', provider: { name: 'grsai', settings: { model: 'sora-2' } }, price, maxAttempts: 5, retryBackoff: { baseMs: 500, maxMs: 1000 } },
        'trace.cancel': { handler: 'provider', provider: { name: 'replicate', settings: { version: 'demo-version' } }, price },
        'trace.local': { handler: 'sleep' },
        'trace.fail': { handler: 'sleep', maxAttempts: 1 },
      },
      env: {
        ...sim.providerEnv(),
        ...zipkinEnv(zipkin),
        OTEL_METRICS_EXPORTER: 'prometheus',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        LOOM_PROVIDERS_FILE: providersFile({ grsai: { pollEveryMs: 200 }, replicate: { pollEveryMs: 200 } }),
        STATUS_SYNC_TICK_MS: '200',
        LOG_LEVEL: 'debug',
      },
    });
    await sys.operator.grant(sys.tenantId, 100);
    // A machine's first run starts Zipkin (about 10 s, more under load) before the five services.
  }, 300_000);

  afterAll(async () => {
    await sys?.stop();
    await sim?.close();
  });

  /** The task's trace: the one its JSON names, which Zipkin must also find by the task's id tag. */
  async function traceOf(task: TaskJson, what: string, ready: (spans: ZipkinSpan[]) => boolean): Promise<ZipkinSpan[]> {
    expect(task.traceId).toMatch(/^[0-9a-f]{32}$/);
    // Spans arrive as each service's exporter flushes, a parent often after its children (it
    // ends later): wait for what the test needs and for every parent it names.
    const complete = (spans: ZipkinSpan[]) => {
      const ids = new Set(spans.map((x) => x.id));
      return spans.every((x) => !x.parentId || ids.has(x.parentId));
    };
    const spans = await waitForTrace(zipkin.url, task.traceId as string, `${what}, every parent present`, (x) => ready(x) && complete(x));
    expect(await traceIdsOfTask(zipkin.url, task.id)).toContain(task.traceId);
    seen.push(...spans);
    if (process.env.TRACE_DUMP) console.log(renderTrace(spans));
    return spans;
  }

  it('follows a provider task from the HTTP request through every hop to its settlement', async () => {
    const system = sys!;
    // The provider answers 503 until the first attempt has failed and waits for its retry.
    await sim.setOptions({ down: true, downMode: '503' });
    const submitted = await system.submit('trace.sora', { prompt: 'a traced lighthouse', aspectRatio: '16:9', duration: 10 });
    await system.waitForStatus(submitted.id, 'delayed');
    await sim.setOptions({ down: false });
    const done = await system.waitForTerminal(submitted.id, 60_000);
    expect(done.status).toBe('succeeded');
    const size = (done.outputs as { size: number }[])[0]!.size;

    const settle = `settle capture ${PRICE} credits`;
    const spans = await traceOf(done, 'all five services and the settlement', (s) => SERVICES.every((svc) => s.some((x) => serviceOf(x) === svc)) && s.some((x) => x.name === settle) && s.filter((x) => x.name === 'run trace.sora').length === 2);
    const label = (s: ZipkinSpan) => `${serviceOf(s)}: ${s.name}`;
    const named = (service: string, name: string) => {
      const s = spans.find((x) => serviceOf(x) === service && x.name === name);
      if (!s) throw new Error(`no span "${name}" of ${service} in\n${renderTrace(spans)}`);
      return s;
    };

    expect([...new Set(spans.map(serviceOf))].sort()).toEqual([...SERVICES].sort());
    // One root, the gateway's server span of the submit request; every other parent is there.
    const roots = spans.filter((s) => !s.parentId);
    expect(roots.map(label)).toEqual([expect.stringMatching(/^gateway: post/)]);
    expect(roots[0]!.kind).toBe('SERVER');
    const ids = new Set(spans.map((s) => s.id));
    expect(spans.filter((s) => s.parentId && !ids.has(s.parentId)).map(label)).toEqual([]);

    // Names that say what happened, each under the hop it belongs to.
    const submit = named('gateway', 'submit trace.sora');
    expect(submit.tags).toMatchObject({ 'loom.task.id': done.id, 'loom.task.type': 'trace.sora' });
    expect(ancestorsOf(submit, spans).at(-1)).toBe(roots[0]);
    const runs = spans.filter((s) => s.name === 'run trace.sora');
    expect(runs.map((r) => [serviceOf(r), r.tags?.['loom.task.attempt'], r.tags?.['loom.task.outcome']])).toEqual([
      ['executor', '1', 'retry_scheduled'],
      ['executor', '2', 'succeeded'],
    ]);
    const run = runs[1]!;
    expect(ancestorsOf(run, spans)[0]).toMatchObject({ kind: 'CONSUMER', name: `process ${system.namespace}.work.trace.sora` });
    // The retry went through the scheduler: its delay queue hands the task back to the work queue.
    expect(ancestorsOf(run, spans).map(label)).toEqual(expect.arrayContaining([`scheduler: process ${system.namespace}.scheduler.due`]));
    const failedSubmit = spans.find((s) => s.name === 'provider grsai submit' && s.tags?.error);
    expect(failedSubmit && ancestorsOf(failedSubmit, spans)).toContain(runs[0]);
    const providerSubmit = spans.find((s) => s.name === 'provider grsai submit' && !s.tags?.error && ancestorsOf(s, spans).includes(run));
    expect(providerSubmit?.kind).toBe('CLIENT');
    expect(named('status-sync', 'provider grsai get_status').kind).toBe('CLIENT');
    const upload = named('status-sync', `upload 0.mp4 ${size} bytes`);
    expect(upload.tags).toMatchObject({ 'loom.task.id': done.id, 'loom.output.bytes': String(size) });
    const settled = named('settlement', settle);
    expect(ancestorsOf(settled, spans)[0]).toMatchObject({ kind: 'CONSUMER' });
    providerTrace = { traceId: done.traceId as string, taskId: done.id };

    // Every consumer span continues a producer span, but for live-only hints, announced without a
    // span of their own (the consumer then continues the span that announced it); both kinds
    // follow the messaging conventions.
    const byId = new Map(spans.map((s) => [s.id, s]));
    const consumers = spans.filter((s) => s.kind === 'CONSUMER');
    expect(consumers.length).toBeGreaterThan(0);
    for (const c of consumers) {
      const parent = byId.get(c.parentId!);
      if (parent?.kind !== 'PRODUCER') expect([label(c), c.tags?.['messaging.rabbitmq.destination.routing_key']]).toEqual([label(c), 'task.awaiting_provider']);
      expect(c.name).toBe(`process ${c.tags?.['messaging.destination.subscription.name']}`);
      expect(c.tags).toMatchObject({ 'messaging.system': 'rabbitmq', 'messaging.operation.type': 'process' });
      expect(c.tags?.['messaging.message.id']).toEqual(expect.any(String));
    }
    for (const p of spans.filter((s) => s.kind === 'PRODUCER')) {
      expect(p.name).toMatch(/^publish \S+$/);
      expect(p.tags).toMatchObject({ 'messaging.system': 'rabbitmq', 'messaging.operation.type': 'send' });
      expect(p.tags?.['messaging.rabbitmq.destination.routing_key']).toEqual(expect.any(String));
    }
    // Progress and log events are live-only copies: no span each.
    expect(spans.filter((s) => /task\.(progress|log)$/.test(s.tags?.['messaging.rabbitmq.destination.routing_key'] ?? '')).map(label)).toEqual([]);

    // Log lines written inside the trace carry its ids and the task's.
    const lines = fs
      .readdirSync(system.logDir)
      .flatMap((f) => fs.readFileSync(path.join(system.logDir, f), 'utf8').split('\n'))
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const inTrace = lines.filter((l) => l.trace_id === done.traceId);
    expect(inTrace.length).toBeGreaterThan(0);
    for (const l of inTrace) expect(l.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(inTrace.some((l) => l.taskId === done.id)).toBe(true);
  });

  it("shows a cancel reaching the provider in the cancelled task's trace", async () => {
    const system = sys!;
    await sim.setOptions({ jobDurationMs: 120_000 });
    try {
      const submitted = await system.submit('trace.cancel', { prompt: 'a lighthouse, cancelled' });
      await system.waitFor(submitted.id, (t) => !!t.providerJobId, 'submitted to the provider');
      const cancel = await system.request('POST', `/v1/tasks/${submitted.id}/cancel`);
      expect(cancel.status).toBeLessThan(300);
      const done = await system.waitForStatus(submitted.id, 'cancelled');
      // The executor writes `cancelled` only once the provider handler's cancel call returned (the
      // handler's stop grace), so the cancel has reached the provider by now.
      expect(sim.stats().cancels.replicate).toBe(1);

      const release = `settle release ${PRICE} credits`;
      const spans = await traceOf(done, 'the provider cancel and the release', (s) => s.some((x) => x.name === 'provider replicate cancel') && s.some((x) => x.name === release));
      const providerCancel = spans.find((s) => s.name === 'provider replicate cancel')!;
      expect(serviceOf(providerCancel)).toBe('executor');
      expect(providerCancel.kind).toBe('CLIENT');
      const run = ancestorsOf(providerCancel, spans).find((s) => s.name === 'run trace.cancel');
      expect(run?.tags).toMatchObject({ 'loom.task.outcome': 'cancelled' });
      // The cancel request is a trace of its own; the task.cancel_requested it causes carries the
      // task's trace to the executor, which then cancels the job at the provider.
      const cancelEvent = spans.find((s) => s.kind === 'CONSUMER' && s.tags?.['messaging.rabbitmq.destination.routing_key'] === 'task.cancel_requested');
      expect(cancelEvent && serviceOf(cancelEvent)).toBe('executor');
    } finally {
      await sim.setOptions({ jobDurationMs: 600 });
    }
  });

  it("counts every task in each service's /metrics", async () => {
    const system = sys!;
    const local = await Promise.all([1, 2, 3].map((i) => system.submit('trace.local', { ms: 20 * i })));
    const failed = await system.submit('trace.fail', { ms: 10, fail: 'permanent' });
    for (const t of [...local, failed]) await system.waitForTerminal(t.id);

    const metrics: Record<string, Sample[]> = {};
    const scrapeAll = async () => {
      for (const svc of SERVICES) metrics[svc] = await scrape(system.process(svc === 'executor' ? 'executor-1' : svc).metricsUrl);
    };
    // The executor records a run when it acks it, just after the terminal write the test saw;
    // a writer's last outbox entries leave its backlog when their confirms arrive.
    const WRITERS = ['gateway', 'executor', 'scheduler', 'status-sync'];
    const deadline = Date.now() + 10_000;
    for (;;) {
      await scrapeAll();
      const finished = metrics.executor!.filter((s) => s.name === 'loom_tasks_finished_total').reduce((a, s) => a + s.value, 0);
      const backlog = WRITERS.flatMap((w) => metrics[w]!.filter((s) => s.name === 'loom_outbox_backlog')).reduce((a, s) => a + s.value, 0);
      if ((finished >= 7 && backlog === 0) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const { gateway, executor, scheduler, settlement } = metrics as Record<string, Sample[]>;
    for (const svc of SERVICES) expect(valueOf(metrics[svc]!, 'target_info', { service_name: svc })).toBe(1);
    for (const w of WRITERS) expect([w, valueOf(metrics[w]!, 'loom_outbox_backlog')]).toEqual([w, 0]);

    expect(valueOf(gateway!, 'loom_tasks_submitted_total', { task_type: 'trace.local' })).toBe(3);
    expect(valueOf(gateway!, 'loom_tasks_submitted_total', { task_type: 'trace.sora' })).toBe(1);

    const finished = (type: string, provider: string, outcome: string) => valueOf(executor!, 'loom_tasks_finished_total', { task_type: type, provider, outcome });
    expect(finished('trace.local', 'local', 'succeeded')).toBe(3);
    expect(finished('trace.fail', 'local', 'failed')).toBe(1);
    expect(finished('trace.sora', 'grsai', 'retry_scheduled')).toBe(1);
    expect(finished('trace.sora', 'grsai', 'succeeded')).toBe(1);
    expect(finished('trace.cancel', 'replicate', 'cancelled')).toBe(1);
    expect(valueOf(executor!, 'loom_task_duration_count', { task_type: 'trace.local', provider: 'local', outcome: 'succeeded' })).toBe(3);
    expect(valueOf(executor!, 'loom_task_duration_bucket', { task_type: 'trace.local', outcome: 'succeeded', le: '+Inf' })).toBe(3);
    expect(valueOf(executor!, 'loom_task_queue_wait_count', { task_type: 'trace.local' })).toBe(3);
    expect(executor!.filter((s) => s.name === 'loom_task_errors_total' && s.labels.task_type === 'trace.fail').reduce((a, s) => a + s.value, 0)).toBe(1);
    expect(valueOf(executor!, 'loom_task_errors_total', { task_type: 'trace.sora', error_code: 'PROVIDER_TRANSIENT' })).toBe(1);
    // The outage: three quick tries in the first attempt, all 503s; then one call that took.
    expect(valueOf(executor!, 'loom_provider_errors_total', { provider: 'grsai', operation: 'submit', error_class: 'transient' })).toBe(3);
    expect(valueOf(executor!, 'loom_provider_calls_total', { provider: 'grsai', operation: 'submit' })).toBe(4);
    expect(valueOf(executor!, 'loom_provider_calls_total', { provider: 'replicate', operation: 'submit' })).toBe(1);
    expect(valueOf(executor!, 'loom_provider_calls_total', { provider: 'replicate', operation: 'cancel' })).toBe(1);
    expect(valueOf(metrics['status-sync']!, 'loom_provider_calls_total', { provider: 'grsai', operation: 'get_status' })).toBeGreaterThan(0);

    expect(valueOf(settlement!, 'loom_credits_captured_total', { task_type: 'trace.sora' })).toBe(PRICE);
    expect(valueOf(settlement!, 'loom_credits_released_total', { task_type: 'trace.cancel' })).toBe(PRICE);

    // Read from the broker when scraped: nothing waits, and one executor consumes each work queue.
    for (const type of ['trace.sora', 'trace.cancel', 'trace.local', 'trace.fail']) {
      const queue = `${system.namespace}.work.${type}`;
      expect(valueOf(scheduler!, 'loom_queue_depth', { task_type: type, messaging_destination_name: queue })).toBe(0);
      expect(valueOf(scheduler!, 'loom_queue_consumers', { messaging_destination_name: queue })).toBe(1);
    }
  });

  it('lets Prometheus, with the shipped scrape configuration, show the queue depth per type', async () => {
    const system = sys!;
    // The shipped file, with this system's ports in place of npm start's and a quick interval.
    const config = parse(fs.readFileSync(prometheusConfigFile, 'utf8'));
    config.global.scrape_interval = '1s';
    config.scrape_configs[0].static_configs = SERVICES.map((service) => ({
      targets: [new URL(system.process(service === 'executor' ? 'executor-1' : service).metricsUrl).host],
      labels: { service },
    }));
    const configFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'loom-prometheus-')), 'prometheus.yml');
    fs.writeFileSync(configFile, stringify(config));
    const port = await freePort();
    const prometheus = await ensurePrometheus(configFile, port);
    if (!prometheus) throw new Error('LOOM_PROMETHEUS is off, but this test queries a Prometheus: unset LOOM_PROMETHEUS to run it');
    try {
      expect(prometheus.origin).toBe('started');
      const query = async (q: string) => {
        const res = await fetch(`${prometheus.url}/api/v1/query?${new URLSearchParams({ query: q })}`);
        const body = (await res.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
        return body.data.result;
      };
      const deadline = Date.now() + 30_000;
      let up: Awaited<ReturnType<typeof query>> = [];
      while (Date.now() < deadline) {
        up = await query('up == 1');
        if (up.length === SERVICES.length && (await query('loom_queue_depth')).length >= 4) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(up.map((r) => r.metric.service).sort()).toEqual([...SERVICES].sort());
      const depth = await query('loom_queue_depth');
      expect(depth.map((r) => [r.metric.task_type, r.value[1]]).sort()).toEqual([
        ['trace.cancel', '0'],
        ['trace.fail', '0'],
        ['trace.local', '0'],
        ['trace.sora', '0'],
      ]);
      const finished = await query('loom_tasks_finished_total{task_type="trace.local",outcome="succeeded"}');
      expect(finished.map((r) => [r.metric.service, r.value[1]])).toEqual([['executor', '3']]);
    } finally {
      await prometheus.stop?.();
      fs.rmSync(path.dirname(cachePath('prometheus', `data-${port}`, '.keep')), { recursive: true, force: true });
    }
  });

  it("shows the provider task's trace in Zipkin's own UI", async () => {
    expect(providerTrace).toBeDefined();
    const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loom-chromium-'));
    const context = await chromium.launchPersistentContext(profileDir, {
      executablePath: ensureChromium(),
      headless: true,
      args: CHROMIUM_ARGS.filter((a) => !a.startsWith('--headless')),
      // Tall enough for every row of the span list (it renders only the rows in view).
      viewport: { width: 1400, height: 1600 },
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(`${zipkin.url}/zipkin/traces/${providerTrace!.traceId}`);
      // The span list names the hops: the settlement is the last to arrive in the trace.
      await page.getByText(`settle capture ${PRICE} credits`).first().waitFor({ timeout: 30_000 });
      await page.getByText('submit trace.sora').first().waitFor({ timeout: 5_000 });
      await page.screenshot({ path: cachePath('screenshots', 'zipkin-trace.png'), fullPage: true });
    } finally {
      await context.close();
      fs.rmSync(profileDir, { recursive: true, force: true });
    }
  });

  it('puts no secret in any span', () => {
    expect(seen.length).toBeGreaterThan(0);
    const secrets = [sys!.apiKey, sys!.operatorKey, servers.s3.secretAccessKey, ...Object.entries(sim.providerEnv()).filter(([k]) => /KEY|TOKEN|SECRET/.test(k)).map(([, v]) => v)];
    const text = JSON.stringify(seen);
    for (const s of secrets) expect(text.includes(s)).toBe(false);
    expect(text).not.toMatch(/X-Amz-Signature|authorization|loom_token=/i);
  });
});
