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
    const hub = createLiveHub({ lingerMs: 0 });
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

describe('live hub replay (Last-Event-ID)', () => {
  const sub = (got: string[]) => ({ filter: { tenantId: 'a' }, send: (_e: LiveEvent, id: string) => void got.push(id), close: () => undefined });

  it('gives every event an id and replays, filtered, exactly what came after a given id', async () => {
    const hub = createLiveHub();
    const ids: string[] = [];
    const off = hub.subscribe(sub(ids));
    await hub.ready();
    hub.publish(ev('a', 't1'));
    hub.publish(ev('b', 't2'));
    hub.publish(ev('a', 't3'));
    expect(ids).toHaveLength(2);
    expect(hub.replay(ids[0]!, { tenantId: 'a' })!.map((e) => e.event.taskId)).toEqual(['t3']);
    expect(hub.replay(ids[0]!, {})!.map((e) => e.event.taskId)).toEqual(['t2', 't3']);
    expect(hub.replay(hub.lastId(), { tenantId: 'a' })).toEqual([]);
    off();
    hub.closeAll();
  });

  it('keeps recording for lingerMs after the last stream closes, so a quick reconnect misses nothing', async () => {
    const hub = createLiveHub({ lingerMs: 60_000 });
    const changes: boolean[] = [];
    hub.onActiveChange(async (active) => void changes.push(active));
    const ids: string[] = [];
    hub.subscribe(sub(ids))();
    await hub.ready();
    const lastSeen = hub.lastId();
    hub.publish(ev('a', 'while-away'));
    expect(hub.recording).toBe(true);
    expect(hub.replay(lastSeen, { tenantId: 'a' })!.map((e) => e.event.taskId)).toEqual(['while-away']);
    expect(changes).toEqual([true]);
    hub.closeAll();
    await hub.ready();
    expect(changes).toEqual([true, false]);
  });

  it('cannot replay an id of another process, one no longer kept, or across a gap in recording', async () => {
    const hub = createLiveHub({ replayCapacity: 2, lingerMs: 0 });
    const off = hub.subscribe(sub([]));
    await hub.ready();
    const start = hub.lastId();
    for (const t of ['t1', 't2', 't3']) hub.publish(ev('a', t));
    expect(hub.replay(start, {})).toBeUndefined();
    expect(hub.replay('00000000-1', {})).toBeUndefined();
    expect(hub.replay('not an id', {})).toBeUndefined();
    const beforeGap = hub.lastId();
    off();
    hub.subscribe(sub([]));
    await hub.ready();
    expect(hub.replay(beforeGap, {})).toBeUndefined();
    hub.closeAll();
  });
});
