// Per-tenant submission limits through the whole running system (the five services on the real
// servers, a second gateway replica for the shared limit): submissions per second and tasks
// waiting, each a 429 with Retry-After that creates nothing (no task, no hold); limits set by an
// operator per tenant; other tenants unaffected; batches and manual retries counted; the typed
// client's retryAfterMs. Every answer is also checked against the OpenAPI document.
//
// Nothing here depends on how fast the machine is: "5 per second" is checked as "at least the
// burst, and no more than the burst plus what the elapsed time refilled", and every wait for a
// change polls with a bounded timeout.
import { createLoomClient, isLoomApiError } from '@loom/client';
import { documentCheck, type DocumentCheck } from '../support/openapi-check';
import { TestSystem } from '../support/system';
import { scrape, type Sample } from '../support/prometheus-text';
import { until } from '../support/until';
import { demoSleepTypes } from '../client/support';

let sys: TestSystem;
let doc: DocumentCheck;
let gateway2 = '';

beforeAll(async () => {
  // Prometheus text on the health port, for the refusals' metric.
  sys = await TestSystem.start('limits', { types: demoSleepTypes(), env: { OTEL_METRICS_EXPORTER: 'prometheus' } });
  gateway2 = (await sys.startService('gateway', 'gateway-2')).url;
  doc = await documentCheck(sys.gatewayUrl);
});

afterAll(async () => {
  await sys?.stop();
});

interface Answer {
  status: number;
  retryAfter: string | null;
  body: any;
}

/** A request through the document check, keeping the Retry-After header. */
async function call(method: string, path: string, key: string, body?: unknown, base = sys.gatewayUrl): Promise<Answer> {
  const res = await doc.recording()(base + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: text ? JSON.parse(text) : null };
}

/** A new tenant with credits and its own limits, set by an operator. */
async function tenantWith(name: string, limits: Record<string, number | null>): Promise<{ tenantId: string; apiKey: string }> {
  const t = await sys.operator.createTenant(name);
  await sys.operator.grant(t.tenantId, 1000);
  const set = await call('PUT', `/v1/admin/tenants/${t.tenantId}/limits`, sys.operatorKey, limits);
  expect(set.status).toBe(200);
  return t;
}

const submitImage = (key: string, base?: string) => call('POST', '/v1/tasks', key, { type: 'demo.image', input: { ms: 10 } }, base);

/** Submits until the first refusal (at most `max` tries); the accepted answers and the refusal. */
async function submitUntilRefused(key: string, max: number, bases: string[] = [sys.gatewayUrl]): Promise<{ accepted: number; refusal: Answer; elapsedMs: number }> {
  const started = Date.now();
  for (let i = 0; i < max; i++) {
    const r = await submitImage(key, bases[i % bases.length]);
    if (r.status === 429) return { accepted: i, refusal: r, elapsedMs: Date.now() - started };
    expect(r.status).toBe(202);
  }
  throw new Error(`no 429 after ${max} submissions`);
}

async function tasksOf(tenantId: string): Promise<number> {
  return sys.store.queries.count({ tenantId });
}

async function holdsOf(tenantId: string): Promise<number> {
  return (await sys.operator.ledger(tenantId)).items.filter((e) => e.kind === 'hold').length;
}

describe('per-tenant submission limits', () => {
  it('refuses the submission over 5 per second with 429 and Retry-After, creates nothing for it, and accepts after the wait', async () => {
    const t = await tenantWith('five-per-second', { submitsPerSecond: 5, burst: 5 });
    const { accepted, refusal, elapsedMs } = await submitUntilRefused(t.apiKey, 50);
    // The burst, plus at most what the elapsed time refilled (one token per 200 ms).
    expect(accepted).toBeGreaterThanOrEqual(5);
    expect(accepted).toBeLessThanOrEqual(5 + Math.ceil(elapsedMs / 200));
    expect(refusal.status).toBe(429);
    expect(refusal.body.error.code).toBe('SUBMIT_RATE_LIMITED');
    expect(refusal.body.error.message).toContain(`tenant ${t.tenantId} may submit 5 tasks per second (burst 5)`);
    expect(refusal.body.error.details).toMatchObject({ limit: 'submitsPerSecond', submitsPerSecond: 5, burst: 5 });
    const seconds = Number(refusal.retryAfter);
    expect(Number.isInteger(seconds) && seconds >= 1).toBe(true);
    expect(refusal.body.error.details.retryAfterSeconds).toBe(seconds);

    // The refused submission left nothing: as many tasks and holds as accepted answers.
    expect(await tasksOf(t.tenantId)).toBe(accepted);
    expect(await holdsOf(t.tenantId)).toBe(accepted);
    expect((await sys.account(t.apiKey)).held).toBeLessThanOrEqual(accepted);

    await new Promise((r) => setTimeout(r, seconds * 1000));
    const after = await submitImage(t.apiKey);
    expect(after.status).toBe(202);
    expect(await tasksOf(t.tenantId)).toBe(accepted + 1);
  });

  it('shares the rate between gateway replicas: the burst is given once, not once per replica', async () => {
    // One token every 5 s: the burst of 4 alternating between the two gateways is all there is.
    const t = await tenantWith('two-replicas', { submitsPerSecond: 0.2, burst: 4 });
    const { accepted, refusal, elapsedMs } = await submitUntilRefused(t.apiKey, 40, [sys.gatewayUrl, gateway2]);
    expect(accepted).toBeGreaterThanOrEqual(4);
    expect(accepted).toBeLessThanOrEqual(4 + Math.ceil(elapsedMs / 5000));
    expect(refusal.body.error.code).toBe('SUBMIT_RATE_LIMITED');
    // Had each replica its own bucket, the two would have given 8 before the first refusal.
  });

  it('refuses the fourth task while three wait (maxWaiting 3), accepts once one has finished, and leaves other tenants alone', async () => {
    const t = await tenantWith('three-waiting', { submitsPerSecond: 0, maxWaiting: 3 });
    // demo.video runs one at a time: the first runs for a minute, the others queue behind it.
    const long = { type: 'demo.video', input: { ms: 60_000, progressSteps: 60 } };
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await call('POST', '/v1/tasks', t.apiKey, long);
      expect(r.status).toBe(202);
      ids.push(r.body.id);
    }
    const refused = await call('POST', '/v1/tasks', t.apiKey, long);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('TOO_MANY_WAITING_TASKS');
    expect(refused.body.error.message).toContain(`tenant ${t.tenantId} already has its limit of 3 tasks waiting or running (maxWaiting 3)`);
    expect(refused.body.error.details).toMatchObject({ limit: 'maxWaiting', maxWaiting: 3 });
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    // A batch is refused whole; one larger than the limit could ever admit is a 422.
    const batch = await call('POST', '/v1/batches', t.apiKey, { type: 'demo.image', items: [{ ms: 1 }] });
    expect(batch.status).toBe(429);
    const tooBig = await call('POST', '/v1/batches', t.apiKey, { type: 'demo.image', items: [{ ms: 1 }, { ms: 1 }, { ms: 1 }, { ms: 1 }] });
    expect(tooBig.status).toBe(422);
    expect(tooBig.body.error.code).toBe('LIMIT_TOO_LOW');
    expect(await tasksOf(t.tenantId)).toBe(3);
    expect(await holdsOf(t.tenantId)).toBe(3);

    // Another tenant with the default limits is not slowed at all.
    const other = await sys.operator.createTenant('unaffected');
    await sys.operator.grant(other.tenantId, 100);
    for (let i = 0; i < 5; i++) expect((await submitImage(other.apiKey)).status).toBe(202);

    // One finishes (cancelled is final): a submission is accepted again within the recount interval.
    expect((await call('POST', `/v1/tasks/${ids[2]}/cancel`, t.apiKey)).status).toBe(200);
    const accepted = await until(
      'a submission accepted after one of the three waiting tasks finished',
      async () => {
        const r = await call('POST', '/v1/tasks', t.apiKey, long);
        if (r.status === 202) return r;
        expect(r.status).toBe(429);
        return undefined;
      },
      20_000,
      250,
    );
    ids.push(accepted.body.id);
    expect(await tasksOf(t.tenantId)).toBe(4);
    // A manual retry of the cancelled task would make four wait again: refused the same way.
    const retry = await call('POST', `/v1/tasks/${ids[2]}/retry`, t.apiKey);
    expect(retry.status).toBe(429);
    expect(retry.body.error.code).toBe('TOO_MANY_WAITING_TASKS');
    expect((await sys.task(ids[2]!)).status).toBe('cancelled');
    for (const id of ids) await call('POST', `/v1/tasks/${id}/cancel`, t.apiKey);
  });

  it('shows a tenant its limits and operators any tenant’s; bad limits are a 400 that changes nothing', async () => {
    const t = await tenantWith('reads-its-limits', { submitsPerSecond: 7 });
    const own = await call('GET', '/v1/account/limits', t.apiKey);
    expect(own.status).toBe(200);
    // The burst follows the rate (x2 by default); maxWaiting is the deployment's default.
    expect(own.body).toEqual({ tenantId: t.tenantId, submitsPerSecond: 7, burst: 14, maxWaiting: 100_000, overrides: { submitsPerSecond: 7 } });
    const bad = await call('PUT', `/v1/admin/tenants/${t.tenantId}/limits`, sys.operatorKey, { submitsPerSecond: -1, burst: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['burst', 'submitsPerSecond']);
    expect((await call('PUT', `/v1/admin/tenants/${t.tenantId}/limits`, t.apiKey, { burst: 1 })).status).toBe(403);
    const reset = await call('PUT', `/v1/admin/tenants/${t.tenantId}/limits`, sys.operatorKey, { submitsPerSecond: null });
    expect(reset.body).toMatchObject({ submitsPerSecond: 1000, burst: 2000, overrides: {} });
    expect((await call('GET', `/v1/admin/tenants/${t.tenantId}/limits`, sys.operatorKey)).body).toEqual(reset.body);
  });

  it('gives the typed client a LoomApiError with the code and retryAfterMs', async () => {
    const t = await tenantWith('client-sees-429', { submitsPerSecond: 0.2, burst: 1 });
    const client = createLoomClient({ url: sys.gatewayUrl, apiKey: t.apiKey, fetch: doc.recording() });
    await client.tasks.submit('demo.image', { ms: 10 });
    const err = await client.tasks.submit('demo.image', { ms: 10 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!isLoomApiError(err)) throw new Error(`expected a LoomApiError, got ${String(err)}`);
    expect(err).toMatchObject({ code: 'SUBMIT_RATE_LIMITED', status: 429 });
    expect(err.retryAfterMs).toBeGreaterThanOrEqual(1000);
    expect(err.retryAfterMs! % 1000).toBe(0);
    expect((await client.account.limits()).submitsPerSecond).toBe(0.2);
  });

  it('counts the refusals by limit in loom_submissions_refused_total (both gateways together)', async () => {
    const samples: Sample[] = [...(await scrape(sys.process('gateway').metricsUrl)), ...(await scrape(sys.process('gateway-2').metricsUrl))];
    const refused = (limit: string) => samples.filter((s) => s.name === 'loom_submissions_refused_total' && s.labels.limit === limit).reduce((n, s) => n + s.value, 0);
    // At least: one in each rate test (the 5/s, the two replicas, the client) and three waiting refusals (submit, batch, retry).
    expect(refused('submitsPerSecond')).toBeGreaterThanOrEqual(3);
    expect(refused('maxWaiting')).toBeGreaterThanOrEqual(3);
  });

  it('answered only what the OpenAPI document says', () => {
    expect(doc.checked).toBeGreaterThan(30);
    expect(doc.problems()).toEqual([]);
  });
});
