// The outbox without a relay scan, on the real MongoDB server and RabbitMQ: a writer that dies
// with an entry the broker never confirmed has it republished by a live writer, once its
// heartbeat is stale; what it had confirmed is not sent again; a clean stop leaves nothing to do.
import amqp from 'amqplib';
import type { Connection } from 'mongoose';
import { createBus, type Bus } from '@loom/messaging';
import { connectMongo, createStore, startOutboxPublisher, type OutboxEntry } from '@loom/store';
import { createLogger } from '@loom/telemetry';
import { deleteNamespaceTopology, mongoUrlFor, servers, uniqueName } from '../support/servers';
import { until } from '../support/until';

const logger = createLogger('outbox-test');
const type = 'outbox.demo';


describe('outbox recovery (real MongoDB and RabbitMQ)', () => {
  const ns = uniqueName('outbox');
  let conn: Connection;
  let bus: Bus;
  let raw: amqp.ChannelModel;
  const runs: string[] = [];

  beforeAll(async () => {
    conn = await connectMongo(mongoUrlFor(ns));
    bus = await createBus({ url: servers.amqpUrl, namespace: ns, logger, workTypes: [type] });
    raw = await amqp.connect(servers.amqpUrl);
    const ch = await raw.createChannel();
    await ch.consume(bus.names.workQueue(type), (m) => {
      if (!m) return;
      runs.push(JSON.parse(m.content.toString()).taskId);
      ch.ack(m);
    });
  });

  afterAll(async () => {
    await raw.close().catch(() => undefined);
    await bus.close();
    await deleteNamespaceTopology(ns, [bus.names.workQueue(type)]);
    await conn.dropDatabase().catch(() => undefined);
    await conn.close();
  });

  it("republishes a dead writer's unconfirmed entries, and only those", async () => {
    // Writer A: the broker confirms its first entry and then refuses everything.
    let calls = 0;
    const refused: OutboxEntry[][] = [];
    const writerA = await startOutboxPublisher({
      conn,
      writerName: 'dying-gateway',
      beatEveryMs: 100,
      deadAfterMs: 60_000,
      retryMinMs: 60_000,
      publish: async (entries) => {
        if (calls++ === 0) return bus.publish(entries);
        refused.push(entries);
        throw new Error('broker refused');
      },
    });
    const storeA = await createStore(conn, writerA);
    const confirmed = (await storeA.tasks.create({ tenantId: 't', type, input: {}, timeoutMs: 1000, maxAttempts: 1, admitted: true })).task._id;
    await until('the first task.run', () => (runs.includes(confirmed) ? true : undefined));
    // Its heartbeat records that nothing written before now is pending (wait for a beat that says so).
    const confirmedAt = ((await conn.collection('tasks').findOne({ _id: confirmed } as object))!.outbox as OutboxEntry[])[0]!.createdAt;
    await until('a heartbeat after the confirm', async () => {
      const w = await conn.collection('outbox_writers').findOne({ _id: writerA.writerId } as object);
      return w && (w.pendingSince as Date) > confirmedAt ? true : undefined;
    });
    const lost = (await storeA.tasks.create({ tenantId: 't', type, input: {}, timeoutMs: 1000, maxAttempts: 1, admitted: true })).task._id;
    await until('the refused publish', () => (refused.length ? true : undefined));
    expect(writerA.pending).toBe(1);
    // A dies: it beats no more (stop with an entry pending leaves its heartbeat document as it was).
    await writerA.stop(0);
    expect(await conn.collection('outbox_writers').countDocuments({ _id: writerA.writerId } as object)).toBe(1);

    // Writer B, alive, takes A for dead once its heartbeat is older than deadAfterMs.
    const writerB = await startOutboxPublisher({ conn, writerName: 'survivor', deadAfterMs: 1_000, publish: (e) => bus.publish(e) });
    try {
      await until('the lost task.run to be republished', () => (runs.includes(lost) ? true : undefined), 10_000);
      await until("A's heartbeat document to be taken", async () => ((await conn.collection('outbox_writers').countDocuments({ _id: writerA.writerId } as object)) === 0 ? true : undefined));
      // Once each: the confirmed entry was not sent again, the lost one not twice.
      await new Promise((r) => setTimeout(r, 1_500));
      expect(runs.filter((id) => id === confirmed)).toHaveLength(1);
      expect(runs.filter((id) => id === lost)).toHaveLength(1);
    } finally {
      await writerB.stop();
    }
    // A clean stop with nothing pending removes the writer's document: no recovery needed.
    expect(await conn.collection('outbox_writers').countDocuments({ _id: writerB.writerId } as object)).toBe(0);
  });
});
