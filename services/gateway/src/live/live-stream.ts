// What SSE and WebSocket streams share: who may see what (the filter), and for a one-task
// stream a first `task.snapshot` event with the task as it is now. The stream subscribes
// BEFORE it reads the snapshot and holds events until the snapshot is sent, so nothing that
// happens in between is missed (an event may precede the snapshot's state; none is lost).
import type { Principal } from '../http/auth';
import { tenantScope } from '../http/auth';
import type { LiveEvent } from '../http/schemas';
import { presentTask } from '../presenters/task.presenter';
import type { TaskService } from '../tasks/task-service';
import type { LiveHub } from './live-hub';

export const SNAPSHOT_EVENT = 'task.snapshot';

export interface LiveSink {
  send(event: LiveEvent): void;
  close(): void;
}

export interface LiveStream {
  /** Sends the snapshot and what arrived meanwhile, then passes events straight through. */
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
  sink: LiveSink;
}): Promise<LiveStream> {
  const { hub, tasks, principal, taskId, sink } = opts;
  let held: LiveEvent[] | null = [];
  const unsubscribe = hub.subscribe({
    filter: { tenantId: tenantScope(principal), taskId },
    send: (e) => (held ? held.push(e) : sink.send(e)),
    close: () => sink.close(),
  });
  // The event source binds its queue when the first stream opens: wait until it is bound, so
  // that nothing after the snapshot is missed.
  await hub.ready();
  let snapshot: LiveEvent | undefined;
  if (taskId) {
    try {
      const { task, queue } = await tasks.get(tenantScope(principal), taskId);
      snapshot = { event: SNAPSHOT_EVENT, taskId, tenantId: task.tenantId, occurredAt: new Date().toISOString(), payload: presentTask(task, queue) };
    } catch (err) {
      unsubscribe();
      throw err;
    }
  }
  return {
    start() {
      const pending = held ?? [];
      held = null;
      if (snapshot) sink.send(snapshot);
      for (const e of pending) sink.send(e);
    },
    stop: unsubscribe,
  };
}
