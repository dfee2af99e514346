// New tasks written together (insert-batcher.ts) on the real MongoDB server: submissions of one
// event-loop turn share one insertMany, and each still gets its own answer: a repeated
// idempotency key inside the same batch returns the first task, a caller-chosen id written twice
// keeps the first write, and every other task of the batch is stored.
import type { Connection } from 'mongoose';
import { connectMongo, createStore, type Store } from '@loom/store';
import { mongoUrlFor, uniqueName } from '../support/servers';

describe('task inserts in one batch (real MongoDB)', () => {
  const ns = uniqueName('inserts');
  let conn: Connection;
  let store: Store;
  const base = { tenantId: 'tenant-a', type: 'demo.t', timeoutMs: 60_000, maxAttempts: 1, admitted: true };

  beforeAll(async () => {
    conn = await connectMongo(mongoUrlFor(ns));
    store = await createStore(conn);
  });

  afterAll(async () => {
    await conn.dropDatabase().catch(() => undefined);
    await conn.close();
  });

  it('answers each submission of a batch on its own', async () => {
    // The real collection's insertMany, watched (it still writes): how many commands, how many documents each.
    const insertMany = jest.spyOn(store.models.Task.collection, 'insertMany');
    try {
      const results = await Promise.all([
        store.tasks.create({ ...base, input: { n: 1 }, idempotencyKey: 'same' }),
        store.tasks.create({ ...base, input: { n: 2 }, idempotencyKey: 'same' }),
        store.tasks.create({ ...base, input: { n: 3 }, id: 'chosen-id' }),
        store.tasks.create({ ...base, input: { n: 4 }, id: 'chosen-id' }),
        store.tasks.create({ ...base, input: { n: 5 } }),
      ]);
      expect(results.map((r) => r.created)).toEqual([true, false, true, false, true]);
      expect(results[1]!.task._id).toBe(results[0]!.task._id);
      expect(results[1]!.task.input).toEqual({ n: 1 });
      expect(results[3]!.task.input).toEqual({ n: 3 });
      const stored = await store.models.Task.find({}, { input: 1 }).lean();
      expect(stored.map((t) => (t.input as { n: number }).n).sort()).toEqual([1, 3, 5]);
      expect(insertMany.mock.calls.map(([docs]) => (docs as unknown[]).length)).toEqual([5]);
    } finally {
      insertMany.mockRestore();
    }
  });
});
