// Index shapes for the local MongoDB stand-in (mongo-java-server), created only there.
//
// mongo-java-server ignores non-unique secondary indexes, and uses a unique index only for a
// query whose keys are exactly the index's keys, each with an equality value: `{_id, status:
// {$in: [...]}}` or `{_id, status}` scan the whole collection even though `_id` is unique
// (measured: 2.5 ms by `_id` alone, 140 ms with a status condition, over 50,000 documents). The
// hot path's conditional writes are shaped for it (one equality per key, see task-repository.ts)
// and these unique indexes, trivially unique since they start with `_id`, give each shape an
// index the stand-in can use. A real MongoDB serves those queries from the `_id` index, so there
// they would only cost writes: they are not created when the server reports a gitVersion, which
// every real mongod does and the stand-in does not.
import type { Connection } from 'mongoose';

/** The exact key sets of the hot path's conditional reads and writes of tasks. */
export const STAND_IN_TASK_INDEXES: Record<string, 1>[] = [
  { _id: 1, status: 1, attempt: 1 }, // claim, admit
  { _id: 1, status: 1, 'lease.token': 1 }, // heartbeat, progress, succeed, fail, retry, cancel, hand back, record a provider job
  { _id: 1, tenantId: 1 }, // a tenant reads its task
];

export async function isMongoStandIn(conn: Connection): Promise<boolean> {
  const info = (await conn.db!.admin().command({ buildInfo: 1 })) as { gitVersion?: string };
  return !info.gitVersion;
}

export async function ensureStandInIndexes(conn: Connection): Promise<boolean> {
  if (!(await isMongoStandIn(conn))) return false;
  const tasks = conn.collection('tasks');
  for (const keys of STAND_IN_TASK_INDEXES) {
    const name = `standin_${Object.keys(keys).join('_').replace(/\./g, '_')}`;
    // Services starting together create the same indexes; a loser of that race tries once more.
    await tasks.createIndex(keys, { unique: true, name }).catch(async () => {
      await new Promise((r) => setTimeout(r, 200));
      await tasks.createIndex(keys, { unique: true, name });
    });
  }
  return true;
}
