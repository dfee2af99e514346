import type { LiveEvent } from '../http/schemas';
import { createLiveHub, matches } from './live-hub';

const ev = (tenantId: string, taskId: string): LiveEvent => ({ event: 'task.progress', tenantId, taskId, occurredAt: new Date().toISOString(), payload: {} });

describe('live hub', () => {
  it('delivers to a tenant only its own events, to an operator all, and narrows to one task', () => {
    expect(matches({ tenantId: 'a' }, ev('a', 't1'))).toBe(true);
    expect(matches({ tenantId: 'a' }, ev('b', 't1'))).toBe(false);
    expect(matches({}, ev('b', 't1'))).toBe(true);
    expect(matches({ tenantId: 'a', taskId: 't2' }, ev('a', 't1'))).toBe(false);
  });

  it('fans out, survives a broken subscriber, unsubscribes and closes all', () => {
    const errors: unknown[] = [];
    const hub = createLiveHub({ onSendError: (e) => errors.push(e) });
    const got: string[] = [];
    const closed: string[] = [];
    hub.subscribe({ filter: {}, send: () => { throw new Error('socket gone'); }, close: () => closed.push('broken') });
    const off = hub.subscribe({ filter: { tenantId: 'a' }, send: (e) => got.push(e.taskId!), close: () => closed.push('a') });
    hub.publish(ev('a', 't1'));
    hub.publish(ev('b', 't2'));
    expect(got).toEqual(['t1']);
    expect(errors).toHaveLength(2);
    off();
    hub.publish(ev('a', 't3'));
    expect(got).toEqual(['t1']);
    hub.closeAll();
    expect(closed).toEqual(['broken']);
    expect(hub.size).toBe(0);
  });
});

describe('live hub activation', () => {
  it('turns the event source on with the first stream and off with the last, in order', async () => {
    const hub = createLiveHub();
    const changes: boolean[] = [];
    hub.onActiveChange(async (active) => {
      await new Promise((r) => setTimeout(r, 5));
      changes.push(active);
    });
    const sub = { filter: {}, send: () => undefined, close: () => undefined };
    const a = hub.subscribe(sub);
    const b = hub.subscribe({ ...sub });
    await hub.ready();
    expect(changes).toEqual([true]);
    a();
    await hub.ready();
    expect(changes).toEqual([true]);
    b();
    hub.subscribe({ ...sub });
    await hub.ready();
    expect(changes).toEqual([true, false, true]);
  });
});
