// The hot path's writes as the server's own insert and update commands (Db.command), not the
// driver's bulk API: its ordered and unordered bulk operations compute every operation's BSON
// size up front to split batches (about as much work as serializing it), then serialize it
// again, then merge a result object per batch (profiled: a sixth of the executor's time went to
// that). The batches here are bounded far below the server's limits (64 updates, 500 inserts of
// small documents), so one command is always enough.
//
// A command with write errors answers ok with `writeErrors` ({index, code, errmsg} each) rather
// than throwing: these throw an error carrying them, as the bulk API did.
/** What is used of the driver's Db (mongoose's connection.db). */
export interface CommandRunner {
  command(command: Record<string, unknown>): Promise<unknown>;
}

export interface CommandWriteError {
  index: number;
  code?: number;
  errmsg?: string;
}

interface WriteReply {
  n?: number;
  writeErrors?: CommandWriteError[];
  writeConcernError?: { code?: number; errmsg?: string };
}

function failed(what: string, r: WriteReply): Error | undefined {
  if (r.writeErrors?.length) return Object.assign(new Error(`${what}: ${r.writeErrors[0]!.errmsg ?? 'write error'}`), { writeErrors: r.writeErrors, n: r.n });
  if (r.writeConcernError) return Object.assign(new Error(`${what}: ${r.writeConcernError.errmsg ?? 'write concern error'}`), { code: r.writeConcernError.code });
  return undefined;
}

export function commandWrites(db: () => CommandRunner, collection: string) {
  return {
    /** Inserts the documents (each with its _id); unordered: one failing does not stop the others. */
    async insertUnordered(docs: object[]): Promise<void> {
      const r = (await db().command({ insert: collection, documents: docs, ordered: false })) as WriteReply;
      const err = failed(`insert into ${collection}`, r);
      if (err) throw err;
    },
    /** Applies the updates in order (each to one document); resolves with how many matched. */
    async updateOrdered(ops: { updateOne: { filter: object; update: object } }[]): Promise<{ matchedCount: number }> {
      const r = (await db().command({ update: collection, updates: ops.map((o) => ({ q: o.updateOne.filter, u: o.updateOne.update })), ordered: true })) as WriteReply;
      const err = failed(`update of ${collection}`, r);
      if (err) throw err;
      return { matchedCount: r.n ?? 0 };
    },
  };
}
