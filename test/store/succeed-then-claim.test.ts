// The executor's hot-path write on the real MongoDB server: one ordered bulk write ends a run
// and starts the type's next task; when only one of the two applies, each write's fate is read
// back by its own mark, and a next task started while the run before it did not end here is
// handed back at once (the type must never have two running).
import { randomUUID } from 'node:crypto';
import type { Lease, TaskRecord } from '@loom/store';
import { useTestStore } from '../support/store';

describe('succeedThenClaim (real MongoDB)', () => {
  const t = useTestStore('then-claim');
  const lease = (): Lease => ({ owner: 'test-executor', token: randomUUID(), expiresAt: new Date(Date.now() + 60_000) });

  /** Two queued tasks of one type; the first one running under a lease. */
  async function pair(): Promise<{ first: TaskRecord; firstLease: Lease; second: TaskRecord }> {
    const base = { tenantId: 'tenant-a', type: 'demo.serial', timeoutMs: 60_000, maxAttempts: 1, admitted: true };
    const [a, b] = await Promise.all([t.store.tasks.create({ ...base, input: { n: 1 } }), t.store.tasks.create({ ...base, input: { n: 2 } })]);
    const firstLease = lease();
    const first = await t.store.tasks.claim(a.task._id, 1, firstLease);
    if (!first) throw new Error('the first task could not be claimed');
    const [second] = await t.store.tasks.getMany([b.task._id]);
    return { first, firstLease, second: second! };
  }
  const statusOf = async (id: string) => (await t.store.tasks.get(id))?.status;

  it('ends one run and starts the next in one write', async () => {
    const { first, firstLease, second } = await pair();
    const nextLease = lease();
    const r = await t.store.tasks.succeedThenClaim({ taskId: first._id, token: firstLease.token, result: { ok: 1 }, ref: first }, { known: second, attempt: 1, lease: nextLease });
    expect(r.succeeded).toBe(true);
    expect(r.claimed?.input).toEqual({ n: 2 });
    expect(r.claimed?.status).toBe('running');
    const [a, b] = await Promise.all([t.store.tasks.get(first._id), t.store.tasks.get(second._id)]);
    expect(a?.status).toBe('succeeded');
    expect(a?.endedBy).toBe(firstLease.token);
    expect(b?.status).toBe('running');
    expect(b?.lease?.token).toBe(nextLease.token);
    expect(b!.startedAt!.getTime()).toBeGreaterThanOrEqual(a!.finishedAt!.getTime());
  });

  it('hands the next task back when the run before it did not end here (its lease was gone)', async () => {
    const { first, second } = await pair();
    const r = await t.store.tasks.succeedThenClaim({ taskId: first._id, token: 'a-lease-we-do-not-hold', result: null, ref: first }, { known: second, attempt: 1, lease: lease() });
    expect(r).toEqual({ succeeded: false, claimed: null });
    expect(await statusOf(first._id)).toBe('running');
    const b = await t.store.tasks.get(second._id);
    expect(b?.status).toBe('queued');
    expect(b?.lease ?? null).toBeNull();
  });

  it('ends the run and starts nothing when the next task is no longer queued', async () => {
    const { first, firstLease, second } = await pair();
    expect(await t.store.tasks.requestCancel(second._id, undefined)).toBe('cancelled');
    const r = await t.store.tasks.succeedThenClaim({ taskId: first._id, token: firstLease.token, result: null, ref: first }, { known: second, attempt: 1, lease: lease() });
    expect(r).toEqual({ succeeded: true, claimed: null });
    expect(await statusOf(first._id)).toBe('succeeded');
    expect(await statusOf(second._id)).toBe('cancelled');
  });
});
