// groupCommit: concurrent submissions share batches, one batch in flight, each caller its own answer.
import { groupCommit } from './group-commit';

describe('groupCommit', () => {
  it('sends the calls of one turn together and those made meanwhile in the next batch, in order', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const submit = groupCommit<number, string>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await gate;
      return items.map((i) => (i === 4 ? { error: new Error('four') } : `ok ${i}`));
    }, 3);
    const first = [submit(1), submit(2)];
    await new Promise((r) => setImmediate(r));
    const later = [submit(3), submit(4), submit(5), submit(6)];
    expect(batches).toEqual([[1, 2]]);
    release();
    const results = await Promise.allSettled([...first, ...later]);
    expect(batches).toEqual([[1, 2], [3, 4, 5], [6]]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['ok 1', 'ok 2', 'ok 3', 'four', 'ok 5', 'ok 6']);
  });

  it('fails every caller of a batch whose send failed, and goes on with the next', async () => {
    let calls = 0;
    const submit = groupCommit<number, number>(async (items) => {
      if (calls++ === 0) throw new Error('down');
      return items;
    }, 10);
    await expect(Promise.all([submit(1), submit(2)])).rejects.toThrow('down');
    await expect(submit(3)).resolves.toBe(3);
  });
});
