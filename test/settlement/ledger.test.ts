// The ledger protocol (libs/billing/src/ledger.ts) against the real MongoDB-compatible server,
// in-process: concurrent holds against one balance, idempotent keys, a hold settled once, and a
// writer that dies between its ledger entry and its account update (a half-done movement that
// reconciliation spots and the next movement finishes). Each test has a tenant of its own.
import type { Connection } from 'mongoose';
import { batchHoldKey, createBilling, settleKey, taskHoldKey, type Billing } from '@loom/billing';
import { connectMongo, createStore } from '@loom/store';
import { mongoUrlFor, uniqueName } from '../support/servers';

let conn: Connection;
let billing: Billing;

beforeAll(async () => {
  conn = await connectMongo(mongoUrlFor(uniqueName('ledger')));
  billing = await createBilling(conn);
});
afterAll(async () => {
  await conn?.dropDatabase().catch(() => undefined);
  await conn?.close();
});

const tenant = () => uniqueName('tenant');

describe('the ledger', () => {
  it('admits exactly what the balance covers when 50 holds race', async () => {
    const t = tenant();
    await billing.credits.grant({ tenantId: t, amount: 30, reason: 'test', key: 'g1' });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => billing.credits.holdForTask({ tenantId: t, taskId: `task-${i}`, fromAttempt: 1, amount: 3 })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    expect(results.filter((r) => !r.ok)).toHaveLength(40);
    expect(await billing.credits.account(t)).toMatchObject({ balance: 0, held: 30 });
    const report = await billing.reconcile();
    expect(report.differences.filter((d) => d.tenantId === t)).toEqual([]);
  });

  it('moves credits once per key: a repeated grant or hold changes nothing', async () => {
    const t = tenant();
    const g1 = await billing.credits.grant({ tenantId: t, amount: 10, reason: 'test', key: 'same' });
    const g2 = await billing.credits.grant({ tenantId: t, amount: 10, reason: 'test', key: 'same' });
    expect([g1.status, g2.status]).toEqual(['applied', 'duplicate']);
    const h1 = await billing.credits.holdForTask({ tenantId: t, taskId: 'x', fromAttempt: 1, amount: 4 });
    const h2 = await billing.credits.holdForTask({ tenantId: t, taskId: 'x', fromAttempt: 1, amount: 4 });
    expect(h1).toMatchObject({ ok: true, replayed: false });
    expect(h2).toMatchObject({ ok: true, replayed: true });
    expect(await billing.credits.account(t)).toMatchObject({ balance: 6, held: 4 });
  });

  it('settles a hold once: a capture after a release (or the reverse) changes nothing', async () => {
    const t = tenant();
    await billing.credits.grant({ tenantId: t, amount: 10, reason: 'test', key: 'g' });
    const h = await billing.credits.holdForTask({ tenantId: t, taskId: 'y', fromAttempt: 1, amount: 4 });
    if (!h.ok) throw new Error('hold refused');
    const hold = (await billing.ledger.get(h.holdId))!;
    const [a, b] = await Promise.all([billing.credits.settleHold(hold, 'capture'), billing.credits.settleHold(hold, 'release')]);
    expect([a.status, b.status].sort()).toEqual(['applied', 'duplicate']);
    const settled = await billing.ledger.get(settleKey(h.holdId));
    const acc = await billing.credits.account(t);
    expect(acc.held).toBe(0);
    expect(acc.balance).toBe(settled!.kind === 'capture' ? 6 : 10);
  });

  it('never loses or doubles a movement whose writer died between the entry and the account', async () => {
    const t = tenant();
    await billing.credits.grant({ tenantId: t, amount: 10, reason: 'test', key: 'g' });
    // A second billing on the same database whose writer "dies" right after the ledger insert.
    const dying = await createBilling(conn, {
      onEntryWritten: () => {
        throw new Error('killed between the two writes');
      },
    });
    await expect(dying.credits.holdForTask({ tenantId: t, taskId: 'z', fromAttempt: 1, amount: 7 })).rejects.toThrow('killed');
    // The account has not taken it yet: reconciliation reports the half-done movement.
    expect(await billing.models.Account.findById(t).lean()).toMatchObject({ balance: 10, held: 0, seq: 1 });
    const before = await billing.reconcile();
    expect(before.differences.filter((d) => d.tenantId === t).map((d) => d.problem)).toEqual([expect.stringMatching(/half-done movement/)]);

    // The next movement of the tenant applies it first; the retried hold is a duplicate.
    const again = await billing.credits.holdForTask({ tenantId: t, taskId: 'z', fromAttempt: 1, amount: 7 });
    expect(again).toMatchObject({ ok: true, replayed: true });
    expect(await billing.credits.account(t)).toMatchObject({ balance: 3, held: 7 });
    const refused = await billing.credits.holdForTask({ tenantId: t, taskId: 'w', fromAttempt: 1, amount: 7 });
    expect(refused).toEqual({ ok: false, balance: 3, held: 7 });
    const after = await billing.reconcile();
    expect(after.differences.filter((d) => d.tenantId === t)).toEqual([]);
  });

  it('lets reconciliation repair a half-done movement when nothing else comes', async () => {
    const t = tenant();
    const dying = await createBilling(conn, {
      onEntryWritten: () => {
        throw new Error('killed');
      },
    });
    await expect(dying.credits.grant({ tenantId: t, amount: 5, reason: 'test', key: 'g' })).rejects.toThrow('killed');
    const report = await billing.reconcile({ repair: true });
    expect(report.repaired).toEqual([expect.stringContaining(t)]);
    expect(report.differences.filter((d) => d.tenantId === t)).toEqual([]);
    expect(await billing.credits.account(t)).toMatchObject({ balance: 5, held: 0 });
  });

  it('refuses a deduction below zero and a hold without an account, writing nothing', async () => {
    const t = tenant();
    expect(await billing.credits.holdForTask({ tenantId: t, taskId: 'q', fromAttempt: 1, amount: 1 })).toEqual({ ok: false, balance: 0, held: 0 });
    await billing.credits.grant({ tenantId: t, amount: 5, reason: 'test', key: 'g' });
    const r = await billing.credits.grant({ tenantId: t, amount: -6, reason: 'test', key: 'd' });
    expect(r.status).toBe('refused');
    expect(await billing.models.LedgerEntry.countDocuments({ tenantId: t })).toBe(1);
  });

  it('charges a batch item deleted before its batch settled for how it ended', async () => {
    const t = tenant();
    const store = await createStore(conn);
    await billing.credits.grant({ tenantId: t, amount: 100, reason: 'test', key: 'g' });
    const batchId = `${t}-batch`;
    const ids = [`${t}-1`, `${t}-2`];
    const prices = [5, 3];
    await billing.credits.holdForBatch({ tenantId: t, batchId, amount: 8 });
    await billing.batches.insert({ id: batchId, tenantId: t, type: 'x', taskIds: ids, prices });
    for (const [i, id] of ids.entries()) {
      await store.tasks.create({ id, tenantId: t, type: 'x', input: {}, timeoutMs: 1000, maxAttempts: 1, batchId, batchIndex: i, price: prices[i] });
    }
    await billing.batches.markItemsCreated(batchId);
    await store.models.Task.updateOne({ _id: ids[0] }, { $set: { status: 'succeeded' } });
    expect(await billing.settlement.onTerminal({ taskId: ids[0]!, attempt: 1, status: 'succeeded' })).toBe('batch_waiting');
    // Deleted as soon as it succeeded, before the batch settled: it is still charged.
    await store.models.Task.deleteOne({ _id: ids[0] });
    await store.models.Task.updateOne({ _id: ids[1] }, { $set: { status: 'failed' } });
    expect(await billing.settlement.onTerminal({ taskId: ids[1]!, attempt: 1, status: 'failed' })).toBe('batch_settled');
    expect(await billing.ledger.get(settleKey(batchHoldKey(batchId)))).toMatchObject({ kind: 'batch_settle', captured: 5, released: 3 });
    expect(await billing.settlement.onTerminal({ taskId: ids[1]!, attempt: 1, status: 'failed' })).toBe('duplicate');
    expect(await billing.credits.account(t)).toMatchObject({ balance: 95, held: 0 });
  });

  it('sweeps holds nothing else will settle: a task never written, a finished task whose event was lost, a batch never written', async () => {
    const t = tenant();
    const store = await createStore(conn);
    await billing.credits.grant({ tenantId: t, amount: 100, reason: 'test', key: 'g' });
    // The gateway died between the hold and the task.
    await billing.credits.holdForTask({ tenantId: t, taskId: `${t}-never`, fromAttempt: 1, amount: 10 });
    // The task finished but its terminal event never reached settlement.
    const done = `${t}-done`;
    await billing.credits.holdForTask({ tenantId: t, taskId: done, fromAttempt: 1, amount: 20 });
    await store.tasks.create({ id: done, tenantId: t, type: 'x', input: {}, timeoutMs: 1000, maxAttempts: 1, price: 20 });
    await store.models.Task.updateOne({ _id: done }, { $set: { status: 'succeeded', outbox: [] } });
    // Still running: the sweep leaves it alone.
    const running = `${t}-running`;
    await billing.credits.holdForTask({ tenantId: t, taskId: running, fromAttempt: 1, amount: 5 });
    await store.tasks.create({ id: running, tenantId: t, type: 'x', input: {}, timeoutMs: 1000, maxAttempts: 1, price: 5 });
    // The gateway died between the batch hold and the batch.
    await billing.credits.holdForBatch({ tenantId: t, batchId: `${t}-batch`, amount: 30 });
    expect(await billing.credits.account(t)).toMatchObject({ balance: 35, held: 65 });

    const report = await billing.settlement.sweep(0);
    expect(report.settled).toBeGreaterThanOrEqual(3);
    expect((await billing.ledger.get(settleKey(taskHoldKey(`${t}-never`, 1))))?.kind).toBe('release');
    expect((await billing.ledger.get(settleKey(taskHoldKey(done, 1))))?.kind).toBe('capture');
    expect((await billing.ledger.get(settleKey(batchHoldKey(`${t}-batch`))))?.kind).toBe('release');
    expect(await billing.ledger.get(settleKey(taskHoldKey(running, 1)))).toBeNull();
    expect(await billing.credits.account(t)).toMatchObject({ balance: 75, held: 5 });
    expect((await billing.reconcile()).differences.filter((d) => d.tenantId === t)).toEqual([]);
  });
});
