import type { TaskStatus } from '@loom/contracts';
import { decideBatchSettlement, staleTaskHoldAction } from './batch-settlement';

const ids = ['a', 'b', 'c', 'd'];
const prices = [10, 10, 20, 5];
const statuses = (s: Record<string, TaskStatus>) => new Map(Object.entries(s));

describe('decideBatchSettlement', () => {
  it('waits while any item is not terminal', () => {
    expect(
      decideBatchSettlement({ taskIds: ids, prices, held: 45, statuses: statuses({ a: 'succeeded', b: 'running', c: 'delayed', d: 'failed' }), missingAreFinal: true }),
    ).toEqual({ complete: false, waitingFor: 2 });
  });

  it('captures successes and releases the rest, summing to the hold', () => {
    const d = decideBatchSettlement({
      taskIds: ids,
      prices,
      held: 45,
      statuses: statuses({ a: 'succeeded', b: 'failed', c: 'succeeded', d: 'cancelled' }),
      missingAreFinal: false,
    });
    expect(d).toMatchObject({ complete: true, captured: 30, released: 15, succeeded: 2, notSucceeded: 2 });
    if (d.complete) {
      expect(d.captured + d.released).toBe(45);
      expect(d.items.map((i) => [i.taskId, i.outcome, i.credits])).toEqual([
        ['a', 'captured', 10],
        ['b', 'released', 10],
        ['c', 'captured', 20],
        ['d', 'released', 5],
      ]);
    }
  });

  it('waits for a missing item until missing items are final, then releases it', () => {
    const s = statuses({ a: 'succeeded', b: 'succeeded', c: 'succeeded' });
    expect(decideBatchSettlement({ taskIds: ids, prices, held: 45, statuses: s, missingAreFinal: false })).toEqual({ complete: false, waitingFor: 1 });
    const d = decideBatchSettlement({ taskIds: ids, prices, held: 45, statuses: s, missingAreFinal: true });
    expect(d).toMatchObject({ complete: true, captured: 40, released: 5 });
    if (d.complete) expect(d.items[3]).toEqual({ taskId: 'd', status: 'missing', outcome: 'released', credits: 5 });
  });

  it('never captures more than was held', () => {
    const d = decideBatchSettlement({ taskIds: ['a', 'b'], prices: [10, 10], held: 15, statuses: statuses({ a: 'succeeded', b: 'succeeded' }), missingAreFinal: true });
    expect(d).toMatchObject({ complete: true, captured: 15, released: 0 });
  });

  it('settles an all-failed batch as a full release', () => {
    const d = decideBatchSettlement({ taskIds: ['a'], prices: [7], held: 7, statuses: statuses({ a: 'failed' }), missingAreFinal: true });
    expect(d).toMatchObject({ complete: true, captured: 0, released: 7, succeeded: 0, notSucceeded: 1 });
  });
});

describe('staleTaskHoldAction', () => {
  const hold = { _id: 'task:t:hold:1', fromAttempt: 1 };
  it('releases the hold of a task that is gone or was retried under a later hold', () => {
    expect(staleTaskHoldAction({ hold, latestHoldId: hold._id, task: null })).toBe('release');
    expect(staleTaskHoldAction({ hold, latestHoldId: 'task:t:hold:4', task: { status: 'running', attempt: 4 } })).toBe('release');
  });
  it('releases a retry hold whose retry never happened', () => {
    const retryHold = { _id: 'task:t:hold:3', fromAttempt: 3 };
    expect(staleTaskHoldAction({ hold: retryHold, latestHoldId: retryHold._id, task: { status: 'failed', attempt: 2 } })).toBe('release');
  });
  it('settles by the final status, and waits while the task runs', () => {
    expect(staleTaskHoldAction({ hold, latestHoldId: hold._id, task: { status: 'succeeded', attempt: 2 } })).toBe('capture');
    expect(staleTaskHoldAction({ hold, latestHoldId: hold._id, task: { status: 'cancelled', attempt: 1 } })).toBe('release');
    expect(staleTaskHoldAction({ hold, latestHoldId: hold._id, task: { status: 'failed', attempt: 3 } })).toBe('release');
    expect(staleTaskHoldAction({ hold, latestHoldId: hold._id, task: { status: 'delayed', attempt: 2 } })).toBe('wait');
  });
});
