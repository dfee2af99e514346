// The read-ahead of a type's next deliveries, with a fake store: one read for several
// deliveries, and only a task still queued at the delivery's attempt is offered.
import type { Delivery } from '@loom/messaging';
import type { TaskRecord } from '@loom/store';
import { createReadAhead } from './read-ahead';

const delivery = (taskId: string, attempt = 1, redelivered = false): Delivery =>
  ({ body: Buffer.from(JSON.stringify({ taskId, payload: { type: 't', attempt } })), headers: {}, redelivered, channelOpen: true, deliveryCount: 0, ack() {}, deadLetter: async () => {} }) as Delivery;

describe('read-ahead', () => {
  it('reads the tasks of the deliveries ahead in one go and offers only what is still queued at that attempt', async () => {
    const reads: string[][] = [];
    const tasks: Record<string, Partial<TaskRecord>> = {
      a: { _id: 'a', status: 'queued', attempt: 1 },
      b: { _id: 'b', status: 'cancelled', attempt: 1 },
      c: { _id: 'c', status: 'queued', attempt: 2 },
    };
    const ahead = createReadAhead(async (ids) => {
      reads.push(ids);
      return ids.flatMap((id) => (tasks[id] ? [tasks[id] as TaskRecord] : []));
    });
    const [da, db, dc, dd, de] = [delivery('a'), delivery('b'), delivery('c'), delivery('missing'), delivery('e', 1, true)];
    ahead.want([da, db, dc, dd, de]);
    ahead.want([da, db]); // already being read: no second read
    expect(reads).toEqual([['a', 'b', 'c', 'missing']]); // a redelivery is never read ahead
    expect((await ahead.take(da))?.task._id).toBe('a');
    expect(await ahead.take(db)).toBeUndefined(); // no longer queued
    expect(await ahead.take(dc)).toBeUndefined(); // queued at another attempt
    expect(await ahead.take(dd)).toBeUndefined(); // gone
    expect(await ahead.take(de)).toBeUndefined();
    expect(await ahead.take(da)).toBeUndefined(); // offered once
    expect(ahead.size).toBe(0);
  });

  it('treats a failed read as nothing read ahead', async () => {
    const ahead = createReadAhead(async () => {
      throw new Error('store away');
    });
    const d = delivery('a');
    ahead.want([d]);
    expect(await ahead.take(d)).toBeUndefined();
  });
});
