// One Server-Sent Events stream per signed-in page (GET /v1/events, authenticated by the session
// cookie, so no key in the URL), fanned out to the views that listen. EventSource reconnects by
// itself; `onReconnect` listeners re-read what they show, since events may have been missed.
export interface LiveEvent {
  event: string;
  taskId: string | null;
  tenantId: string;
  occurredAt: string;
  payload: Record<string, unknown> | null;
}

type Listener = (e: LiveEvent) => void;

/** Every event name the gateway sends (EventSource delivers named events only to their own listeners). */
const EVENT_NAMES = [
  'task.submitted',
  'task.queued',
  'task.started',
  'task.progress',
  'task.log',
  'task.awaiting_provider',
  'task.retry_scheduled',
  'task.cancel_requested',
  'task.succeeded',
  'task.failed',
  'task.cancelled',
  'task.settled',
  'task.snapshot',
  'batch.settled',
  'stream.reset',
];

export interface Live {
  subscribe(fn: Listener): () => void;
  onReconnect(fn: () => void): () => void;
  close(): void;
}

export function openLive(): Live {
  const listeners = new Set<Listener>();
  const reconnects = new Set<() => void>();
  const source = new EventSource('/v1/events');
  let opened = false;
  source.onopen = () => {
    if (opened) for (const fn of reconnects) fn();
    opened = true;
  };
  const dispatch = (m: MessageEvent<string>) => {
    let e: LiveEvent;
    try {
      e = JSON.parse(m.data) as LiveEvent;
    } catch {
      return;
    }
    for (const fn of listeners) fn(e);
  };
  for (const name of EVENT_NAMES) source.addEventListener(name, dispatch as EventListener);
  source.onmessage = dispatch;
  return {
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    onReconnect(fn) {
      reconnects.add(fn);
      return () => reconnects.delete(fn);
    },
    close: () => source.close(),
  };
}
