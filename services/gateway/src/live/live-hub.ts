// The in-process fan-out of live task events: the one bus consumer of this gateway process
// publishes here, and every open SSE stream or WebSocket listens with its filter (its tenant,
// unless an operator; optionally one task). Pure and synchronous: no I/O of its own.
//
// Resuming: every event gets an id, `<epoch>-<seq>` (epoch: this hub's random name, seq: its
// count of events), and the last `replayCapacity` events are kept. A stream that reconnects
// with the id of the last event it saw gets exactly the events after it (replay), if this hub
// saw them all: same epoch (same process), still kept, and the event source stayed bound since
// (it stays bound `lingerMs` after the last stream closes, so a client that reconnects within
// that time misses nothing). Otherwise replay answers undefined and the stream must resync.
import { randomBytes } from 'node:crypto';
import type { LiveEvent } from '../http/schemas';

export interface LiveFilter {
  /** Only this tenant's events; undefined for an operator (every tenant). */
  tenantId?: string;
  /** Only this task's events. */
  taskId?: string;
}

export interface LiveSubscriber {
  filter: LiveFilter;
  /** `id` is the event's id: what the client sends back to resume after it. */
  send(event: LiveEvent, id: string): void;
  /** Called when the gateway shuts down, so the stream can end cleanly. */
  close(): void;
}

export interface LiveHubOptions {
  onSendError?: (err: unknown) => void;
  /** Events kept for replay (default 10,000: a few MB at most; older ones resync instead). */
  replayCapacity?: number;
  /**
   * How long the event source stays bound after the last stream closed (default 60 s), so a
   * client that reconnects within it is replayed what it missed. 0 unbinds at once.
   */
  lingerMs?: number;
}

export interface LiveHub {
  /** Adds a subscriber; returns the function that removes it. */
  subscribe(subscriber: LiveSubscriber): () => void;
  publish(event: LiveEvent): void;
  readonly size: number;
  /** Whether events are wanted now: a stream is open, or one closed less than lingerMs ago. */
  readonly recording: boolean;
  /** The id of the latest event published (a stream's starting point). */
  lastId(): string;
  /**
   * The events after `afterId` that pass `filter`, with their ids, oldest first; undefined when
   * this hub cannot know them all (another process's id, no longer kept, or a gap in binding).
   */
  replay(afterId: string, filter: LiveFilter): { event: LiveEvent; id: string }[] | undefined;
  /** Ends every stream (shutdown). */
  closeAll(): void;
  /**
   * Called with true when the first stream opens and false when the last one has been closed
   * for lingerMs, in order (the event source binds its queue only while someone watches).
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

export function createLiveHub(opts: LiveHubOptions = {}): LiveHub {
  const { replayCapacity = 10_000, lingerMs = 60_000 } = opts;
  const epoch = randomBytes(4).toString('hex');
  const subscribers = new Set<LiveSubscriber>();
  // Ring buffer of the latest events: seq of buffer[i % capacity] is known from `seq`. An empty
  // slot marks where a binding began (events before it may have been missed).
  const buffer: (LiveEvent | undefined)[] = [];
  let seq = 0;
  /** Replay is complete only for ids >= this seq: set when a binding is in place, reset when it ends. */
  let continuousFrom = Number.POSITIVE_INFINITY;
  let active = false;
  let lingerTimer: NodeJS.Timeout | undefined;
  let activeListener: ((active: boolean) => Promise<void>) | undefined;
  let changes: Promise<void> = Promise.resolve();
  const idOf = (n: number) => `${epoch}-${n}`;
  /** A binding is in place: ids from before it cannot be replayed (what came between was not seen). */
  const bound = () => {
    seq += 1;
    buffer[seq % replayCapacity] = undefined;
    continuousFrom = seq;
  };

  const setActive = (on: boolean) => {
    if (active === on) return;
    active = on;
    if (!on) continuousFrom = Number.POSITIVE_INFINITY;
    const listener = activeListener;
    if (!listener) {
      if (on) bound();
      return;
    }
    changes = changes
      .then(() => listener(on))
      .then(() => {
        if (on && active) bound();
      })
      .catch((err) => opts.onSendError?.(err));
  };
  const cancelLinger = () => {
    if (lingerTimer) clearTimeout(lingerTimer);
    lingerTimer = undefined;
  };

  return {
    subscribe(s) {
      subscribers.add(s);
      cancelLinger();
      setActive(true);
      return () => {
        if (!subscribers.delete(s) || subscribers.size > 0) return;
        if (lingerMs <= 0) return setActive(false);
        cancelLinger();
        lingerTimer = setTimeout(() => {
          lingerTimer = undefined;
          if (subscribers.size === 0) setActive(false);
        }, lingerMs);
        lingerTimer.unref();
      };
    },
    onActiveChange(listener) {
      activeListener = listener;
      if (active) {
        continuousFrom = Number.POSITIVE_INFINITY;
        changes = changes
          .then(() => listener(true))
          .then(() => {
            if (active) bound();
          })
          .catch((err) => opts.onSendError?.(err));
      }
    },
    ready() {
      return changes;
    },
    publish(event) {
      seq += 1;
      buffer[seq % replayCapacity] = event;
      const id = idOf(seq);
      for (const s of subscribers) {
        if (!matches(s.filter, event)) continue;
        // One broken stream must not keep the event from the others.
        try {
          s.send(event, id);
        } catch (err) {
          opts.onSendError?.(err);
        }
      }
    },
    lastId: () => idOf(seq),
    replay(afterId, filter) {
      const m = /^([0-9a-f]+)-(\d+)$/.exec(afterId);
      if (!m || m[1] !== epoch) return undefined;
      const after = Number(m[2]);
      const oldestKept = Math.max(1, seq - replayCapacity + 1);
      if (after > seq || after < continuousFrom || after + 1 < oldestKept) return undefined;
      const out: { event: LiveEvent; id: string }[] = [];
      for (let n = after + 1; n <= seq; n++) {
        const event = buffer[n % replayCapacity];
        if (event && matches(filter, event)) out.push({ event, id: idOf(n) });
      }
      return out;
    },
    get size() {
      return subscribers.size;
    },
    get recording() {
      return active;
    },
    closeAll() {
      cancelLinger();
      setActive(false);
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
