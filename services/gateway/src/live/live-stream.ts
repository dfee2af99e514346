// What SSE and WebSocket streams share: who may see what (the filter), and for a one-task
// stream a first `task.snapshot` event with the task as it is now. The stream subscribes
// BEFORE it reads the snapshot and holds events until the snapshot is sent, so nothing that
// happens in between is missed (an event may precede the snapshot's state; none is lost).
//
// A stream that resumes (the id of the last event its client saw) gets, instead of the
// snapshot, the events after that id when the hub still knows them all; when it does not, it
// gets a fresh snapshot (one-task stream) or a `stream.reset` event (the client should read the
// state it shows again), so a reconnect never silently loses an event.
//
// A stream outlives the request that opened it, so it asks again every recheckMs whether its
// caller still may (the key not revoked, the session not ended) and closes when not: a revoked
// key or session stops receiving within that time on every replica.
import type { Principal } from '../http/auth';
import { tenantScope } from '../http/auth';
import type { LiveEvent } from '../http/schemas';
import { presentTask } from '../presenters/task.presenter';
import type { TaskService } from '../tasks/task-service';
import type { LiveHub } from './live-hub';

export const SNAPSHOT_EVENT = 'task.snapshot';
/** Sent to a resuming tenant-wide stream whose missed events are no longer known. */
export const RESET_EVENT = 'stream.reset';

export interface LiveSink {
  /** `id`: the event's id, for the client to resume after it. */
  send(event: LiveEvent, id: string): void;
  /** `revoked`: the caller's key or session has ended (else the gateway is stopping). */
  close(why?: 'revoked'): void;
}

/** How often an open stream checks that its caller's key or session still holds (default). */
export const RECHECK_MS = 5_000;

export interface LiveStream {
  /** Sends the snapshot (or the replay) and what arrived meanwhile, then passes events straight through. */
  start(): void;
  /** Stops delivery (the client went away). */
  stop(): void;
}

/** Throws TaskNotFoundError (404) for a task the caller may not see; then nothing is subscribed. */
export async function openLiveStream(opts: {
  hub: LiveHub;
  tasks: Pick<TaskService, 'get'>;
  principal: Principal;
  taskId?: string;
  /** Resume after this event id (SSE Last-Event-ID). */
  lastEventId?: string;
  sink: LiveSink;
  /** Whether the caller's key or session still holds; asked every recheckMs once started (a failed check keeps the stream). */
  stillValid?: () => Promise<boolean>;
  /** Default RECHECK_MS. */
  recheckMs?: number;
}): Promise<LiveStream> {
  const { hub, tasks, principal, taskId, sink, lastEventId, stillValid, recheckMs = RECHECK_MS } = opts;
  let recheck: ReturnType<typeof setInterval> | undefined;
  const filter = { tenantId: tenantScope(principal), taskId };
  let held: { event: LiveEvent; id: string }[] | null = [];
  const unsubscribe = hub.subscribe({
    filter,
    send: (event, id) => (held ? held.push({ event, id }) : sink.send(event, id)),
    close: () => sink.close(),
  });
  // The event source binds its queue when the first stream opens: wait until it is bound, so
  // that nothing after the snapshot is missed.
  await hub.ready();
  // The snapshot read below is at least as new as this id: resuming from it misses nothing.
  const startId = hub.lastId();
  const replayed = lastEventId === undefined ? undefined : hub.replay(lastEventId, filter);
  let first: { event: LiveEvent; id: string }[] = [];
  try {
    if (replayed) {
      first = replayed;
    } else if (taskId) {
      const { task, queue } = await tasks.get(tenantScope(principal), taskId);
      first = [{ event: { event: SNAPSHOT_EVENT, taskId, tenantId: task.tenantId, occurredAt: new Date().toISOString(), payload: presentTask(task, queue) }, id: startId }];
    } else if (lastEventId !== undefined) {
      const reason = 'the events since the given id are no longer known here; read the current state again';
      first = [{ event: { event: RESET_EVENT, taskId: null, tenantId: principal.tenantId, occurredAt: new Date().toISOString(), payload: { reason } }, id: startId }];
    }
  } catch (err) {
    unsubscribe();
    throw err;
  }
  return {
    start() {
      const pending = held ?? [];
      held = null;
      // A replay already holds the events that arrived while it was read: send each id once.
      const sent = new Set(first.map((e) => e.id));
      for (const e of first) sink.send(e.event, e.id);
      for (const e of pending) if (!sent.has(e.id)) sink.send(e.event, e.id);
      if (!stillValid) return;
      recheck = setInterval(() => {
        stillValid().then(
          (ok) => {
            if (ok || !recheck) return;
            clearInterval(recheck);
            recheck = undefined;
            unsubscribe();
            sink.close('revoked');
          },
          () => undefined,
        );
      }, recheckMs);
      recheck.unref();
    },
    stop() {
      clearInterval(recheck);
      recheck = undefined;
      unsubscribe();
    },
  };
}
