// The batcher's queueing and submitMany's splitting, against a fake gateway whose answers the
// test gives one request at a time (the real gateway: test/client/client.test.ts).
import { createLoomClient, type SubmitTask } from './client';
import { isLoomApiError } from './errors';

interface Received {
  tasks: SubmitTask[];
  answer: (status: number, body: unknown, headers?: Record<string, string>) => void;
}

/** A fetch that holds each request until the test answers it. */
function fakeGateway() {
  const received: Received[] = [];
  let calls = 0;
  const waiters: (() => void)[] = [];
  const fetch = async (input: Request): Promise<Response> => {
    calls++;
    const { tasks } = (await input.json()) as { tasks: SubmitTask[] };
    return new Promise<Response>((resolve) => {
      received.push({ tasks, answer: (status, body, headers) => resolve(new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } })) });
      waiters.splice(0).forEach((w) => w());
    });
  };
  /** The n-th request (1-based), once it has come. */
  async function request(n: number): Promise<Received> {
    const deadline = Date.now() + 5_000;
    while (received.length < n) {
      if (Date.now() > deadline) throw new Error(`request ${n} never came (got ${received.length})`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return received[n - 1]!;
  }
  const client = createLoomClient({ url: 'http://gateway.test', apiKey: 'k', fetch: fetch as typeof globalThis.fetch });
  return { client, request, calls: () => calls };
}

let nextId = 0;
const taskFor = (t: SubmitTask) => ({ id: `task-${++nextId}`, type: t.type, input: t.input, status: 'queued' });
/** 202 with a new task for each item. */
const accept = (r: Received) => r.answer(202, { items: r.tasks.map((t) => ({ created: true, task: taskFor(t) })) });
/** Every pending job and timer of this turn has run: a request the batcher would send has been handed to fetch. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const msOf = (tasks: SubmitTask[]) => tasks.map((t) => (t.input as { ms: number }).ms);

async function rejection(p: Promise<unknown>): Promise<{ code: string; status: number; message: string; details?: unknown; retryAfterMs?: number; submittedBefore?: unknown[] }> {
  try {
    await p;
  } catch (err) {
    if (isLoomApiError(err)) return err;
    throw err;
  }
  throw new Error('expected a LoomApiError, it resolved');
}

describe('tasks.batcher', () => {
  it('sends a lone call at once, and the calls made while it is out together in the next request, each caller getting its own task', async () => {
    const gw = fakeGateway();
    const b = gw.client.tasks.batcher();
    const first = b.submit('demo.image', { ms: 0 });
    const r1 = await gw.request(1);
    expect(msOf(r1.tasks)).toEqual([0]);
    const more = [1, 2, 3, 4, 5].map((ms) => b.submit('demo.image', { ms }, { priority: ms }));
    await settle();
    expect(gw.calls()).toBe(1);
    expect(b.pending).toBe(6);
    accept(r1);
    expect((await first).input).toEqual({ ms: 0 });
    const r2 = await gw.request(2);
    expect(msOf(r2.tasks)).toEqual([1, 2, 3, 4, 5]);
    expect(r2.tasks.map((t) => t.priority)).toEqual([1, 2, 3, 4, 5]);
    accept(r2);
    const tasks = await Promise.all(more);
    expect(tasks.map((t) => (t.input as { ms: number }).ms)).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(tasks.map((t) => t.id)).size).toBe(5);
    expect(b.pending).toBe(0);
  });

  it('puts the calls of one synchronous run in one request, and no more than maxBatch in any', async () => {
    const gw = fakeGateway();
    const b = gw.client.tasks.batcher({ maxBatch: 2 });
    const all = [1, 2, 3, 4, 5].map((ms) => b.submit('demo.image', { ms }));
    accept(await gw.request(1));
    accept(await gw.request(2));
    accept(await gw.request(3));
    await Promise.all(all);
    expect(gw.calls()).toBe(3);
    const one = fakeGateway();
    const burst = one.client.tasks.batcher();
    const calls = Array.from({ length: 32 }, (_, ms) => burst.submit('demo.image', { ms }));
    const r = await one.request(1);
    expect(r.tasks).toHaveLength(32);
    accept(r);
    await Promise.all(calls);
    expect(one.calls()).toBe(1);
  });

  it('with maxInFlight 2 sends a second request while the first is out', async () => {
    const gw = fakeGateway();
    const b = gw.client.tasks.batcher({ maxInFlight: 2 });
    const a = b.submit('demo.image', { ms: 1 });
    const r1 = await gw.request(1);
    const c = b.submit('demo.image', { ms: 2 });
    const r2 = await gw.request(2);
    const d = b.submit('demo.image', { ms: 3 });
    await settle();
    expect(gw.calls()).toBe(2);
    accept(r2);
    await c;
    const r3 = await gw.request(3);
    expect(msOf(r3.tasks)).toEqual([3]);
    accept(r1);
    accept(r3);
    await Promise.all([a, d]);
  });

  it("gives an item's write failure (207) to its caller alone", async () => {
    const gw = fakeGateway();
    const b = gw.client.tasks.batcher();
    const calls = [1, 2, 3].map((ms) => b.submit('demo.image', { ms }));
    const r = await gw.request(1);
    r.answer(207, { items: [{ created: true, task: taskFor(r.tasks[0]!) }, { error: { code: 'INTERNAL', message: 'internal error' } }, { created: false, task: taskFor(r.tasks[2]!) }] });
    expect((await calls[0]!).input).toEqual({ ms: 1 });
    expect(await rejection(calls[1]!)).toMatchObject({ code: 'INTERNAL', status: 207 });
    expect((await calls[2]!).input).toEqual({ ms: 3 });
  });

  it('gives a refusal naming items to their callers, worded as their own submit, and sends the others again', async () => {
    const gw = fakeGateway();
    const b = gw.client.tasks.batcher();
    const calls = [1, 2, 3, 4].map((ms) => b.submit('demo.image', { ms }));
    const r1 = await gw.request(1);
    r1.answer(400, {
      error: {
        code: 'VALIDATION_FAILED',
        message: 'invalid request: tasks.1.input.ms: Expected number; tasks.3.input: Unrecognized key "x"',
        details: [
          { path: 'tasks.1.input.ms', message: 'Expected number' },
          { path: 'tasks.3.input', message: 'Unrecognized key "x"' },
        ],
      },
    });
    const second = await rejection(calls[1]!);
    expect(second).toMatchObject({ code: 'VALIDATION_FAILED', status: 400, details: [{ path: 'input.ms', message: 'Expected number' }] });
    expect(second.message).toBe('POST /v1/tasks/bulk: invalid request: input.ms: Expected number');
    expect(await rejection(calls[3]!)).toMatchObject({ details: [{ path: 'input', message: 'Unrecognized key "x"' }] });
    const r2 = await gw.request(2);
    expect(msOf(r2.tasks)).toEqual([1, 3]);
    r2.answer(422, { error: { code: 'UNKNOWN_TASK_TYPE', message: 'tasks.1: unknown task type "demo.image"' } });
    expect(await rejection(calls[2]!)).toMatchObject({ code: 'UNKNOWN_TASK_TYPE', status: 422, message: 'POST /v1/tasks/bulk: unknown task type "demo.image"' });
    const r3 = await gw.request(3);
    expect(msOf(r3.tasks)).toEqual([1]);
    accept(r3);
    expect((await calls[0]!).input).toEqual({ ms: 1 });
  });

  it('gives a refusal of the request as a whole (429, 402, no answer) to every caller in it', async () => {
    const gw = fakeGateway();
    const b = gw.client.tasks.batcher();
    const calls = [1, 2].map((ms) => b.submit('demo.image', { ms }));
    (await gw.request(1)).answer(429, { error: { code: 'SUBMIT_RATE_LIMITED', message: 'too many submissions; retry after 3 s' } }, { 'retry-after': '3' });
    for (const c of calls) expect(await rejection(c)).toMatchObject({ code: 'SUBMIT_RATE_LIMITED', status: 429, retryAfterMs: 3000 });
    const more = [3, 4].map((ms) => b.submit('demo.image', { ms }));
    (await gw.request(2)).answer(402, { error: { code: 'INSUFFICIENT_CREDITS', message: 'balance 1, price 2', details: { balance: 1, price: 2 } } });
    for (const c of more) expect(await rejection(c)).toMatchObject({ code: 'INSUFFICIENT_CREDITS', details: { balance: 1, price: 2 } });

    const down = createLoomClient({ url: 'http://gateway.test', apiKey: 'k', fetch: async () => Promise.reject(new TypeError('fetch failed')) }).tasks.batcher();
    const lost = [1, 2].map((ms) => down.submit('demo.image', { ms }));
    for (const c of lost) expect(await rejection(c)).toMatchObject({ code: 'NETWORK', status: 0 });
  });

  it("sends no more than the tenant's limits admit at once after a LIMIT_TOO_LOW, and the same calls again", async () => {
    const gw = fakeGateway();
    const b = gw.client.tasks.batcher();
    const calls = [1, 2, 3, 4, 5].map((ms) => b.submit('demo.image', { ms }));
    const tooLow = (limit: string, n: number) => ({ error: { code: 'LIMIT_TOO_LOW', message: `too many at once`, details: { limit, [limit]: n, requested: 5 } } });
    (await gw.request(1)).answer(422, tooLow('burst', 2));
    const r2 = await gw.request(2);
    expect(msOf(r2.tasks)).toEqual([1, 2]);
    accept(r2);
    const r3 = await gw.request(3);
    expect(msOf(r3.tasks)).toEqual([3, 4]);
    r3.answer(422, tooLow('maxWaiting', 1));
    const r4 = await gw.request(4);
    expect(msOf(r4.tasks)).toEqual([3]);
    accept(r4);
    accept(await gw.request(5));
    const r6 = await gw.request(6);
    expect(msOf(r6.tasks)).toEqual([5]);
    // A single call over the limit cannot be made smaller: its caller gets the error.
    r6.answer(422, tooLow('maxWaiting', 0));
    expect(await rejection(calls[4]!)).toMatchObject({ code: 'LIMIT_TOO_LOW', status: 422 });
    expect((await Promise.all(calls.slice(0, 4))).map((t) => (t.input as { ms: number }).ms)).toEqual([1, 2, 3, 4]);
  });

  it('never puts two calls with one idempotency key in one request', async () => {
    const gw = fakeGateway();
    const b = gw.client.tasks.batcher();
    const calls = [
      b.submit('demo.image', { ms: 1 }, { idempotencyKey: 'a' }),
      b.submit('demo.image', { ms: 1 }, { idempotencyKey: 'a' }),
      b.submit('demo.image', { ms: 2 }, { idempotencyKey: 'b' }),
    ];
    const r1 = await gw.request(1);
    expect(r1.tasks.map((t) => t.idempotencyKey)).toEqual(['a', 'b']);
    accept(r1);
    const r2 = await gw.request(2);
    expect(r2.tasks.map((t) => t.idempotencyKey)).toEqual(['a']);
    accept(r2);
    await Promise.all(calls);
  });

  it('refuses options out of range', () => {
    const { client } = fakeGateway();
    expect(() => client.tasks.batcher({ maxBatch: 501 })).toThrow(/maxBatch/);
    expect(() => client.tasks.batcher({ maxBatch: 0 })).toThrow(/maxBatch/);
    expect(() => client.tasks.batcher({ maxInFlight: 0.5 })).toThrow(/maxInFlight/);
  });
});

describe('tasks.submitMany', () => {
  const items = (n: number, key?: (i: number) => string): SubmitTask[] => Array.from({ length: n }, (_, ms) => ({ type: 'demo.image', input: { ms }, ...(key ? { idempotencyKey: key(ms) } : {}) }));

  it('sends more than 500 as consecutive requests of at most 500, one outcome per item in order', async () => {
    const gw = fakeGateway();
    const done = gw.client.tasks.submitMany(items(1200));
    const r1 = await gw.request(1);
    expect(r1.tasks).toHaveLength(500);
    await settle();
    expect(gw.calls()).toBe(1);
    accept(r1);
    const r2 = await gw.request(2);
    expect(msOf(r2.tasks)[0]).toBe(500);
    r2.answer(207, { items: r2.tasks.map((t, i) => (i === 7 ? { error: { code: 'INTERNAL', message: 'internal error' } } : { created: true, task: taskFor(t) })) });
    const r3 = await gw.request(3);
    expect(msOf(r3.tasks)).toEqual(Array.from({ length: 200 }, (_, i) => 1000 + i));
    accept(r3);
    const outcomes = await done;
    expect(outcomes).toHaveLength(1200);
    expect(outcomes[507]).toMatchObject({ error: { code: 'INTERNAL', status: 207, message: expect.stringContaining('tasks.507') } });
    outcomes.forEach((o, i) => i === 507 || expect('task' in o && (o.task.input as { ms: number }).ms).toBe(i));
  });

  it('stops at a refused request, naming items in the whole list and carrying the outcomes before it', async () => {
    const gw = fakeGateway();
    const done = rejection(gw.client.tasks.submitMany(items(1200)));
    accept(await gw.request(1));
    (await gw.request(2)).answer(400, { error: { code: 'VALIDATION_FAILED', message: 'invalid request: tasks.3.input.ms: Expected number', details: [{ path: 'tasks.3.input.ms', message: 'Expected number' }] } });
    const err = await done;
    expect(err).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'tasks.503.input.ms', message: 'Expected number' }] });
    expect(err.message).toContain('tasks.503.input.ms');
    expect(err.submittedBefore).toHaveLength(500);
    await settle();
    expect(gw.calls()).toBe(2);
  });

  it('refuses an idempotency key repeated across requests before sending anything; sends nothing for an empty list', async () => {
    const gw = fakeGateway();
    const err = await rejection(gw.client.tasks.submitMany(items(600, (i) => (i === 550 ? 'k-3' : `k-${i}`))));
    expect(err).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'tasks.550.idempotencyKey', message: expect.stringContaining('tasks.3') }] });
    expect(await gw.client.tasks.submitMany([])).toEqual([]);
    expect(gw.calls()).toBe(0);
  });
});
