// Credits end to end, through the five services on the real servers: holds at submit (402 when
// the balance does not cover the price, nothing created), capture on success, release on
// failure and cancel, one charge per run whatever the automatic retries, a new charge for a
// manual retry, batches settled once in one step, redelivered terminal events and a settlement
// killed between its ledger write and its ack. Every test has a tenant of its own and ends with
// a clean reconciliation.
import amqp from 'amqplib';
import { servers } from '../support/servers';
import { TestSystem, type TaskJson } from '../support/system';
import { SETTLE_SUFFIX } from '@loom/store';

interface SettledEvent {
  messageId: string;
  name: string;
  taskId?: string;
  payload: { outcome?: string; credits?: number; batchId?: string; captured?: number; released?: number };
}

describe('settlement: credits, holds, charges, refunds and batches', () => {
  let sys: TestSystem;
  let conn: amqp.ChannelModel;
  let ch: amqp.Channel;
  const settled: SettledEvent[] = [];

  beforeAll(async () => {
    sys = await TestSystem.start('e2e-settle', {
      types: {
        'bill.race': { handler: 'sleep', price: { credits: 3 } },
        'bill.mix': { handler: 'sleep', maxAttempts: 3, retryBackoff: { baseMs: 100, maxMs: 400 }, price: { credits: 5 } },
        'bill.crash': { handler: 'sleep', price: { credits: 4 } },
        // Per-input pricing: an item asking for progress steps costs more.
        'bill.batch': { handler: 'sleep', price: { credits: 2, perInputField: { field: 'progressSteps', values: { '1': 3 } } } },
        'bill.free': { handler: 'sleep' },
      },
    });
    // Listen to what settlement announces.
    conn = await amqp.connect(servers.amqpUrl);
    ch = await conn.createChannel();
    const q = await ch.assertQueue('', { exclusive: true, autoDelete: true });
    for (const key of ['task.settled', 'batch.settled']) await ch.bindQueue(q.queue, `${sys.namespace}.events`, key);
    await ch.consume(q.queue, (m) => m && settled.push(JSON.parse(m.content.toString())), { noAck: true });
  });
  afterAll(async () => {
    await conn?.close().catch(() => undefined);
    await sys?.stop();
  });

  const waitUntil = async <T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    let last: T | undefined;
    while (Date.now() < deadline) {
      last = await fn();
      if (ok(last)) return last;
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(`${what} not reached within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
  };
  /** Settlement is asynchronous: wait until nothing is held any more. */
  const settledAccount = (tenantId: string) => waitUntil(`${tenantId} holds nothing`, () => sys.operator.account(tenantId), (a) => a.held === 0);
  const entriesOf = async (tenantId: string, pred: (e: { taskId: string | null; batchId?: string | null }) => boolean) =>
    (await sys.operator.ledger(tenantId)).items.filter(pred);
  const expectCleanReconciliation = async () => {
    const report = await sys.reconcile();
    expect(report.differences).toEqual([]);
    expect(report.clean).toBe(true);
  };
  /** Publishes a terminal event for a task, as the outbox would have (the same message id each time). */
  const publishTerminal = async (name: 'task.succeeded' | 'task.failed', task: TaskJson, tenantId: string, messageId: string, times: number) => {
    const payload =
      name === 'task.succeeded'
        ? { type: task.type, attempt: 1, durationMs: 5 }
        : { type: task.type, attempt: 1, error: { code: 'X', message: 'forged', retryable: false } };
    const env = { messageId, name, version: 1, occurredAt: new Date().toISOString(), tenantId, taskId: task.id, correlationId: task.id, payload };
    const pub = await conn.createConfirmChannel();
    // Routed as the store routes a billable task's end (libs/store outbox.ts terminalEvent).
    for (let i = 0; i < times; i++) pub.publish(`${sys.namespace}.events`, `${name}${SETTLE_SUFFIX}`, Buffer.from(JSON.stringify(env)), { persistent: true, messageId });
    await pub.waitForConfirms();
    await pub.close();
  };
  /** Waits until settlement has taken every message of its queue, then a little longer for the last to finish. */
  const settlementDrained = async () => {
    await waitUntil('settlement queue drained', () => ch.checkQueue(`${sys.namespace}.settlement.terminal`), (q) => q.messageCount === 0);
    await new Promise((r) => setTimeout(r, 1000));
  };

  it('states the rules: prices in the task types, free types need no account, operators only on /v1/admin', async () => {
    const types = (await sys.request('GET', '/v1/task-types')).body as { type: string; price: unknown }[];
    expect(types.find((t) => t.type === 'bill.race')!.price).toEqual({ credits: 3 });
    expect(types.find((t) => t.type === 'bill.free')!.price).toBeNull();

    // tenant-a has no account: free types run, priced ones are refused with its balance and the price.
    expect(await sys.account()).toEqual({ tenantId: sys.tenantId, name: null, balance: 0, held: 0 });
    const free = await sys.submit('bill.free', { ms: 5 });
    expect(free.price).toBe(0);
    const refused = await sys.request('POST', '/v1/tasks', { type: 'bill.race', input: { ms: 5 } });
    expect(refused.status).toBe(402);
    expect(refused.body.error).toMatchObject({ code: 'INSUFFICIENT_CREDITS', details: { balance: 0, price: 3 } });
    expect((await sys.request('GET', '/v1/tasks?type=bill.race')).body.total).toBe(0);

    expect((await sys.request('POST', '/v1/admin/tenants', { name: 'nope' })).status).toBe(403);
    expect((await sys.request('GET', `/v1/admin/tenants/${sys.tenantId}/ledger`)).status).toBe(403);
    expect((await sys.request('GET', '/v1/admin/tenants/no-such-tenant', undefined, sys.operatorKey)).status).toBe(404);
    expect((await sys.waitForTerminal(free.id)).status).toBe('succeeded');
  });

  it('admits exactly 10 of 50 concurrent submissions against a balance that covers 10; the balance ends at zero', async () => {
    const t = await sys.operator.createTenant('race');
    expect(await sys.operator.grant(t.tenantId, 30)).toMatchObject({ balance: 30, held: 0 });
    const results = await Promise.all(
      Array.from({ length: 50 }, () => sys.request('POST', '/v1/tasks', { type: 'bill.race', input: { ms: 5 } }, t.apiKey)),
    );
    const admitted = results.filter((r) => r.status === 202);
    const refused = results.filter((r) => r.status === 402);
    expect(admitted).toHaveLength(10);
    expect(refused).toHaveLength(40);
    for (const r of refused) expect(r.body.error).toMatchObject({ code: 'INSUFFICIENT_CREDITS', details: { balance: 0, price: 3 } });
    expect((await sys.account(t.apiKey)).balance).toBe(0);
    // Nothing was created for the refused ones.
    expect((await sys.request('GET', '/v1/tasks?pageSize=100', undefined, t.apiKey)).body.total).toBe(10);

    const done = await Promise.all(admitted.map((r) => sys.waitForTerminal(r.body.id)));
    expect(done.map((d) => d.status)).toEqual(Array(10).fill('succeeded'));
    expect(await settledAccount(t.tenantId)).toMatchObject({ balance: 0, held: 0 });
    const kinds = (await sys.operator.ledger(t.tenantId)).items.map((e) => e.kind).sort();
    expect(kinds).toEqual(['grant', ...Array(10).fill('capture'), ...Array(10).fill('hold')].sort());
    await expectCleanReconciliation();
  });

  it('holds every price of a bulk submission or none: 402 with the balance and the sum, nothing created, nothing held', async () => {
    const t = await sys.operator.createTenant('bulk');
    await sys.operator.grant(t.tenantId, 10);
    const race = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'bill.race', input: { ms: 5 + i } }));
    const refused = await sys.request('POST', '/v1/tasks/bulk', { tasks: [{ type: 'bill.free', input: { ms: 5 } }, ...race(4)] }, t.apiKey);
    expect(refused.status).toBe(402);
    expect(refused.body.error).toMatchObject({ code: 'INSUFFICIENT_CREDITS', details: { balance: 10, price: 12 } });
    expect((await sys.request('GET', '/v1/tasks?pageSize=1', undefined, t.apiKey)).body.total).toBe(0);
    expect(await sys.account(t.apiKey)).toMatchObject({ balance: 10, held: 0 });

    const accepted = await sys.request('POST', '/v1/tasks/bulk', { tasks: race(3) }, t.apiKey);
    expect(accepted.status).toBe(202);
    const ids = (accepted.body.items as { task: { id: string } }[]).map((i) => i.task.id);
    const done = await Promise.all(ids.map((id) => sys.waitForTerminal(id)));
    expect(done.map((d) => d.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(await settledAccount(t.tenantId)).toMatchObject({ balance: 1, held: 0 });
    await expectCleanReconciliation();
  });

  it('charges N tasks with k failures exactly N - k prices, once each whatever the retries; holds return to 0', async () => {
    const t = await sys.operator.createTenant('mix');
    await sys.operator.grant(t.tenantId, 100);
    const submit = (input: Record<string, unknown>) => sys.submit('bill.mix', input, {}, t.apiKey);
    const tasks = [
      ...(await Promise.all(Array.from({ length: 6 }, () => submit({ ms: 5 })))),
      await submit({ ms: 5, failAttempts: 2 }), // fails twice, retried automatically, succeeds on attempt 3
      ...(await Promise.all(Array.from({ length: 3 }, () => submit({ ms: 5, fail: 'permanent' })))),
    ];
    const done = await Promise.all(tasks.map((x) => sys.waitForTerminal(x.id)));
    expect(done.filter((d) => d.status === 'succeeded')).toHaveLength(7);
    expect(done[6]!.attempts).toBe(3);
    expect(await settledAccount(t.tenantId)).toMatchObject({ balance: 100 - 7 * 5, held: 0 });
    // The task retried automatically was held and captured once.
    expect((await entriesOf(t.tenantId, (e) => e.taskId === tasks[6]!.id)).map((e) => e.kind).sort()).toEqual(['capture', 'hold']);

    // A cancelled task is released; retried by hand it is a new run, held and charged again.
    const blocker = await submit({ ms: 1500 });
    const victim = await submit({ ms: 5 });
    await sys.waitForStatus(blocker.id, 'running');
    expect((await sys.request('POST', `/v1/tasks/${victim.id}/cancel`, undefined, t.apiKey)).body.status).toBe('cancelled');
    await sys.waitForTerminal(blocker.id);
    expect(await settledAccount(t.tenantId)).toMatchObject({ balance: 60, held: 0 });
    const retried = await sys.request('POST', `/v1/tasks/${victim.id}/retry`, undefined, t.apiKey);
    expect(retried.status).toBe(202);
    expect((await sys.waitForTerminal(victim.id)).status).toBe('succeeded');
    expect(await settledAccount(t.tenantId)).toMatchObject({ balance: 55, held: 0 });
    const victimEntries = await entriesOf(t.tenantId, (e) => e.taskId === victim.id);
    expect(victimEntries.map((e) => `${e.id.replace(victim.id, 'T')}=${e.kind}`).sort()).toEqual(
      ['task:T:hold:1=hold', 'task:T:hold:1:settle=release', 'task:T:hold:2=hold', 'task:T:hold:2:settle=capture'].sort(),
    );

    // A manual retry the balance does not cover is refused, and the task stays failed.
    await sys.operator.grant(t.tenantId, -55);
    const failed = tasks[7]!;
    const noMoney = await sys.request('POST', `/v1/tasks/${failed.id}/retry`, undefined, t.apiKey);
    expect(noMoney.status).toBe(402);
    expect(noMoney.body.error).toMatchObject({ code: 'INSUFFICIENT_CREDITS', details: { balance: 0, price: 5 } });
    expect((await sys.task(failed.id)).status).toBe('failed');
    await expectCleanReconciliation();
  });

  it('settles once when the terminal event comes three times, and when settlement is killed (-9) between its ledger write and its ack', async () => {
    const t = await sys.operator.createTenant('crash');
    await sys.operator.grant(t.tenantId, 20);
    const first = await sys.submit('bill.crash', { ms: 5 }, {}, t.apiKey);
    await sys.waitForTerminal(first.id);
    expect(await settledAccount(t.tenantId)).toMatchObject({ balance: 16, held: 0 });

    // The same event three times, and a contradicting one: the hold was settled once, for good.
    await publishTerminal('task.succeeded', first, t.tenantId, 'dup-1', 3);
    await publishTerminal('task.failed', first, t.tenantId, 'forged-1', 1);
    await settlementDrained();
    expect(await sys.operator.account(t.tenantId)).toMatchObject({ balance: 16, held: 0 });
    expect((await entriesOf(t.tenantId, (e) => e.taskId === first.id)).map((e) => e.kind).sort()).toEqual(['capture', 'hold']);

    // Settlement dies right after its first ledger write: before the account update and the ack.
    await sys.process('settlement').stop();
    const dying = await sys.startService('settlement', 'settlement', { LOOM_TEST_CRASH_AFTER_LEDGER_WRITE: '1' });
    const second = await sys.submit('bill.crash', { ms: 5 }, {}, t.apiKey);
    await sys.waitForTerminal(second.id);
    await waitUntil('settlement killed itself', async () => dying.child.signalCode, (sig) => sig !== null);
    expect(dying.child.signalCode).toBe('SIGKILL');

    // Half-done: the capture is in the ledger, the account has not taken it (read raw, without catching up).
    const capture = await sys.billing.ledger.get(`task:${second.id}:hold:1:settle`);
    expect(capture?.kind).toBe('capture');
    expect(await sys.billing.models.Account.findById(t.tenantId).lean()).toMatchObject({ balance: 12, held: 4 });
    const spotted = await sys.reconcile();
    expect(spotted.differences.map((d) => d.problem)).toEqual([expect.stringMatching(/half-done movement/)]);

    // Restarted, it gets the unacked event again: finishes the movement, announces it, changes nothing twice.
    await sys.startService('settlement');
    await waitUntil('account caught up', () => sys.billing.models.Account.findById(t.tenantId).lean(), (a) => a?.held === 0);
    await publishTerminal('task.succeeded', second, t.tenantId, 'dup-2', 3);
    await settlementDrained();
    expect(await sys.operator.account(t.tenantId)).toMatchObject({ balance: 12, held: 0 });
    expect((await entriesOf(t.tenantId, (e) => e.taskId === second.id)).map((e) => e.kind).sort()).toEqual(['capture', 'hold']);
    await waitUntil('task.settled announced', async () => settled.filter((e) => e.taskId === second.id), (a) => a.length > 0);
    expect(settled.filter((e) => e.taskId === second.id).map((e) => e.payload)).toEqual([expect.objectContaining({ outcome: 'captured', credits: 4 })]);
    await expectCleanReconciliation();
  });

  it('holds a batch of 20 up front and settles it once, in one step, with the right sum', async () => {
    const t = await sys.operator.createTenant('batch');
    await sys.operator.grant(t.tenantId, 100);
    // Too big for the balance: 402, and nothing is written.
    const tooBig = await sys.request('POST', '/v1/batches', { type: 'bill.batch', items: Array(60).fill({ ms: 5 }) }, t.apiKey);
    expect(tooBig.status).toBe(402);
    expect(tooBig.body.error).toMatchObject({ code: 'INSUFFICIENT_CREDITS', details: { balance: 100, price: 120 } });
    expect((await sys.request('GET', '/v1/tasks?pageSize=1', undefined, t.apiKey)).body.total).toBe(0);

    // A task of the same type runs first, so every item waits behind it (one task per type at a time).
    const blocker = await sys.submit('bill.batch', { ms: 2500 }, {}, t.apiKey);
    await sys.waitForStatus(blocker.id, 'running');
    const items = [
      ...Array.from({ length: 12 }, (_, i) => (i % 2 ? { ms: 5, progressSteps: 1 } : { ms: 5 })), // succeed: 6 x 2 + 6 x 3
      ...Array.from({ length: 4 }, () => ({ ms: 5, fail: 'permanent' })), // fail: 4 x 2
      ...Array.from({ length: 4 }, () => ({ ms: 5 })), // cancelled: 4 x 2
    ];
    const prices = items.map((i) => ('progressSteps' in i ? 3 : 2));
    const total = prices.reduce((a, b) => a + b, 0);
    const captured = prices.slice(0, 12).reduce((a, b) => a + b, 0);
    const created = await sys.request('POST', '/v1/batches', { type: 'bill.batch', items, idempotencyKey: 'b-1' }, t.apiKey);
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ price: total, taskIds: expect.any(Array) });
    const { batchId, taskIds } = created.body as { batchId: string; taskIds: string[] };
    expect(taskIds).toHaveLength(20);
    const replay = await sys.request('POST', '/v1/batches', { type: 'bill.batch', items, idempotencyKey: 'b-1' }, t.apiKey);
    expect(replay).toMatchObject({ status: 200, body: { batchId } });
    expect(await sys.operator.account(t.tenantId)).toMatchObject({ balance: 100 - 2 - total, held: 2 + total });

    const toCancel = taskIds.slice(16);
    const cancel = await sys.request('POST', '/v1/tasks/cancel', { ids: toCancel }, t.apiKey);
    expect(cancel.body.cancelled.sort()).toEqual([...toCancel].sort());
    // An item is covered by the batch's hold until the batch settles: no retry before that.
    const early = await sys.request('POST', `/v1/tasks/${toCancel[0]}/retry`, undefined, t.apiKey);
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('BATCH_NOT_SETTLED');

    const batch = await waitUntil(
      'batch settled',
      async () => (await sys.request('GET', `/v1/batches/${batchId}`, undefined, t.apiKey)).body,
      (b) => b.settlement?.state === 'settled',
      60_000,
    );
    expect(batch).toMatchObject({
      batchId,
      size: 20,
      price: total,
      counts: { succeeded: 12, failed: 4, cancelled: 4, pending: 0, queued: 0, running: 0, delayed: 0 },
      settlement: { state: 'settled', held: total, captured, released: total - captured, settledAt: expect.any(String) },
    });
    expect(await settledAccount(t.tenantId)).toMatchObject({ balance: 100 - 2 - captured, held: 0 });
    expect((await sys.request('GET', `/v1/batches/${batchId}`, undefined, sys.otherTenantKey)).status).toBe(404);

    // Once: redelivered item events change nothing; one hold and one settlement in the ledger.
    await publishTerminal('task.failed', { id: taskIds[12]!, type: 'bill.batch' } as TaskJson, t.tenantId, 'dup-3', 3);
    await settlementDrained();
    const batchEntries = (await sys.operator.ledger(t.tenantId)).items.filter((e) => (e as { batchId?: string | null }).batchId === batchId);
    expect(batchEntries.map((e) => e.kind).sort()).toEqual(['batch_settle', 'hold']);
    await waitUntil('events announced', async () => settled.filter((e) => e.payload.batchId === batchId), (a) => a.length >= 21);
    // Announcements are at least once (the ledger relay republishes what it finds unpublished,
    // under the same message id, and consumers are idempotent by it): count distinct events.
    const batchEvents = [...new Map(settled.filter((e) => e.payload.batchId === batchId).map((e) => [e.messageId, e])).values()];
    expect(batchEvents.filter((e) => e.name === 'batch.settled').map((e) => e.payload)).toEqual([
      expect.objectContaining({ captured, released: total - captured }),
    ]);
    const itemEvents = batchEvents.filter((e) => e.name === 'task.settled');
    expect(itemEvents).toHaveLength(20);
    expect(itemEvents.filter((e) => e.payload.outcome === 'captured').reduce((s, e) => s + e.payload.credits!, 0)).toBe(captured);

    // After the batch settled, an item retried by hand is held and charged on its own.
    const late = await sys.request('POST', `/v1/tasks/${toCancel[0]}/retry`, undefined, t.apiKey);
    expect(late.status).toBe(202);
    expect((await sys.waitForTerminal(toCancel[0]!)).status).toBe('succeeded');
    expect(await settledAccount(t.tenantId)).toMatchObject({ balance: 100 - 2 - captured - 2, held: 0 });
    expect((await sys.request('GET', `/v1/batches/${batchId}`, undefined, t.apiKey)).body.settlement).toMatchObject({ state: 'settled', captured });
    await expectCleanReconciliation();
  });
});
