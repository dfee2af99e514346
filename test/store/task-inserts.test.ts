// New tasks written together (insert-batcher.ts) on the real MongoDB server: submissions of one
// event-loop turn share one insert command, and each still gets its own answer: a repeated
// idempotency key inside the same batch returns the first task, a caller-chosen id written twice
// keeps the first write, and every other task of the batch is stored.
import { useTestStore } from '../support/store';

describe('task inserts in one batch (real MongoDB)', () => {
  const t = useTestStore('inserts');
  const base = { tenantId: 'tenant-a', type: 'demo.t', timeoutMs: 60_000, maxAttempts: 1, admitted: true };

  it('answers each submission of a batch on its own', async () => {
    // The real database's commands, watched (they still run): how many inserts, how many documents each.
    const command = jest.spyOn(t.store.models.Task.db.db!, 'command');
    try {
      const results = await Promise.all([
        t.store.tasks.create({ ...base, input: { n: 1 }, idempotencyKey: 'same' }),
        t.store.tasks.create({ ...base, input: { n: 2 }, idempotencyKey: 'same' }),
        t.store.tasks.create({ ...base, input: { n: 3 }, id: 'chosen-id' }),
        t.store.tasks.create({ ...base, input: { n: 4 }, id: 'chosen-id' }),
        t.store.tasks.create({ ...base, input: { n: 5 } }),
      ]);
      expect(results.map((r) => r.created)).toEqual([true, false, true, false, true]);
      expect(results[1]!.task._id).toBe(results[0]!.task._id);
      expect(results[1]!.task.input).toEqual({ n: 1 });
      expect(results[3]!.task.input).toEqual({ n: 3 });
      const stored = await t.store.models.Task.find({}, { input: 1 }).lean();
      expect(stored.map((doc) => (doc.input as { n: number }).n).sort()).toEqual([1, 3, 5]);
      const inserts = command.mock.calls.map(([c]) => c as { insert?: string; documents?: unknown[] }).filter((c) => c.insert === 'tasks');
      expect(inserts.map((c) => c.documents!.length)).toEqual([5]);
    } finally {
      command.mockRestore();
    }
  });
});
