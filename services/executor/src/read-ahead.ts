// READ-AHEAD: the tasks of a type's next deliveries, read while the current one runs.
//
// Between two tasks of a busy type the executor used to make two round trips in a row: the
// write that ends one, then the claim (a findOneAndUpdate returning the whole task) that starts
// the next. With the next task already read here (one find for up to MAX_AHEAD deliveries,
// off the type's critical path), the end and the next start go in ONE ordered write
// (store.tasks.succeedThenClaim), conditional on the next task still being queued at that
// attempt, so what was read is what starts. Anything unusual (not read yet, not queued, a
// redelivery) takes the ordinary claim path.
import type { Delivery } from '@loom/messaging';
import type { TaskRecord } from '@loom/store';

/** How many deliveries ahead one read covers (a type may have up to 16 bundles of 8 here). */
const MAX_AHEAD = 16;
/** Fewer fresh deliveries than this are left for a later read while the next one is known already. */
const MIN_READ = 8;

interface Known {
  taskId: string;
  attempt: number;
  read: Promise<TaskRecord | undefined>;
}

export interface ReadAheadTask {
  task: TaskRecord;
  attempt: number;
  traceHeaders: Record<string, string>;
}

/** What a task.run names, without validating the rest (the claim is conditional anyway). */
function workOf(d: Delivery): { taskId: string; attempt: number } | undefined {
  try {
    const env = JSON.parse(d.body.toString()) as { taskId?: unknown; payload?: { attempt?: unknown } };
    if (typeof env.taskId === 'string' && typeof env.payload?.attempt === 'number') return { taskId: env.taskId, attempt: env.payload.attempt };
  } catch {
    // unreadable: onDelivery dead-letters it when its turn comes
  }
  return undefined;
}

export function createReadAhead(getMany: (ids: string[]) => Promise<TaskRecord[]>) {
  const known = new Map<Delivery, Known>();

  return {
    /** Starts reading the tasks of the deliveries ahead that are not read or being read yet. */
    want(ahead: readonly Delivery[]): void {
      const fresh: { d: Delivery; taskId: string; attempt: number }[] = [];
      for (const d of ahead) {
        if (fresh.length + known.size >= 2 * MAX_AHEAD) break;
        if (known.has(d) || redelivered(d)) continue;
        const w = workOf(d);
        if (w) fresh.push({ d, ...w });
      }
      // While the next one is being read already, a few more wait for company (one find per bundle, not per arrival).
      if (fresh.length === 0 || (fresh.length < MIN_READ && ahead[0] !== undefined && known.has(ahead[0]))) return;
      const read = getMany(fresh.map((f) => f.taskId)).then(
        (docs) => new Map(docs.map((t) => [String(t._id), t])),
        () => new Map<string, TaskRecord>(), // a failed read only means the ordinary path
      );
      for (const f of fresh) known.set(f.d, { taskId: f.taskId, attempt: f.attempt, read: read.then((m) => m.get(f.taskId)) });
    },

    /** The task read ahead for `d`, if it was queued at the attempt `d` names; forgets it either way. */
    async take(d: Delivery): Promise<ReadAheadTask | undefined> {
      const k = known.get(d);
      if (!k) return undefined;
      known.delete(d);
      const task = await k.read;
      if (!task || task.status !== 'queued' || task.attempt !== k.attempt) return undefined;
      return { task, attempt: k.attempt, traceHeaders: task.traceHeaders ?? {} };
    },

    /** Its turn came: whatever was read for it is no longer needed. */
    forget(d: Delivery): void {
      known.delete(d);
    },

    get size(): number {
      return known.size;
    },
  };
}

/** A redelivery may belong to a run still going elsewhere: it always takes the ordinary path. */
const redelivered = (d: Delivery) => d.redelivered;
