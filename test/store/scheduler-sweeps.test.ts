// The scheduler's sweep on the real MongoDB server: a running task whose lease lapsed long ago is
// sent to its queue again once (not on every sweep), a delayed task whose wake-up never came is
// admitted, and a task left pending because its task.submitted never arrived is admitted.
import type { Connection } from 'mongoose';
import { loadEnv } from '@loom/config';
import { connectMongo, createStore, type Store, type TaskRecord } from '@loom/store';
import { createLogger } from '@loom/telemetry';
import { createSweeps } from '../../services/scheduler/src/sweeps';
import { mongoUrlFor, uniqueName } from '../support/servers';

describe('scheduler sweep (real MongoDB)', () => {
  let conn: Connection;
  let store: Store;
  const env = loadEnv({ LEASE_MS: '2000', OUTBOX_WRITER_DEAD_MS: '1000' });

  beforeAll(async () => {
    conn = await connectMongo(mongoUrlFor(uniqueName('sweeps')));
    store = await createStore(conn);
  });
  afterAll(async () => {
    await conn.dropDatabase().catch(() => undefined);
    await conn.close();
  });

  const long = new Date(Date.now() - 60 * 60_000);
  const task = (id: string, fields: Partial<TaskRecord>) =>
    conn.collection('tasks').insertOne({
      _id: id,
      tenantId: 't',
      type: 'sweep.demo',
      input: {},
      priority: 0,
      timeoutMs: 1000,
      maxAttempts: 3,
      attempt: 1,
      progress: 0,
      outputs: [],
      outbox: [],
      version: 1,
      createdAt: long,
      updatedAt: long,
      ...fields,
    } as never);

  it('rescues each kind of stuck task, and a lost lease only once', async () => {
    await task('lost', { status: 'running', lease: { owner: 'gone', token: 'tok', expiresAt: long } });
    await task('overdue', { status: 'delayed', nextAttemptAt: long });
    await task('stale-pending', { status: 'pending' });
    await task('healthy', { status: 'running', lease: { owner: 'alive', token: 'ok', expiresAt: new Date(Date.now() + 60_000) } });
    const sweep = createSweeps({ store, env, logger: createLogger('sweep-test') });

    expect(await sweep()).toMatchObject({ requeued: 1, woken: 1, admitted: 1 });
    const raw = (id: string) => conn.collection('tasks').findOne({ _id: id } as object) as Promise<TaskRecord | null>;
    const lost = (await raw('lost'))!;
    expect(lost.outbox.map((e) => e.exchange)).toEqual(['work']);
    expect(lost.lease?.requeuedAt).toBeInstanceOf(Date);
    expect((await store.tasks.get('overdue'))!).toMatchObject({ status: 'queued', attempt: 2 });
    expect((await store.tasks.get('stale-pending'))!).toMatchObject({ status: 'queued', attempt: 1 });
    expect((await raw('healthy'))!.outbox).toEqual([]);

    // The next sweeps find nothing more to do: the lost lease's task.run went out once.
    expect(await sweep()).toMatchObject({ requeued: 0, woken: 0, admitted: 0 });
    expect((await raw('lost'))!.outbox).toHaveLength(1);
  });
});
