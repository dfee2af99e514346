// Publishing what the task writes announce, without rewriting the task to say "published" and
// without a timer that scans the tasks collection.
//
// Each process that writes tasks is an outbox *writer* with an id. A write stores its durable
// entries (tagged `by: <writer>`) in the task document with the state change, then hands them
// to this publisher, which publishes them with confirms and, while the broker refuses, keeps
// retrying them from memory. Nothing is written back to the task after the confirm: a
// published entry simply stays in the document until the task's next write clears it (the
// executor's claim clears the task.run that brought it) or the task is deleted.
//
// What survives the writer's death is covered by a heartbeat document per writer in the small
// `outbox_writers` collection: every `beatEveryMs` the writer records `pendingSince`, the
// creation time of its oldest unconfirmed entry (or the beat time when none is pending), so
// every entry it wrote before that time is known to be published. When a writer's heartbeat is
// older than `deadAfterMs`, any live writer takes its document (one atomic delete: one winner)
// and republishes that writer's entries created since `pendingSince`: one query of the tasks
// collection per dead writer, never on a timer. Consumers are idempotent, so an entry published
// twice changes nothing twice. A writer that stops cleanly with nothing pending deletes its own
// document, so a clean stop costs no recovery at all.
//
// Live-only copies (progress, logs, started...) are `announce`d: no confirm, not persistent,
// dropped while the broker is away; the task document is their truth.
import { randomUUID } from 'node:crypto';
import type { Connection, Model } from 'mongoose';
import { Schema } from 'mongoose';
import type { OutboxEntry, OutboxPublish } from './outbox';

export interface OutboxPublisherOptions {
  conn: Connection;
  /** Confirmed, persistent publish of durable entries (the bus's `publish`). */
  publish: OutboxPublish;
  /** Fire-and-forget publish of live-only copies (the bus's `announce`); omitted: they are not published. */
  announce?: (entries: OutboxEntry[]) => void;
  /** Whether viewer-only copies are wanted now (the bus's `viewersWatching`); omitted: always. */
  viewersWatching?: () => boolean;
  /**
   * What this writer is (service and instance), for people reading outbox_writers; the id adds
   * a random part, so a restarted process never inherits the entries of its dead incarnation.
   */
  writerName?: string;
  /** How often the heartbeat is written (default 2 s). */
  beatEveryMs?: number;
  /** A writer whose heartbeat is older than this is dead and its entries are republished (default 10 s). */
  deadAfterMs?: number;
  /** Retry delay bounds for entries the broker refused (default 200 ms doubling to 5 s). */
  retryMinMs?: number;
  retryMaxMs?: number;
  onError?: (err: unknown, what: string) => void;
}

/**
 * A service's outbox publisher over its bus: durable entries published with confirms, live
 * copies announced, failures logged as warnings.
 */
export function startServiceOutbox(opts: {
  conn: Connection;
  bus: { publish: OutboxPublish; announce(entries: OutboxEntry[]): void; viewersWatching(): boolean };
  writerName: string;
  deadAfterMs: number;
  logger: { warn(obj: object, msg: string): void };
}): Promise<OutboxPublisher> {
  return startOutboxPublisher({
    conn: opts.conn,
    publish: (entries) => opts.bus.publish(entries),
    announce: (entries) => opts.bus.announce(entries),
    viewersWatching: () => opts.bus.viewersWatching(),
    writerName: opts.writerName,
    deadAfterMs: opts.deadAfterMs,
    onError: (err, what) => opts.logger.warn({ err: (err as Error)?.message }, what),
  });
}

export interface OutboxPublisher {
  readonly writerId: string;
  /** Tags entries as this writer's before they are stored. */
  stamp(entries: OutboxEntry[]): OutboxEntry[];
  /** Entries just stored: publish them (confirmed), retrying from memory until the broker takes them. */
  published(entries: OutboxEntry[]): void;
  /** Live-only copies: published without a confirm, or not at all while the broker is away. */
  announce(entries: OutboxEntry[]): void;
  /** Whether viewer-only copies are wanted now: while nobody watches they need not be built. */
  viewersWatching?(): boolean;
  /** Entries not yet confirmed by the broker (the outbox backlog of this process). */
  readonly pending: number;
  /** Republishes the entries of writers that died (the recovery pass; also on a timer of its own). */
  recoverDead(): Promise<number>;
  /** Waits (bounded) for pending entries, stops the heartbeat, removes this writer's document when nothing is pending. */
  stop(waitMs?: number): Promise<void>;
}

interface WriterRecord {
  _id: string;
  beatAt: Date;
  pendingSince: Date;
}

const writerSchema = new Schema<WriterRecord>(
  { _id: { type: String, required: true }, beatAt: { type: Date, required: true }, pendingSince: { type: Date, required: true } },
  { collection: 'outbox_writers', versionKey: false },
);

function writersModel(conn: Connection): Model<WriterRecord> {
  return (conn.models.OutboxWriter as Model<WriterRecord>) ?? conn.model<WriterRecord>('OutboxWriter', writerSchema);
}

export async function startOutboxPublisher(opts: OutboxPublisherOptions): Promise<OutboxPublisher> {
  const writerId = `${opts.writerName ?? 'writer'}-${randomUUID().slice(0, 8)}`;
  const beatEveryMs = opts.beatEveryMs ?? 2_000;
  const deadAfterMs = opts.deadAfterMs ?? 10_000;
  const retryMinMs = opts.retryMinMs ?? 200;
  const retryMaxMs = opts.retryMaxMs ?? 5_000;
  const onError = opts.onError ?? (() => undefined);
  const Writers = writersModel(opts.conn);
  const Tasks = opts.conn.collection('tasks');
  /** Unconfirmed entries by id, in creation order. */
  const pending = new Map<string, OutboxEntry>();
  let retryTimer: NodeJS.Timeout | null = null;
  let retryDelay = retryMinMs;
  let inFlight = 0;
  let stopped = false;

  const oldestPending = (): Date | null => {
    let oldest: Date | null = null;
    for (const e of pending.values()) if (!oldest || e.createdAt < oldest) oldest = e.createdAt;
    return oldest;
  };

  async function beat(): Promise<void> {
    const now = new Date();
    await Writers.collection.updateOne({ _id: writerId } as object, { $set: { beatAt: now, pendingSince: oldestPending() ?? now } }, { upsert: true });
  }

  function send(entries: OutboxEntry[]): void {
    inFlight++;
    opts.publish(entries).then(
      () => {
        inFlight--;
        for (const e of entries) pending.delete(e.id);
        retryDelay = retryMinMs;
      },
      (err) => {
        inFlight--;
        onError(err, 'outbox publish failed; retrying from memory');
        scheduleRetry();
      },
    );
  }

  function scheduleRetry(): void {
    if (retryTimer || stopped) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      retryDelay = Math.min(retryDelay * 2, retryMaxMs);
      // Everything still pending that is not being sent right now goes again, in one batch.
      if (pending.size && inFlight === 0) send([...pending.values()]);
      else if (pending.size) scheduleRetry();
    }, retryDelay);
    retryTimer.unref();
  }

  async function recoverDead(): Promise<number> {
    let republished = 0;
    const deadBefore = new Date(Date.now() - deadAfterMs);
    for (;;) {
      // One winner per dead writer: the delete is atomic.
      const dead = await Writers.findOneAndDelete({ _id: { $ne: writerId }, beatAt: { $lt: deadBefore } }).lean<WriterRecord>();
      if (!dead) return republished;
      const docs = await Tasks.find(
        { outbox: { $elemMatch: { by: dead._id, createdAt: { $gte: dead.pendingSince } } } } as object,
        { projection: { outbox: 1 } },
      ).toArray();
      const entries: OutboxEntry[] = [];
      for (const d of docs) {
        for (const e of (d.outbox ?? []) as OutboxEntry[]) if (e.by === dead._id && e.createdAt >= dead.pendingSince) entries.push(e);
      }
      if (entries.length) {
        for (const e of entries) pending.set(e.id, e);
        send(entries);
      }
      republished += entries.length;
    }
  }

  // The first beat may create outbox_writers; writers starting together can race to create it
  // (the local H2-backed stand-in refuses the loser once): try again before giving up.
  for (let attempt = 1; ; attempt++) {
    try {
      await beat();
      break;
    } catch (err) {
      if (attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
  const beatTimer = setInterval(() => void beat().catch((err) => onError(err, 'outbox heartbeat failed')), beatEveryMs);
  beatTimer.unref();
  let recovering: Promise<unknown> | null = null;
  const recoverTimer = setInterval(() => {
    recovering ??= recoverDead()
      .catch((err) => onError(err, 'outbox recovery failed'))
      .finally(() => (recovering = null));
  }, Math.max(1_000, Math.floor(deadAfterMs / 2)));
  recoverTimer.unref();

  return {
    writerId,
    stamp(entries) {
      for (const e of entries) e.by = writerId;
      return entries;
    },
    published(entries) {
      if (entries.length === 0) return;
      for (const e of entries) pending.set(e.id, e);
      send(entries);
    },
    viewersWatching: opts.viewersWatching,
    announce(entries) {
      if (entries.length && opts.announce) {
        try {
          opts.announce(entries);
        } catch (err) {
          onError(err, 'live announce failed');
        }
      }
    },
    get pending() {
      return pending.size;
    },
    recoverDead,
    async stop(waitMs = 5_000) {
      const deadline = Date.now() + waitMs;
      while (pending.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      stopped = true;
      clearInterval(beatTimer);
      clearInterval(recoverTimer);
      if (retryTimer) clearTimeout(retryTimer);
      await recovering;
      // Nothing left to publish: no survivor needs to look at this writer's entries.
      if (pending.size === 0) await Writers.deleteOne({ _id: writerId }).catch(() => undefined);
      else await beat().catch(() => undefined);
    },
  };
}
