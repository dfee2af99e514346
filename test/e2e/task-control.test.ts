// Cancel (queued and running), timeout, retry with backoff, poison message to the DLQ,
// idempotent submit and tenant isolation, through the five processes.
import amqp from 'amqplib';
import { servers } from '../support/servers';
import { TestSystem } from '../support/system';

describe('task control through the five services', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await TestSystem.start('e2e-control', {
      types: {
        'ctl.slow': { handler: 'sleep', timeoutMs: 1500 },
        'ctl.flaky': { handler: 'sleep', maxAttempts: 3, retryBackoff: { baseMs: 400, maxMs: 2000 } },
        'ctl.poison': { handler: 'sleep' },
      },
    });
  });
  afterAll(() => sys?.stop());

  it('cancels a running task (its handler stops) and a queued one behind it', async () => {
    const running = await sys.submit('ctl.slow', { ms: 10_000, progressSteps: 20 }, { timeoutMs: 60_000 });
    const queued = await sys.submit('ctl.slow', { ms: 100 });
    await sys.waitFor(running.id, (t) => t.status === 'running' && t.progress > 0, 'running with progress');
    const waiting = await sys.task(queued.id);
    expect(waiting.status).toBe('queued');
    expect(waiting.queue).toMatchObject({ position: 1, blockedBy: running.id });

    const q = await sys.request('POST', `/v1/tasks/${queued.id}/cancel`);
    expect(q.status).toBe(200);
    expect(q.body.status).toBe('cancelled');
    const r = await sys.request('POST', `/v1/tasks/${running.id}/cancel`);
    expect(r.status).toBe(202);
    const cancelled = await sys.waitForTerminal(running.id, 10_000);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.progress).toBeLessThan(100);
    // The handler stopped: the task never logged a finish.
    expect((await sys.logsOf(running.id)).some((l) => l.message.startsWith('finished in'))).toBe(false);
    expect((await sys.task(queued.id)).status).toBe('cancelled');
    expect((await sys.request('POST', `/v1/tasks/${running.id}/cancel`)).status).toBe(409);
  });

  it('stores a local handler\'s output in the bucket and offers a download URL', async () => {
    const t = await sys.submit('ctl.slow', { ms: 10, writeOutput: 'hello from a local handler' });
    const done = await sys.waitForTerminal(t.id, 15_000);
    expect(done.status).toBe('succeeded');
    const [out] = done.outputs as { key: string; size: number; contentType: string; url: string }[];
    expect(out).toMatchObject({ key: `tenant-a/${t.id}/0`, size: 26, contentType: 'text/plain' });
    expect(await (await fetch(out!.url)).text()).toBe('hello from a local handler');
  });

  it('fails a task that runs past its timeout with TIMEOUT', async () => {
    const t = await sys.submit('ctl.slow', { ms: 5_000 });
    const done = await sys.waitForTerminal(t.id, 15_000);
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'TIMEOUT', retryable: false });
  });

  it('retries a retryable failure with exponential backoff, then succeeds', async () => {
    const t = await sys.submit('ctl.flaky', { ms: 10, failAttempts: 2 });
    const done = await sys.waitForTerminal(t.id, 20_000);
    expect(done.status).toBe('succeeded');
    expect(done.attempts).toBe(3);
    const starts = (await sys.logsOf(t.id)).filter((l) => /attempt \d of 3 started/.test(l.message));
    expect(starts).toHaveLength(3);
    const gaps = starts.slice(1).map((s, i) => Date.parse(s.timestamp) - Date.parse(starts[i]!.timestamp));
    expect(gaps[0]!).toBeGreaterThanOrEqual(400);
    expect(gaps[1]!).toBeGreaterThanOrEqual(800);
  });

  it('fails for good when retries run out', async () => {
    const t = await sys.submit('ctl.flaky', { ms: 10, fail: 'retryable' });
    const done = await sys.waitForTerminal(t.id, 20_000);
    expect(done.status).toBe('failed');
    expect(done.attempts).toBe(3);
    expect(done.error).toMatchObject({ code: 'SLEEP_FAILED', retryable: true });
  });

  it('sends a poison message to the dead-letter queue and fails its task', async () => {
    const t = await sys.submit('ctl.poison', { ms: 2_000 });
    await sys.waitForStatus(t.id, ['queued', 'running']);
    // A task.run whose payload breaks the contract: the executor dead-letters it at once.
    const conn = await amqp.connect(servers.amqpUrl);
    const ch = await conn.createConfirmChannel();
    const bad = { messageId: 'poison-1', name: 'task.run', version: 1, occurredAt: new Date().toISOString(), tenantId: 'tenant-a', taskId: 'no-such-task', payload: { attempt: 'x' } };
    ch.publish(`${sys.namespace}.work`, 'ctl.poison', Buffer.from(JSON.stringify(bad)), { persistent: true });
    await ch.waitForConfirms();
    const deadline = Date.now() + 15_000;
    let dead: amqp.GetMessage | false = false;
    while (!dead && Date.now() < deadline) {
      dead = await ch.get(`${sys.namespace}.dead`, { noAck: false });
      if (!dead) await new Promise((r) => setTimeout(r, 200));
    }
    expect(dead && JSON.parse(dead.content.toString()).messageId).toBe('poison-1');
    if (dead) ch.ack(dead);
    await conn.close();
    // The real task behind it is unaffected.
    expect((await sys.waitForTerminal(t.id, 20_000)).status).toBe('succeeded');
  });

  it('returns the same task for a repeated idempotency key, and hides it from another tenant', async () => {
    const a = await sys.submit('ctl.slow', { ms: 10 }, { idempotencyKey: 'order-42' });
    const b = await sys.submit('ctl.slow', { ms: 10 }, { idempotencyKey: 'order-42' });
    expect(b.id).toBe(a.id);
    const other = await sys.submit('ctl.slow', { ms: 10 }, { idempotencyKey: 'order-42' }, sys.otherTenantKey);
    expect(other.id).not.toBe(a.id);
    expect((await sys.request('GET', `/v1/tasks/${a.id}`, undefined, sys.otherTenantKey)).status).toBe(404);
    expect((await sys.request('POST', `/v1/tasks/${a.id}/cancel`, undefined, sys.otherTenantKey)).status).toBe(404);
    const listed = await sys.request('GET', '/v1/tasks?type=ctl.slow&pageSize=100', undefined, sys.otherTenantKey);
    expect(listed.body.items.map((t: { id: string }) => t.id)).toEqual([other.id]);
  });

  it('answers bad bodies with 4xx naming the field, storing nothing', async () => {
    const before = (await sys.request('GET', '/v1/tasks?pageSize=1')).body.total;
    const cases: [unknown, number, string][] = [
      [{ input: { ms: 1 } }, 400, 'type'],
      [{ type: 'ctl.slow', input: { ms: 'soon' } }, 400, 'input.ms'],
      [{ type: 'ctl.slow', input: { ms: 1, bogus: true } }, 400, 'input'],
      [{ type: 'no.such.type', input: {} }, 422, 'type'],
    ];
    for (const [body, status, field] of cases) {
      const r = await sys.request('POST', '/v1/tasks', body);
      expect(r.status).toBe(status);
      expect(JSON.stringify(r.body.error)).toContain(field);
    }
    expect((await sys.request('GET', '/v1/tasks?pageSize=1')).body.total).toBe(before);
  });
});
