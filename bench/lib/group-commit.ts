// Client-side group commit, the same for every system's producer in the bench: the submissions
// asked for while a batch is being sent wait and go together in the next one (at most one batch
// in flight; a batch is sent at the end of the turn it was opened in, so a lone submission waits
// for nothing). Each caller gets its own result or its own error. Loom's client sends a batch
// as one POST /v1/tasks/bulk, BullMQ's producer as Queue.addBulk, the polling producer as one
// insertMany: what a user with many tasks at hand would call on each.

export type SendBatch<I, O> = (items: I[]) => Promise<(O | { error: unknown })[]>;

export function groupCommit<I, O>(send: SendBatch<I, O>, maxBatch: number): (item: I) => Promise<O> {
  let waiting: { item: I; resolve(o: O): void; reject(e: unknown): void }[] = [];
  let inFlight = false;
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    if (inFlight || waiting.length === 0) return;
    const batch = waiting.slice(0, maxBatch);
    waiting = waiting.slice(batch.length);
    inFlight = true;
    send(batch.map((w) => w.item))
      .then(
        (outcomes) =>
          batch.forEach((w, i) => {
            const o = outcomes[i];
            if (o === undefined) w.reject(new Error(`the batch answered ${outcomes.length} outcomes for ${batch.length} items`));
            else if (typeof o === 'object' && o !== null && 'error' in o) w.reject(o.error);
            else w.resolve(o as O);
          }),
        (err: unknown) => batch.forEach((w) => w.reject(err)),
      )
      .finally(() => {
        inFlight = false;
        flush();
      });
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (!scheduled && !inFlight) {
        scheduled = true;
        setImmediate(flush);
      }
    });
}

/** The answer of one POST /v1/tasks/bulk as a batch's outcomes: each task's id, or its item's error. */
export function idsOfBulkAnswer(status: number, text: string): (string | { error: unknown })[] {
  if (status !== 202 && status !== 207) throw new Error(`submit: ${status} ${text}`);
  const { items } = JSON.parse(text) as { items: ({ task: { id: string } } | { error: { code: string; message: string } })[] };
  return items.map((it) => ('task' in it ? it.task.id : { error: new Error(`submit: ${it.error.code} ${it.error.message}`) }));
}
