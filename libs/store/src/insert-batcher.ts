// Group commit for new tasks: the inserts asked for within one turn of the event loop (the
// submissions a gateway parsed from its sockets in that turn) go to MongoDB as ONE unordered
// insertMany, and each caller still learns its own document's fate: resolved when it was
// stored, rejected with its own write error (a duplicate idempotency key is code 11000, as from
// insertOne) when not. Under a burst of 32 concurrent submissions this is a few commands
// instead of 32; a lone submission waits for nothing but the end of the turn (setImmediate).

interface Pending {
  doc: object;
  resolve(): void;
  reject(err: unknown): void;
}

/** The write error of one document of an unordered insertMany, as the driver reports it. */
interface WriteErrorLike {
  index: number;
  code?: number;
  errmsg?: string;
  message?: string;
}

export interface InsertBatcher {
  /** Resolves once `doc` is stored; rejects with its own error (code 11000 for a duplicate key). */
  insert(doc: object): Promise<void>;
}

export function createInsertBatcher(insertMany: (docs: object[]) => Promise<unknown>, maxBatch = 500): InsertBatcher {
  let batch: Pending[] = [];
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    const mine = batch;
    batch = [];
    if (mine.length === 0) return;
    insertMany(mine.map((p) => p.doc)).then(
      () => mine.forEach((p) => p.resolve()),
      (err: { writeErrors?: WriteErrorLike[] | WriteErrorLike }) => {
        const raw = err?.writeErrors;
        const errors = raw === undefined ? undefined : Array.isArray(raw) ? raw : [raw];
        if (!errors) {
          // Not a per-document failure (the connection, the server): none of them is known stored.
          mine.forEach((p) => p.reject(err));
          return;
        }
        const byIndex = new Map(errors.map((e) => [e.index, e]));
        mine.forEach((p, i) => {
          const e = byIndex.get(i);
          if (!e) p.resolve();
          else p.reject(Object.assign(new Error(e.errmsg ?? e.message ?? 'insert failed'), { code: e.code }));
        });
      },
    );
  }

  return {
    insert(doc) {
      return new Promise<void>((resolve, reject) => {
        batch.push({ doc, resolve, reject });
        if (batch.length >= maxBatch) flush();
        else if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
  };
}
