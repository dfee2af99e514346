// amqplib against the real RabbitMQ: a quorum queue with single active consumer hands every
// message to one consumer at a time and fails over with nothing lost; publishes are confirmed.
import amqp, { type ChannelModel, type ConsumeMessage } from 'amqplib';
import { servers, uniqueName } from '../support/servers';

function waitFor<T>(what: string, fn: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      const v = fn();
      if (v !== undefined) return resolve(v);
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

describe('amqplib against RabbitMQ', () => {
  const queue = uniqueName('infra-sac');
  let conn: ChannelModel;

  beforeAll(async () => {
    conn = await amqp.connect(servers.amqpUrl);
  });
  afterAll(async () => {
    const ch = await conn.createChannel();
    await ch.deleteQueue(queue);
    await conn.close();
  });

  it('delivers to one active consumer of a quorum SAC queue and fails over on channel close', async () => {
    const setup = await conn.createConfirmChannel();
    const declared = await setup.assertQueue(queue, {
      durable: true,
      arguments: { 'x-queue-type': 'quorum', 'x-single-active-consumer': true },
    });
    expect(declared.queue).toBe(queue);

    const got: Record<'a' | 'b', string[]> = { a: [], b: [] };
    const chA = await conn.createChannel();
    const chB = await conn.createChannel();
    await chA.prefetch(1);
    await chB.prefetch(1);
    const held: ConsumeMessage[] = [];
    // A holds its deliveries unacked (as an executor holds a running task's delivery).
    await chA.consume(queue, (m) => {
      if (!m) return;
      got.a.push(m.content.toString());
      held.push(m);
    });
    await chB.consume(queue, (m) => {
      if (!m) return;
      got.b.push(m.content.toString());
      chB.ack(m);
    });

    // Publisher confirms: every publish is confirmed by the broker before we go on.
    const ids = Array.from({ length: 5 }, (_, i) => `m${i}`);
    for (const id of ids) setup.sendToQueue(queue, Buffer.from(id), { persistent: true, messageId: id });
    await setup.waitForConfirms();

    await waitFor('the first delivery', () => (got.a.length + got.b.length > 0 ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    // Only one consumer receives, and with prefetch 1 it holds just the first message.
    const active = got.a.length > 0 ? 'a' : 'b';
    expect(active).toBe('a');
    expect(got.a).toEqual(['m0']);
    expect(got.b).toEqual([]);

    // Closing the active consumer's channel requeues its unacked delivery and moves
    // the queue to the standby, which then receives everything, in order.
    await chA.close();
    await waitFor('failover to b', () => (got.b.length === 5 ? true : undefined));
    expect(got.b).toEqual(ids);
    expect(held).toHaveLength(1);

    const check = await setup.checkQueue(queue);
    expect(check.messageCount).toBe(0);
    await chB.close();
    await setup.close();
  });
});
