// The in-process fan-out of live task events: the one bus consumer of this gateway process
// publishes here, and every open SSE stream or WebSocket listens with its filter (its tenant,
// unless an operator; optionally one task). Pure and synchronous: no I/O of its own.
import type { LiveEvent } from '../http/schemas';

export interface LiveFilter {
  /** Only this tenant's events; undefined for an operator (every tenant). */
  tenantId?: string;
  /** Only this task's events. */
  taskId?: string;
}

export interface LiveSubscriber {
  filter: LiveFilter;
  send(event: LiveEvent): void;
  /** Called when the gateway shuts down, so the stream can end cleanly. */
  close(): void;
}

export interface LiveHub {
  /** Adds a subscriber; returns the function that removes it. */
  subscribe(subscriber: LiveSubscriber): () => void;
  publish(event: LiveEvent): void;
  readonly size: number;
  /** Ends every stream (shutdown). */
  closeAll(): void;
  /**
   * Called with true when the first stream opens and false when the last one closes, in order
   * (the event source binds its queue only while someone watches).
   */
  onActiveChange(listener: (active: boolean) => Promise<void>): void;
  /** Resolves once the latest activation change is in place (a new stream waits for it). */
  ready(): Promise<void>;
}

export function matches(filter: LiveFilter, event: LiveEvent): boolean {
  if (filter.tenantId !== undefined && filter.tenantId !== event.tenantId) return false;
  if (filter.taskId !== undefined && filter.taskId !== event.taskId) return false;
  return true;
}

export function createLiveHub(opts: { onSendError?: (err: unknown) => void } = {}): LiveHub {
  const subscribers = new Set<LiveSubscriber>();
  let activeListener: ((active: boolean) => Promise<void>) | undefined;
  let changes: Promise<void> = Promise.resolve();
  const activeChanged = (active: boolean) => {
    const listener = activeListener;
    if (!listener) return;
    changes = changes.then(() => listener(active)).catch((err) => opts.onSendError?.(err));
  };
  return {
    subscribe(s) {
      subscribers.add(s);
      if (subscribers.size === 1) activeChanged(true);
      return () => {
        if (subscribers.delete(s) && subscribers.size === 0) activeChanged(false);
      };
    },
    onActiveChange(listener) {
      activeListener = listener;
      if (subscribers.size > 0) activeChanged(true);
    },
    ready() {
      return changes;
    },
    publish(event) {
      for (const s of subscribers) {
        if (!matches(s.filter, event)) continue;
        // One broken stream must not keep the event from the others.
        try {
          s.send(event);
        } catch (err) {
          opts.onSendError?.(err);
        }
      }
    },
    get size() {
      return subscribers.size;
    },
    closeAll() {
      if (subscribers.size > 0) activeChanged(false);
      for (const s of [...subscribers]) {
        subscribers.delete(s);
        try {
          s.close();
        } catch {
          // already closed
        }
      }
    },
  };
}
