// The API the task center is built on, through the five services: sessions (across two gateway
// replicas, CSRF, sign-out), search and filters, bulk retry and bulk cancel by filter with their
// dry-run counts, queue statistics, and the operators' tenant list.
import { TestSystem } from '../support/system';

describe('task center API', () => {
  let sys: TestSystem;
  let secondGateway = '';
  beforeAll(async () => {
    sys = await TestSystem.start('center-api', {
      types: {
        'api.work': { handler: 'sleep', maxAttempts: 1 },
        'api.slow': { handler: 'sleep' },
      },
    });
    secondGateway = (await sys.startService('gateway', 'gateway-2')).url;
  });
  afterAll(() => sys?.stop());

  const signIn = async (key: string, base = sys.gatewayUrl) => {
    const r = await fetch(`${base}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-loom-csrf': '1' }, body: JSON.stringify({ apiKey: key }) });
    return { status: r.status, body: (await r.json()) as Record<string, unknown>, cookie: (r.headers.get('set-cookie') ?? '').split(';')[0]! };
  };

  it('signs in on one gateway and is known to another; CSRF rules hold; sign-out ends it on both', async () => {
    const bad = await signIn('lk_not-a-key');
    expect(bad.status).toBe(401);
    const noHeader = await fetch(`${sys.gatewayUrl}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiKey: sys.apiKey }) });
    expect(noHeader.status).toBe(403);
    expect(((await noHeader.json()) as { error: { code: string } }).error.code).toBe('CSRF_REJECTED');

    const s = await signIn(sys.apiKey);
    expect(s.status).toBe(201);
    expect(s.body).toMatchObject({ tenantId: sys.tenantId, role: 'user' });
    expect(s.cookie).toMatch(/^loom_session=[\w-]{40,}$/);
    const asCookie = (base: string, p: string, init: RequestInit = {}) => fetch(base + p, { ...init, headers: { cookie: s.cookie, ...(init.headers as Record<string, string>) } });
    expect(((await (await asCookie(secondGateway, '/v1/session')).json()) as { tenantId: string }).tenantId).toBe(sys.tenantId);
    expect((await asCookie(secondGateway, '/v1/tasks?pageSize=1')).status).toBe(200);
    // A write with the cookie: refused without the header, accepted with it.
    const body = JSON.stringify({ type: 'api.work', input: { ms: 1 } });
    const json = { 'content-type': 'application/json' };
    expect((await asCookie(secondGateway, '/v1/tasks', { method: 'POST', headers: json, body })).status).toBe(403);
    expect((await asCookie(secondGateway, '/v1/tasks', { method: 'POST', headers: { ...json, 'x-loom-csrf': '1' }, body })).status).toBe(202);
    // Bearer keys need no CSRF header: they are not sent by browsers on their own.
    expect((await sys.request('POST', '/v1/tasks', { type: 'api.work', input: { ms: 1 } })).status).toBe(202);

    expect((await asCookie(sys.gatewayUrl, '/v1/session', { method: 'DELETE', headers: { 'x-loom-csrf': '1' } })).status).toBe(204);
    expect((await asCookie(secondGateway, '/v1/tasks')).status).toBe(401);
    expect((await asCookie(secondGateway, '/v1/session')).status).toBe(401);
  });

  it('searches by words of the input (all of them, any case), by id and by idempotency key, in the caller\'s tenant only', async () => {
    const a = await sys.submit('api.work', { ms: 1, writeOutput: 'Golden Retriever puppy' }, { idempotencyKey: 'center-key-1' });
    const b = await sys.submit('api.work', { ms: 1, writeOutput: 'golden sunset' });
    const other = await sys.submit('api.work', { ms: 1, writeOutput: 'golden retriever' }, { idempotencyKey: 'center-key-1' }, sys.otherTenantKey);
    const ids = async (q: string, key = sys.apiKey) => (await sys.request('GET', `/v1/tasks?q=${encodeURIComponent(q)}`, undefined, key)).body.items.map((t: { id: string }) => t.id).sort();
    expect(await ids('golden')).toEqual([a.id, b.id].sort());
    expect(await ids('RETRIEVER golden')).toEqual([a.id]);
    expect(await ids('retriev')).toEqual([]);
    expect(await ids(a.id)).toEqual([a.id]);
    expect(await ids('center-key-1')).toEqual([a.id]);
    expect(await ids(other.id)).toEqual([]);
    expect(await ids('center-key-1', sys.otherTenantKey)).toEqual([other.id]);
    expect((await ids('golden retriever', sys.operatorKey)).length).toBe(2);
    const bad = await sys.request('GET', '/v1/tasks?createdAfter=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('createdAfter');
  });

  it('filters by status, type and time range', async () => {
    const before = new Date().toISOString();
    const ok = await sys.submit('api.work', { ms: 1 });
    const failed = await sys.submit('api.work', { ms: 1, fail: 'permanent' });
    await sys.waitForTerminal(ok.id);
    await sys.waitForTerminal(failed.id);
    const list = async (qs: string) => (await sys.request('GET', `/v1/tasks?${qs}`)).body;
    const since = `createdAfter=${encodeURIComponent(before)}`;
    expect((await list(`${since}&status=failed`)).items.map((t: { id: string }) => t.id)).toEqual([failed.id]);
    expect((await list(`${since}&type=api.work`)).total).toBe(2);
    expect((await list(`${since}&type=api.slow`)).total).toBe(0);
    expect((await list(`createdBefore=${encodeURIComponent(before)}&${since}`)).total).toBe(0);
  });

  it('bulk-retries by filter after a dry run that counts the same tasks', async () => {
    const tag = `tag${Date.now()}`;
    const failed = [];
    for (let i = 0; i < 3; i++) failed.push(await sys.submit('api.work', { ms: 1, failAttempts: 1, writeOutput: `${tag} ${i}` }));
    for (const t of failed) expect((await sys.waitForTerminal(t.id)).status).toBe('failed');
    const ok = await sys.submit('api.work', { ms: 1, writeOutput: tag });
    await sys.waitForTerminal(ok.id);
    const filter = { q: tag };
    const dry = await sys.request('POST', '/v1/tasks/retry', { filter, dryRun: true });
    expect(dry.body).toEqual({ dryRun: true, matched: 3, retried: [], notRetried: [] });
    expect((await sys.task(failed[0]!.id)).status).toBe('failed');
    const r = await sys.request('POST', '/v1/tasks/retry', { filter });
    expect(r.status).toBe(200);
    expect(r.body.matched).toBe(3);
    expect(r.body.retried.sort()).toEqual(failed.map((t) => t.id).sort());
    for (const t of failed) expect((await sys.waitForTerminal(t.id)).status).toBe('succeeded');
    // By ids: a succeeded task is not retryable, and says so.
    const byIds = await sys.request('POST', '/v1/tasks/retry', { ids: [ok.id] });
    expect(byIds.body).toMatchObject({ dryRun: false, matched: 1, retried: [], notRetried: [{ id: ok.id, code: 'TASK_NOT_RETRYABLE' }] });
    expect((await sys.request('POST', '/v1/tasks/retry', { ids: [ok.id], filter })).status).toBe(400);
  });

  it('bulk-cancels by filter exactly what the dry run counted, and nothing of another tenant', async () => {
    const mine = [];
    for (let i = 0; i < 3; i++) mine.push(await sys.submit('api.slow', { ms: 30_000 }, { timeoutMs: 60_000 }));
    const theirs = await sys.submit('api.slow', { ms: 1 }, {}, sys.otherTenantKey);
    const filter = { type: 'api.slow', createdBefore: new Date(Date.now() + 1000).toISOString() };
    const dry = await sys.request('POST', '/v1/tasks/cancel', { filter, dryRun: true });
    expect(dry.body).toEqual({ dryRun: true, matched: 3, cancelled: [], notFound: [] });
    const r = await sys.request('POST', '/v1/tasks/cancel', { filter });
    expect(r.body.matched).toBe(3);
    expect(r.body.cancelled.sort()).toEqual(mine.map((t) => t.id).sort());
    for (const t of mine) expect((await sys.waitForTerminal(t.id)).status).toBe('cancelled');
    expect((await sys.waitForTerminal(theirs.id)).status).toBe('succeeded');
  });

  it('reports queue statistics per type, hiding other tenants\' running task ids', async () => {
    const running = await sys.submit('api.slow', { ms: 20_000, progressSteps: 20 }, { timeoutMs: 60_000 }, sys.otherTenantKey);
    const waiting = await sys.submit('api.slow', { ms: 1 });
    await sys.waitFor(running.id, (t) => t.status === 'running' && t.progress > 0, 'running with progress');
    const mine = await sys.request('GET', '/v1/queues');
    expect(mine.status).toBe(200);
    const slow = mine.body.types.find((t: { type: string }) => t.type === 'api.slow');
    expect(slow.running).toEqual([expect.objectContaining({ taskId: null })]);
    expect(slow.waiting).toBeGreaterThanOrEqual(1);
    expect(slow.perMinute).toHaveLength(60);
    const work = mine.body.types.find((t: { type: string }) => t.type === 'api.work');
    const sum = (k: 'succeeded' | 'failed') => work.perMinute.reduce((a: number, m: Record<string, number>) => a + m[k]!, 0);
    // Earlier tests: failures retried into successes, one permanent failure, several successes.
    expect(sum('failed')).toBeGreaterThanOrEqual(1);
    expect(sum('succeeded')).toBeGreaterThanOrEqual(5);
    expect(work.finishedLastHour).toBe(sum('succeeded') + sum('failed') + work.perMinute.reduce((a: number, m: { cancelled: number }) => a + m.cancelled, 0));
    expect(work.failureRate).toBeCloseTo(sum('failed') / (sum('failed') + sum('succeeded')), 5);
    expect(work.durationMs.p50).toBeLessThanOrEqual(work.durationMs.p90);
    expect(work.durationMs.p90).toBeLessThanOrEqual(work.durationMs.p99);
    const ops = await sys.request('GET', '/v1/queues', undefined, sys.operatorKey);
    expect(ops.body.types.find((t: { type: string }) => t.type === 'api.slow').running[0].taskId).toBe(running.id);
    await sys.request('POST', `/v1/tasks/${running.id}/cancel`, undefined, sys.otherTenantKey);
    await sys.waitForTerminal(waiting.id);
  });

  it('lists every tenant to operators only', async () => {
    const created = await sys.operator.createTenant('center-tenant');
    const list = await sys.request('GET', '/v1/admin/tenants', undefined, sys.operatorKey);
    expect(list.status).toBe(200);
    expect(list.body).toEqual(expect.arrayContaining([{ tenantId: created.tenantId, name: 'center-tenant', balance: 0, held: 0 }]));
    expect((await sys.request('GET', '/v1/admin/tenants')).status).toBe(403);
  });

  it('documents the task center routes in the OpenAPI document', async () => {
    const doc = (await sys.request('GET', '/v1/openapi.json')).body;
    for (const p of ['/v1/session', '/v1/tasks/retry', '/v1/queues', '/v1/admin/tenants', '/']) expect(doc.paths).toHaveProperty([p]);
    expect(Object.keys(doc.paths['/v1/session'])).toEqual(expect.arrayContaining(['get', 'post', 'delete']));
    expect(doc.components.securitySchemes.sessionCookie).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'loom_session' });
  });
});
