// Group commit on the client side: many places in one process each submit one task at a time
// (a producer loop with 32 in flight), and the batcher sends them to POST /v1/tasks/bulk
// together. A call made while no request is out goes at once (in a microtask, so the calls of
// one synchronous run share it): no wait is added when idle. Calls made while a request is out
// queue and go together in the next one, so under load the number of requests follows the
// gateway's pace, not the callers'. Each caller gets its own task or its own error:
//   - an item whose write failed (207): that caller's error;
//   - a refusal naming items (400 `tasks.<i>.<field>`, 422 `tasks.<i>: `): those callers get
//     it, worded as their own submit would have had it, and the others, of whom nothing was
//     created, are sent again in the next request;
//   - any other refusal is about the request as a whole (402: the balance does not cover them
//     together; 429: the limits do not admit them together; 413; a network failure, after which
//     their fate is unknown): every caller in it gets that error.
// A request larger than the tenant's limits could ever admit at once (422 LIMIT_TOO_LOW, above
// its burst or maxWaiting) is not the callers' fault: the batcher sends at most that many from
// then on and sends the same calls again.
// Two calls with the same idempotency key never share a request (one request refuses that):
// the second goes in a later one and answers the first's task, as two submits in a row would.
import { isLoomApiError, LoomApiError } from './errors';
import type { SubmitManyOutcome, SubmitOptions, SubmitTask, Task, TaskInput, TaskType } from './client';
import { errorsByItem, MAX_SUBMIT_MANY } from './item-errors';

export interface TaskBatcherOptions {
  /**
   * Most tasks in one request. Default 500, the most the gateway takes; lower it when inputs
   * are large enough that 500 of them pass the gateway's body limit (413, GATEWAY_BODY_LIMIT).
   */
  maxBatch?: number;
  /**
   * Requests out at once. Default 1: everything that arrives while one is out goes in the
   * next, and tasks are created in the order of the calls (but for one held back for its
   * idempotency key). More sends sooner under load, but then only the calls of one request
   * keep their order.
   */
  maxInFlight?: number;
}

export interface TaskBatcher {
  /** Resolves with this call's task (a repeated idempotency key: the task it created first), or rejects with LoomApiError. */
  submit<T extends TaskType>(type: T, input: TaskInput<T>, o?: SubmitOptions): Promise<Task>;
  /** Calls not answered yet: waiting for a request, or in one that is out. */
  readonly pending: number;
}

interface Waiting {
  body: SubmitTask;
  resolve: (task: Task) => void;
  reject: (err: unknown) => void;
}

/** How many tasks the tenant's limits admit in one request, from a LIMIT_TOO_LOW's details ({limit, burst | maxWaiting, requested}). */
function admittedAtOnce(err: LoomApiError): number | undefined {
  if (err.code !== 'LIMIT_TOO_LOW') return undefined;
  const d = (err.details ?? {}) as { limit?: unknown; burst?: unknown; maxWaiting?: unknown };
  const n = d.limit === 'burst' ? d.burst : d.limit === 'maxWaiting' ? d.maxWaiting : undefined;
  return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
}

/** `send` is one POST /v1/tasks/bulk of at most maxBatch tasks (client.ts). */
export function createTaskBatcher(send: (bodies: SubmitTask[]) => Promise<SubmitManyOutcome[]>, o: TaskBatcherOptions = {}): TaskBatcher {
  const maxBatch = o.maxBatch ?? MAX_SUBMIT_MANY;
  const maxInFlight = o.maxInFlight ?? 1;
  if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > MAX_SUBMIT_MANY) throw new RangeError(`maxBatch: a whole number from 1 to ${MAX_SUBMIT_MANY}, got ${maxBatch}`);
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new RangeError(`maxInFlight: a whole number of at least 1, got ${maxInFlight}`);

  const queue: Waiting[] = [];
  /** maxBatch, or less once the tenant's limits said so (LIMIT_TOO_LOW). */
  let cap = maxBatch;
  let inFlight = 0;
  let unanswered = 0;
  let scheduled = false;

  /** The next request's calls, in order, at most one per idempotency key; the others stay queued in their order. */
  function take(): Waiting[] {
    const batch: Waiting[] = [];
    const later: Waiting[] = [];
    const keys = new Set<string>();
    let i = 0;
    for (; i < queue.length && batch.length < cap; i++) {
      const w = queue[i]!;
      const key = w.body.idempotencyKey;
      if (key !== undefined && keys.has(key)) later.push(w);
      else {
        if (key !== undefined) keys.add(key);
        batch.push(w);
      }
    }
    queue.splice(0, i, ...later);
    return batch;
  }

  function pump(): void {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = take();
      inFlight++;
      void run(batch)
        // run answers every caller itself; should it throw, no caller is left waiting (an answered one stays answered).
        .catch((err: unknown) => batch.forEach((w) => w.reject(err)))
        .finally(() => {
          inFlight--;
          pump();
        });
    }
  }

  async function run(batch: Waiting[]): Promise<void> {
    let outcomes: SubmitManyOutcome[];
    try {
      outcomes = await send(batch.map((w) => w.body));
    } catch (err) {
      const admitted = isLoomApiError(err) ? admittedAtOnce(err) : undefined;
      if (admitted !== undefined && admitted >= 1 && admitted < batch.length) {
        cap = Math.min(cap, admitted);
        queue.unshift(...batch);
        return;
      }
      const named = isLoomApiError(err) ? errorsByItem(err, batch.length, 'POST /v1/tasks/bulk') : undefined;
      if (!named) return batch.forEach((w) => w.reject(err));
      // Nothing of this request was created: the callers it names have their answer, the others go first in the next.
      const again = batch.filter((w, i) => {
        const own = named.get(i);
        if (own) w.reject(own);
        return !own;
      });
      queue.unshift(...again);
      return;
    }
    batch.forEach((w, i) => {
      const outcome = outcomes[i];
      if (!outcome) w.reject(new LoomApiError('UNEXPECTED_ANSWER', 0, `POST /v1/tasks/bulk: no outcome for item ${i}`));
      else if ('error' in outcome) w.reject(outcome.error);
      else w.resolve(outcome.task);
    });
  }

  return {
    submit<T extends TaskType>(type: T, input: TaskInput<T>, opts: SubmitOptions = {}): Promise<Task> {
      unanswered++;
      return new Promise<Task>((resolve, reject) => {
        let answered = false;
        const once = <A>(answer: (a: A) => void) => (a: A) => {
          if (!answered) unanswered--;
          answered = true;
          answer(a);
        };
        queue.push({ body: { type, input, ...opts } as SubmitTask, resolve: once(resolve), reject: once(reject) });
        if (scheduled) return;
        scheduled = true;
        queueMicrotask(() => {
          scheduled = false;
          pump();
        });
      });
    },
    get pending() {
      return unanswered;
    },
  };
}
