// The tenant limits document on the real MongoDB server: each take is one conditional update
// that either applies whole or changes nothing; concurrent takes by many "replicas" never hand
// out more than the bucket and the waiting limit allow; a recount is claimed by one and
// corrects the estimate by a difference; a give-back after a recount is dropped.
import type { Connection } from 'mongoose';
import { connectMongo, createStore, type Store } from '@loom/store';
import { takeSteps } from '../../services/gateway/src/limits/token-bucket';
import { mongoUrlFor, uniqueName } from '../support/servers';

let conn: Connection;
let store: Store;

beforeAll(async () => {
  conn = await connectMongo(mongoUrlFor(uniqueName('tenant-limits')));
  store = await createStore(conn);
});

afterAll(async () => {
  await conn?.dropDatabase().catch(() => undefined);
  await conn?.close();
});

describe('tenant_limits (real MongoDB)', () => {
  it('takes from the bucket by one conditional update: 20 concurrent takers get exactly the burst of 5, and nothing changes for the refused', async () => {
    const limits = store.tenantLimits;
    const tenant = uniqueName('bucket');
    await limits.read(tenant);
    const policy = { submitsPerSecond: 0.001, burst: 5 }; // no refill during the test
    const now = Date.now();
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, async () => {
        for (const bucket of takeSteps(policy, 1, now)) if (await limits.take(tenant, { bucket, reserve: 1, waitingAtMost: 99 })) return true;
        return false;
      }),
    );
    expect(outcomes.filter(Boolean).length).toBe(5);
    const doc = await limits.read(tenant);
    // Five tokens taken (fullAt moved by five intervals of 1,000 s) and five slots reserved: the refused left no trace.
    expect(doc.fullAt).toBe(now + 5 * 1_000_000);
    expect(doc.waiting).toBe(5);
  });

  it('reserves waiting slots only while under the limit, concurrently', async () => {
    const limits = store.tenantLimits;
    const tenant = uniqueName('waiting');
    await limits.read(tenant);
    const taken = await Promise.all(Array.from({ length: 12 }, () => limits.take(tenant, { reserve: 1, waitingAtMost: 2 })));
    expect(taken.filter(Boolean).length).toBe(3);
    expect((await limits.read(tenant)).waiting).toBe(3);
  });

  it('lets one replica claim a recount, corrects by the difference, and drops a give-back from before it', async () => {
    const limits = store.tenantLimits;
    const tenant = uniqueName('recount');
    await limits.read(tenant);
    const first = await limits.take(tenant, { reserve: 10 });
    const epochBefore = first!.epoch;
    const now = Date.now();
    const claims = await Promise.all([1, 2, 3].map(() => limits.claimRecount(tenant, now, now)));
    const winner = claims.filter(Boolean);
    expect(winner.length).toBe(1);
    expect(winner[0]!.waiting).toBe(10);
    // Meanwhile another submission reserves one; the count finds 4 unfinished tasks.
    await limits.take(tenant, { reserve: 1 });
    const after = await limits.finishRecount(tenant, winner[0]!.waiting, 4);
    expect(after!.waiting).toBe(5);
    // Slots leased before the recount were dropped by it: giving them back now changes nothing.
    await limits.giveBack(tenant, 3, epochBefore);
    expect((await limits.read(tenant)).waiting).toBe(5);
    await limits.giveBack(tenant, 1, after!.epoch);
    expect((await limits.read(tenant)).waiting).toBe(4);
  });

  it('sets and clears overrides, marking the estimate for a recount; a take can mark it stale too', async () => {
    const limits = store.tenantLimits;
    const tenant = uniqueName('overrides');
    await limits.read(tenant);
    await limits.claimRecount(tenant, Date.now(), Date.now());
    expect((await limits.setOverrides(tenant, { submitsPerSecond: 5, maxWaiting: 3 })).limits).toEqual({ submitsPerSecond: 5, maxWaiting: 3 });
    const cleared = await limits.setOverrides(tenant, { submitsPerSecond: null, burst: 7 });
    expect(cleared.limits).toEqual({ maxWaiting: 3, burst: 7 });
    expect(cleared.countedAt).toBe(0);
    await limits.claimRecount(tenant, Date.now(), 1);
    const stale = await limits.take(tenant, { reserve: 0, staleCount: true });
    expect(stale!.countedAt).toBe(0);
  });
});
