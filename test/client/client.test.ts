// @loom/client against a whole running system (the five services on the real servers): the
// typed methods, page iteration, the one error class, wait/watch over SSE, and a stream that
// resumes after a disconnect without losing an event (Last-Event-ID replay, or a snapshot),
// many tasks in one request (submitMany, the batcher). Every answer these tests get is also
// checked against the gateway's OpenAPI document.
import { createLoomClient, isLoomApiError, type LiveEvent, type LoomClient, type SubmitTask } from '@loom/client';
import { documentCheck, type DocumentCheck } from '../support/openapi-check';
import { TestSystem } from '../support/system';
import { demoSleepTypes } from './support';

let sys: TestSystem;
let client: LoomClient;
let doc: DocumentCheck;

beforeAll(async () => {
  sys = await TestSystem.start('client', { types: demoSleepTypes() });
  await sys.operator.grant(sys.tenantId, 10_000);
  doc = await documentCheck(sys.gatewayUrl);
  client = createLoomClient({ url: sys.gatewayUrl, apiKey: sys.apiKey, fetch: doc.recording() });
});

afterAll(async () => {
  await sys?.stop();
});

async function errorOf(p: Promise<unknown>): Promise<{ code: string; status: number; details?: unknown }> {
  try {
    await p;
  } catch (err) {
    if (isLoomApiError(err)) return err;
    throw err;
  }
  throw new Error('expected a LoomApiError, the call succeeded');
}

/** The next events of a live iterator until `until` matches, with a bounded wait. */
async function collect(events: AsyncGenerator<LiveEvent>, until: (e: LiveEvent, all: LiveEvent[]) => boolean, what: string, timeoutMs = 20_000): Promise<LiveEvent[]> {
  const got: LiveEvent[] = [];
  const timer = setTimeout(() => void events.return(undefined), timeoutMs);
  try {
    for await (const e of events) {
      got.push(e);
      if (until(e, got)) return got;
    }
  } finally {
    clearTimeout(timer);
  }
  throw new Error(`the stream ended before ${what}; got ${got.map((e) => e.event).join(', ') || 'nothing'}`);
}

describe('tasks', () => {
  it('submits, waits over SSE for the end, and reads the task and its logs', async () => {
    const task = await client.tasks.submit('demo.image', { ms: 300, progressSteps: 2 }, { idempotencyKey: 'client-wait-1' });
    expect(task).toMatchObject({ type: 'demo.image', price: 1 });
    expect(['pending', 'queued']).toContain(task.status);
    const seen: string[] = [];
    const done = await client.tasks.wait(task.id, { onEvent: (e) => seen.push(e.event) });
    expect(done).toMatchObject({ id: task.id, status: 'succeeded', progress: 100, result: { sleptMs: 300 } });
    expect(seen[0]).toBe('task.snapshot');
    expect(seen).toContain('task.succeeded');
    expect((await client.tasks.get(task.id)).status).toBe('succeeded');
    expect((await client.tasks.logs(task.id)).map((l) => l.message)).toContain('slept 300 ms');
    // The same idempotency key answers the first task.
    expect((await client.tasks.submit('demo.image', { ms: 300, progressSteps: 2 }, { idempotencyKey: 'client-wait-1' })).id).toBe(task.id);
  });

  it('lists every page through the async iterator, newest first, and stops at a limit', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await client.tasks.submit('demo.video', { ms: 60_000 })).id);
    const listed: string[] = [];
    for await (const t of client.tasks.list({ type: 'demo.video', pageSize: 2 })) listed.push(t.id);
    expect(listed.slice(0, 5)).toEqual([...ids].reverse());
    const limited: string[] = [];
    for await (const t of client.tasks.list({ type: 'demo.video' }, { limit: 3 })) limited.push(t.id);
    expect(limited).toHaveLength(3);
    const r = await client.tasks.cancelMany({ types: ['demo.video'] });
    expect(r.cancelled).toEqual(expect.arrayContaining(ids));
  });

  it('throws one error class carrying the code, the status and the details', async () => {
    const invalid = await errorOf(client.tasks.submit('demo.image', {} as never));
    expect(invalid).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    expect(invalid.details).toEqual([expect.objectContaining({ path: 'input.ms' })]);
    expect(await errorOf(client.tasks.get('no-such-task'))).toMatchObject({ code: 'TASK_NOT_FOUND', status: 404 });
    expect(await errorOf(createLoomClient({ url: sys.gatewayUrl, apiKey: 'wrong', fetch: doc.recording() }).tasks.get('x'))).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
    expect(await errorOf(createLoomClient({ url: 'http://127.0.0.1:1', apiKey: 'x' }).account.get())).toMatchObject({ code: 'NETWORK', status: 0 });
  });

  it('cancels and retries, one and many', async () => {
    const a = await client.tasks.submit('demo.video', { ms: 60_000 });
    await sys.waitForStatus(a.id, 'running');
    expect(await client.tasks.cancel(a.id)).toEqual({ id: a.id, status: 'cancelling' });
    expect((await client.tasks.wait(a.id)).status).toBe('cancelled');
    const retried = await client.tasks.retry(a.id);
    expect(retried).toMatchObject({ id: a.id, status: 'pending', attempts: 2 });
    const many = await client.tasks.cancelMany({ ids: [a.id, 'unknown-id'] });
    expect(many.notFound).toContain('unknown-id');
    expect((await client.tasks.wait(a.id)).status).toBe('cancelled');
    const again = await client.tasks.retryMany({ ids: [a.id] });
    expect(again.retried).toEqual([a.id]);
    await client.tasks.cancel(a.id);
  });
});

describe('batches, account and admin', () => {
  it('submits a batch and reads it; reads the account and its ledger; operators create tenants and grant credits', async () => {
    const b = await client.batches.submit('demo.image', [{ ms: 10 }, { ms: 20 }]);
    expect(b.taskIds).toHaveLength(2);
    expect(await client.batches.get(b.batchId)).toMatchObject({ batchId: b.batchId, size: 2, type: 'demo.image' });
    for (const id of b.taskIds) await client.tasks.wait(id);
    const account = await client.account.get();
    expect(account.tenantId).toBe(sys.tenantId);
    const ledger = [];
    for await (const e of client.account.ledger({ limit: 500 })) ledger.push(e);
    expect(ledger.map((e) => e.kind)).toContain('grant');

    const ops = createLoomClient({ url: sys.gatewayUrl, apiKey: sys.operatorKey, fetch: doc.recording() });
    const tenant = await ops.admin.createTenant('client test tenant');
    expect(await ops.admin.credits(tenant.tenantId, { amount: 25, reason: 'client test' })).toMatchObject({ tenantId: tenant.tenantId, balance: 25 });
    expect(await ops.admin.tenant(tenant.tenantId)).toMatchObject({ balance: 25 });
    const entries = [];
    for await (const e of ops.admin.ledger(tenant.tenantId)) entries.push(e);
    expect(entries).toEqual([expect.objectContaining({ kind: 'grant', amount: 25 })]);
    expect(await errorOf(client.admin.createTenant('not an operator'))).toMatchObject({ code: 'FORBIDDEN', status: 403 });
    const own = createLoomClient({ url: sys.gatewayUrl, apiKey: tenant.apiKey, fetch: doc.recording() });
    expect((await own.account.get()).balance).toBe(25);
  });
});

describe('live events that lose nothing across reconnects', () => {
  it('gives every event an id; a stream resumed with the last id seen gets exactly the events it missed', async () => {
    const task = await client.tasks.submit('demo.video', { ms: 60_000 });
    // A stream that stays open the whole time: what the interrupted one must end up with.
    const witness = collect(client.events({ taskId: task.id }), (e) => e.event === 'task.cancelled', 'task.cancelled on the witness stream');
    const first = await collect(client.events({ taskId: task.id }), (e) => e.event === 'task.snapshot', 'the snapshot');
    const lastSeen = first.at(-1)!.id!;
    expect(lastSeen).toMatch(/^[0-9a-f]+-\d+$/);
    // While the stream is closed, the task runs and is cancelled.
    await sys.waitForStatus(task.id, 'running');
    await client.tasks.cancel(task.id);
    await sys.waitForStatus(task.id, 'cancelled');
    const resumed = await collect(client.events({ taskId: task.id, lastEventId: lastSeen }), (e) => e.event === 'task.cancelled', 'task.cancelled');
    // Replayed, not re-snapshotted: exactly the events after lastSeen, in order, none twice.
    const seq = (id: string) => Number(id.split('-')[1]);
    const expected = (await witness).filter((e) => e.event !== 'task.snapshot' && seq(e.id!) > seq(lastSeen)).map((e) => e.id);
    expect(resumed.map((e) => e.id)).toEqual(expected);
    expect(resumed.map((e) => e.event)).toEqual(expect.arrayContaining(['task.cancel_requested', 'task.cancelled']));
  });

  it('answers an id it cannot replay with a fresh snapshot (one task) or a stream.reset (all)', async () => {
    const task = await client.tasks.submit('demo.image', { ms: 10 });
    await client.tasks.wait(task.id);
    const one = await collect(client.events({ taskId: task.id, lastEventId: '00000000-1' }), (e) => e.event === 'task.snapshot', 'the snapshot');
    expect(one[0]).toMatchObject({ event: 'task.snapshot', payload: { id: task.id, status: 'succeeded' } });
    const all = await collect(client.events({ lastEventId: 'not-known-here' }), (e) => e.event === 'stream.reset', 'stream.reset');
    expect(all[0]).toMatchObject({ event: 'stream.reset', tenantId: sys.tenantId });
  });

  it('watch reconnects by itself after the connection drops and still sees the end', async () => {
    const task = await client.tasks.submit('demo.video', { ms: 60_000 });
    // A fetch whose first stream is cut after its first event: the client must reconnect and resume.
    let calls = 0;
    const cutting: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (++calls > 1 || !res.body) return res;
      const reader = res.body.getReader();
      const body = new ReadableStream<Uint8Array>({
        async pull(ctrl) {
          const { value, done } = await reader.read();
          if (done) return ctrl.close();
          ctrl.enqueue(value);
          if (new TextDecoder().decode(value).includes('task.snapshot')) {
            await reader.cancel();
            ctrl.error(new Error('connection reset (test)'));
          }
        },
      });
      return new Response(body, { status: res.status, headers: res.headers });
    };
    const flaky = createLoomClient({ url: sys.gatewayUrl, apiKey: sys.apiKey, fetch: cutting });
    const reconnects: number[] = [];
    const waiting = flaky.tasks.wait(task.id, { onReconnect: (_err, n) => reconnects.push(n) });
    await sys.waitForStatus(task.id, 'running');
    await client.tasks.cancel(task.id);
    expect((await waiting).status).toBe('cancelled');
    expect(reconnects.length).toBeGreaterThanOrEqual(1);
    expect(calls).toBeGreaterThanOrEqual(2);
  });
});

describe('many tasks in one request', () => {
  /**
   * A client of a tenant of its own (hundreds of tasks would fill the pages the other tests
   * read) whose POST /v1/tasks/bulk requests are counted, with how many tasks each carried.
   */
  async function countingClient(credits: number): Promise<{ client: LoomClient; bulkSizes: number[] }> {
    const ops = createLoomClient({ url: sys.gatewayUrl, apiKey: sys.operatorKey, fetch: doc.recording() });
    const tenant = await ops.admin.createTenant('bulk');
    await ops.admin.credits(tenant.tenantId, { amount: credits, reason: 'bulk test' });
    const bulkSizes: number[] = [];
    const recording = doc.recording();
    const counting: typeof fetch = async (input, init) => {
      const req = new Request(input, init);
      if (new URL(req.url).pathname === '/v1/tasks/bulk') bulkSizes.push(((await req.clone().json()) as { tasks: unknown[] }).tasks.length);
      return recording(req);
    };
    return { client: createLoomClient({ url: sys.gatewayUrl, apiKey: tenant.apiKey, fetch: counting }), bulkSizes };
  }
  const total = async (c = client) => (await c.tasks.page({ pageSize: 1 })).total;

  it('submitMany answers one outcome per item in order, a used idempotency key with its first task', async () => {
    const first = await client.tasks.submit('demo.image', { ms: 7 }, { idempotencyKey: 'many-first' });
    const outcomes = await client.tasks.submitMany([
      { type: 'demo.image', input: { ms: 1 } },
      { type: 'demo.image', input: { ms: 7 }, idempotencyKey: 'many-first' },
      { type: 'demo.video', input: { ms: 2 }, priority: 5 },
      { type: 'demo.image', input: { ms: 3 }, timeoutMs: 90_000 },
    ]);
    expect(outcomes.map((o) => ('created' in o ? o.created : o.error.code))).toEqual([true, false, true, true]);
    const tasks = outcomes.map((o) => ('task' in o ? o.task : undefined)!);
    expect(tasks.map((t) => [t.type, (t.input as { ms: number }).ms])).toEqual([['demo.image', 1], ['demo.image', 7], ['demo.video', 2], ['demo.image', 3]]);
    expect(tasks[1]!.id).toBe(first.id);
    expect(tasks[2]).toMatchObject({ priority: 5 });
    expect(tasks[3]).toMatchObject({ timeoutMs: 90_000 });
    for (const t of tasks) expect((await client.tasks.get(t.id)).input).toEqual(t.input);
  });

  it('sends more than 500 as consecutive requests of at most 500', async () => {
    const { client: counted, bulkSizes } = await countingClient(501);
    const items: SubmitTask[] = Array.from({ length: 501 }, (_, i) => ({ type: 'demo.image', input: { ms: 1 }, idempotencyKey: `split-${i}` }));
    const outcomes = await counted.tasks.submitMany(items);
    expect(bulkSizes).toEqual([500, 1]);
    expect(outcomes).toHaveLength(501);
    expect(outcomes.every((o) => 'created' in o && o.created)).toBe(true);
    expect(outcomes.map((o) => ('task' in o ? o.task.idempotencyKey : o.error.code))).toEqual(items.map((t) => t.idempotencyKey));
    expect(new Set(outcomes.map((o) => ('task' in o ? o.task.id : ''))).size).toBe(501);
    expect(await total(counted)).toBe(501);
  });

  it('refuses the whole request when one item is wrong, naming it as tasks.<i>, and creates nothing', async () => {
    const before = await total();
    const err = await errorOf(client.tasks.submitMany([{ type: 'demo.image', input: { ms: 1 } }, { type: 'demo.image', input: { ms: 'soon' } as never }]));
    expect(err).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    expect(err.details).toEqual([expect.objectContaining({ path: 'tasks.1.input.ms' })]);
    const unknown = await errorOf(client.tasks.submitMany([{ type: 'demo.image', input: { ms: 1 } }, { type: 'no.such.type', input: {} } as never]));
    expect(unknown).toMatchObject({ code: 'UNKNOWN_TASK_TYPE', status: 422 });
    expect(await total()).toBe(before);
  });

  it('the batcher sends concurrent one-at-a-time submits together, each caller getting its own task or its own error', async () => {
    const { client: counted, bulkSizes } = await countingClient(128);
    const batcher = counted.tasks.batcher();
    // 32 producers, each submitting 4 tasks one after another: 128 submits.
    const producers = Array.from({ length: 32 }, async (_, p) => {
      const mine = [];
      for (let n = 0; n < 4; n++) mine.push(await batcher.submit('demo.image', { ms: 1 }, { idempotencyKey: `batcher-${p}-${n}` }));
      return mine;
    });
    const bad = batcher.submit('demo.image', { ms: 'x' } as never);
    const got = await Promise.all(producers);
    got.forEach((mine, p) => expect(mine.map((t) => t.idempotencyKey)).toEqual([0, 1, 2, 3].map((n) => `batcher-${p}-${n}`)));
    expect(new Set(got.flat().map((t) => t.id)).size).toBe(128);
    const refused = await errorOf(bad);
    expect(refused).toMatchObject({ code: 'VALIDATION_FAILED', status: 400, details: [expect.objectContaining({ path: 'input.ms' })] });
    // 129 submits, far fewer requests: the first 33 go together, then each answer's callers together.
    expect(bulkSizes.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(129);
    expect(bulkSizes.length).toBeLessThanOrEqual(16);
    expect(bulkSizes[0]).toBe(33);
    for (const t of got.flat().slice(0, 3)) expect((await counted.tasks.get(t.id)).idempotencyKey).toBe(t.idempotencyKey);
  });
});

describe('the OpenAPI document against these answers', () => {
  it('documents every status these tests got, and every JSON body matches its schema', async () => {
    // A few answers the client does not ask for on purpose: 405 + Allow, 426, a malformed body.
    const f = doc.recording();
    const auth = { authorization: `Bearer ${sys.apiKey}` };
    const put = await f(`${sys.gatewayUrl}/v1/tasks`, { method: 'PUT', headers: auth });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST');
    expect((await f(`${sys.gatewayUrl}/v1/tasks/cancel`, { method: 'GET', headers: auth })).headers.get('allow')).toBe('POST');
    const ws = await fetch(`${sys.gatewayUrl}/v1/ws`, { headers: auth });
    expect(ws.status).toBe(426);
    expect(ws.headers.get('upgrade')).toBe('websocket');
    const malformed = await f(`${sys.gatewayUrl}/v1/tasks`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{' });
    expect(malformed.status).toBe(400);
    expect((await f(`${sys.gatewayUrl}/v1/tasks/cancel`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{}' })).status).toBe(400);
    expect(doc.checked).toBeGreaterThan(40);
    expect(doc.problems()).toEqual([]);
  });
});
