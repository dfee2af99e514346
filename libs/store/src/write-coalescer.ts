// Group commit for the executor's conditional writes: the ends and starts of runs that several
// task types ask for while such writes are on their way to MongoDB go together in the next
// ordered bulk write, instead of a command each. A lone write goes at once (nothing waits for
// a timer), so a quiet type pays nothing; under a burst of four busy types the commands per
// task about halve. (Writes asked for in one turn of the event loop also go together.) Up to
// `maxInFlight` bulk writes are on their way at once, so that the types whose write came back
// run while the others' are stored; they never touch the same task, as a type asks for its next
// write only once its last one answered.
//
// A bulk write answers only how many of its updates matched, not which. Each write therefore
// carries its own mark (a lease token only that write can have stored: the ended run's
// `endedBy`, the new lease) and, when fewer matched than were sent, one read of the documents
// tells each write whether it applied. A group's writes stay together and in order (an end
// before the start that follows it); groups are independent of each other.

/** One conditional update, and how to tell from the document afterwards that it applied. */
export interface MarkedWrite {
  id: string;
  filter: object;
  update: object;
  applied(doc: Record<string, unknown> | undefined): boolean;
}

interface Group {
  writes: MarkedWrite[];
  resolve(applied: boolean[]): void;
  reject(err: unknown): void;
}

export interface WriteCollection {
  bulkWrite(ops: { updateOne: { filter: object; update: object } }[], options: { ordered: boolean }): Promise<{ matchedCount: number }>;
  /** The documents with these ids (only what `applied` reads needs to be there). */
  byIds(ids: string[]): Promise<Record<string, unknown>[]>;
}

export interface WriteCoalescer {
  /** Applies the writes in order, in one round trip with whatever else is waiting; tells which applied. */
  write(writes: MarkedWrite[]): Promise<boolean[]>;
}

export function createWriteCoalescer(collection: WriteCollection, maxWrites = 64, maxInFlight = 2): WriteCoalescer {
  const waiting: Group[] = [];
  let inFlight = 0;
  let scheduled = false;

  async function send(groups: Group[]): Promise<void> {
    const writes = groups.flatMap((g) => g.writes);
    const { matchedCount } = await collection.bulkWrite(
      writes.map((w) => ({ updateOne: { filter: w.filter, update: w.update } })),
      { ordered: true },
    );
    if (matchedCount === writes.length) {
      for (const g of groups) g.resolve(g.writes.map(() => true));
      return;
    }
    const docs = await collection.byIds([...new Set(writes.map((w) => w.id))]);
    const byId = new Map(docs.map((d) => [String(d._id), d]));
    for (const g of groups) g.resolve(g.writes.map((w) => w.applied(byId.get(w.id))));
  }

  /** Sends what waits once this turn of the event loop is over (the writes asked for in it go together). */
  function schedule(): void {
    if (scheduled || inFlight >= maxInFlight) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      next();
    });
  }

  function next(): void {
    if (inFlight >= maxInFlight || waiting.length === 0) return;
    const groups: Group[] = [];
    let count = 0;
    while (waiting.length && (groups.length === 0 || count + waiting[0]!.writes.length <= maxWrites)) {
      const g = waiting.shift()!;
      groups.push(g);
      count += g.writes.length;
    }
    inFlight++;
    send(groups)
      .catch((err) => groups.forEach((g) => g.reject(err)))
      .finally(() => {
        inFlight--;
        schedule();
      });
  }

  return {
    write(writes) {
      return new Promise<boolean[]>((resolve, reject) => {
        waiting.push({ writes, resolve, reject });
        schedule();
      });
    },
  };
}
