// Provider in-flight slots on the real MongoDB server: taken by one conditional $push only while
// fewer than `max` are held, kept by a task that takes its own again, freed by closing the job
// of the attempt that holds it (not a later attempt's), and healed when their holder is gone.
import type { Connection } from 'mongoose';
import { connectMongo, createStore, type Store } from '@loom/store';
import { mongoUrlFor, uniqueName } from '../support/servers';

describe('provider slots (real MongoDB)', () => {
  let conn: Connection;
  let store: Store;
  beforeAll(async () => {
    conn = await connectMongo(mongoUrlFor(uniqueName('slots')));
    store = await createStore(conn);
  });
  afterAll(async () => {
    await conn.dropDatabase().catch(() => undefined);
    await conn.close();
  });

  const holders = async (p: string) => (await store.providerJobs.slotHolders(p)).map((h) => `${h.taskId}#${h.attempt}`).sort();

  it('allows at most max holders; the same task keeps its slot; a full provider waits until one is freed', async () => {
    const p = uniqueName('prov');
    await store.providerJobs.acquireSlot(p, 2, { taskId: 'a', attempt: 1 });
    await store.providerJobs.acquireSlot(p, 2, { taskId: 'b', attempt: 1 });
    await store.providerJobs.acquireSlot(p, 2, { taskId: 'a', attempt: 1 }); // a takeover of the same run
    expect(await holders(p)).toEqual(['a#1', 'b#1']);
    const ac = new AbortController();
    const third = store.providerJobs.acquireSlot(p, 2, { taskId: 'c', attempt: 1 }, ac.signal);
    await store.providerJobs.releaseSlot(p, 'b');
    await third;
    expect(await holders(p)).toEqual(['a#1', 'c#1']);
    const fourth = store.providerJobs.acquireSlot(p, 2, { taskId: 'd', attempt: 1 }, ac.signal);
    ac.abort(new Error('gave up'));
    await expect(fourth).rejects.toThrow('gave up');
    expect(await holders(p)).toEqual(['a#1', 'c#1']);
  });

  it("closing an earlier attempt's job leaves the slot of the task's later run", async () => {
    const p = uniqueName('prov');
    await store.providerJobs.acquireSlot(p, 1, { taskId: 't', attempt: 1 });
    await store.providerJobs.opened({ provider: p, externalId: 'job-1', taskId: 't', tenantId: 'x', attempt: 1 });
    // A manual retry runs attempt 2 while attempt 1's job is still open (its cancel failed).
    await store.providerJobs.acquireSlot(p, 1, { taskId: 't', attempt: 2 });
    expect(await store.providerJobs.close(p, 'job-1')).toBe(true);
    expect(await holders(p)).toEqual(['t#2']);
    expect(await store.providerJobs.close(p, 'job-1')).toBe(false);
  });

  it('heals slots whose holder is gone, and only those', async () => {
    const p = uniqueName('prov');
    await store.providerJobs.acquireSlot(p, 5, { taskId: 'live', attempt: 1 });
    await store.providerJobs.acquireSlot(p, 5, { taskId: 'gone', attempt: 3 });
    const freed = await store.providerJobs.healSlots(async (provider, h) => provider !== p || h.taskId === 'live', 0);
    expect(freed).toBe(1);
    expect(await holders(p)).toEqual(['live#1']);
  });
});
