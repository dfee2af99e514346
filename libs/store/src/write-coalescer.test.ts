// The write coalescer with a fake collection: writes asked for while one bulk write is out go
// together in the next; each group learns which of its writes applied, by its mark when fewer
// matched than were sent.
import { createWriteCoalescer, type MarkedWrite, type WriteCollection } from './write-coalescer';

function fakeCollection(docs: Map<string, { status: string }>) {
  const bulks: string[][] = [];
  let reads = 0;
  const release: (() => void)[] = [];
  const collection: WriteCollection = {
    async bulkWrite(ops) {
      bulks.push(ops.map((o) => (o.updateOne.filter as { _id: string })._id));
      await new Promise<void>((r) => release.push(r));
      let matched = 0;
      for (const o of ops) {
        const f = o.updateOne.filter as { _id: string; status: string };
        const d = docs.get(f._id);
        if (d && d.status === f.status) {
          d.status = (o.updateOne.update as { $set: { status: string } }).$set.status;
          matched++;
        }
      }
      return { matchedCount: matched };
    },
    async byIds(ids) {
      reads++;
      return ids.flatMap((id) => (docs.has(id) ? [{ _id: id, ...docs.get(id)! }] : []));
    },
  };
  return { collection, bulks, release, reads: () => reads };
}

const move = (id: string, from: string, to: string): MarkedWrite => ({
  id,
  filter: { _id: id, status: from },
  update: { $set: { status: to } },
  applied: (d) => d?.status === to,
});

const tick = () => new Promise((r) => setImmediate(r));

describe('write coalescer', () => {
  it('sends what was asked for meanwhile in one bulk write, and tells each group which writes applied', async () => {
    const docs = new Map(['a', 'b', 'c', 'd', 'e'].map((id) => [id, { status: 'running' }]));
    docs.get('d')!.status = 'cancelled';
    const f = fakeCollection(docs);
    const w = createWriteCoalescer(f.collection, 64, 1);
    const first = w.write([move('a', 'running', 'succeeded')]);
    await tick();
    expect(f.bulks).toEqual([['a']]);
    const second = w.write([move('b', 'running', 'succeeded'), move('c', 'running', 'queued')]);
    const third = w.write([move('d', 'running', 'succeeded'), move('e', 'running', 'succeeded')]);
    await tick();
    expect(f.bulks).toHaveLength(1); // the first is still out: the others wait for it
    f.release.shift()!();
    expect(await first).toEqual([true]);
    expect(f.reads()).toBe(0); // everything matched: nothing read back
    for (let i = 0; i < 5 && f.bulks.length < 2; i++) await tick(); // sent once the first one settled
    expect(f.bulks).toEqual([['a'], ['b', 'c', 'd', 'e']]);
    f.release.shift()!();
    expect(await second).toEqual([true, true]);
    expect(await third).toEqual([false, true]); // d was cancelled meanwhile
    expect(f.reads()).toBe(1);
  });

  it('keeps up to maxInFlight bulk writes out at once, and groups what comes meanwhile in the next', async () => {
    const docs = new Map(['a', 'b', 'c', 'd'].map((id) => [id, { status: 'running' }]));
    const f = fakeCollection(docs);
    const w = createWriteCoalescer(f.collection, 64, 2);
    const a = w.write([move('a', 'running', 'succeeded')]);
    await tick();
    const b = w.write([move('b', 'running', 'succeeded')]);
    await tick();
    expect(f.bulks).toEqual([['a'], ['b']]); // two out at once
    const cd = [w.write([move('c', 'running', 'succeeded')]), w.write([move('d', 'running', 'succeeded')])];
    await tick();
    expect(f.bulks).toHaveLength(2);
    f.release.shift()!();
    expect(await a).toEqual([true]);
    for (let i = 0; i < 5 && f.bulks.length < 3; i++) await tick();
    expect(f.bulks).toEqual([['a'], ['b'], ['c', 'd']]);
    f.release.splice(0).forEach((r) => r());
    expect(await Promise.all([b, ...cd])).toEqual([[true], [true], [true]]);
  });

  it('rejects every group of a bulk write that failed', async () => {
    const w = createWriteCoalescer({
      bulkWrite: async () => {
        throw new Error('connection closed');
      },
      byIds: async () => [],
    });
    await expect(Promise.all([w.write([move('a', 'x', 'y')]), w.write([move('b', 'x', 'y')])])).rejects.toThrow('connection closed');
  });
});
