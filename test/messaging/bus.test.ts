// The bus against the real RabbitMQ: typed subscriptions, the dead-letter path of every kind of
// message that can never be handled, a consumer whose channel the broker closed, and delayed
// sends after the wait queue went away. Each test has a namespace of its own.
import amqp from 'amqplib';
import { z } from 'zod';
import { createEnvelope, defineMessage } from '@loom/contracts';
import { createBus, DEAD_LETTER_HEADERS, MAX_HANDLING_ATTEMPTS, type Bus } from '@loom/messaging';
import { createLogger } from '@loom/telemetry';
import { deleteNamespaceTopology, servers, uniqueName } from '../support/servers';
import { until } from '../support/until';

const logger = createLogger('bus-test');
const PingV1 = defineMessage('test.ping', 1, z.object({ n: z.number().int() }));

interface Dead {
  body: string;
  headers: Record<string, unknown>;
}


describe('the bus (real RabbitMQ)', () => {
  let ns: string;
  let bus: Bus;
  let raw: amqp.ChannelModel;
  let ch: amqp.Channel;
  const dead: Dead[] = [];
  const queue = () => bus.names.serviceQueue('test', 'pings');

  beforeEach(async () => {
    ns = uniqueName('bus');
    bus = await createBus({ url: servers.amqpUrl, namespace: ns, logger, handlingRetryBaseMs: 50 });
    raw = await amqp.connect(servers.amqpUrl);
    ch = await raw.createChannel();
    dead.length = 0;
    await ch.consume(bus.names.dead, (m) => {
      if (!m) return;
      dead.push({ body: m.content.toString(), headers: (m.properties.headers ?? {}) as Record<string, unknown> });
      ch.ack(m);
    });
  });

  afterEach(async () => {
    await bus.close();
    await raw.close().catch(() => undefined);
    await deleteNamespaceTopology(ns, [queue()]);
  });

  const publishRaw = (body: string) => ch.publish(bus.names.events, PingV1.name, Buffer.from(body), { persistent: true });
  const ping = (n: number, version = 1) => JSON.stringify({ ...createEnvelope(PingV1, { n }, { tenantId: 't' }), version });

  it('hands a handler a validated envelope, and dead-letters what no handler can read, with the reason', async () => {
    const seen: number[] = [];
    await bus.on({ queue: queue(), bindings: { exchange: 'events', keys: [PingV1.name] } }, [PingV1], async ({ envelope }) => {
      seen.push(envelope.payload.n);
    });
    publishRaw(ping(1));
    publishRaw('not json at all');
    publishRaw(ping(2, 7)); // a version nobody understands
    publishRaw(JSON.stringify(createEnvelope(PingV1, { n: 'three' as unknown as number }, { tenantId: 't' }))); // bad payload
    await until('three dead letters', () => dead.length >= 3 || undefined);
    expect(seen).toEqual([1]);
    const reasons = dead.map((d) => String(d.headers[DEAD_LETTER_HEADERS.reason]));
    // Handled side by side (prefetch), so in any order.
    expect(reasons).toHaveLength(3);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringContaining('body is not JSON'),
        expect.stringContaining('version 7 is not understood'),
        expect.stringContaining('bad payload: n:'),
      ]),
    );
    for (const d of dead) expect(d.headers[DEAD_LETTER_HEADERS.queue]).toBe(queue());
  });

  it('dead-letters at once what a handler says it can never handle, and after a bounded number of tries what keeps failing', async () => {
    const tries = new Map<number, number>();
    await bus.on({ queue: queue(), bindings: { exchange: 'events', keys: [PingV1.name] } }, [PingV1], async ({ envelope }) => {
      const n = envelope.payload.n;
      tries.set(n, (tries.get(n) ?? 0) + 1);
      if (n === 1) throw Object.assign(new Error('never for me'), { retryable: false });
      throw new Error('flaky forever');
    });
    publishRaw(ping(1));
    publishRaw(ping(2));
    await until('two dead letters', () => dead.length >= 2 || undefined, 30_000);
    expect(tries.get(1)).toBe(1);
    expect(tries.get(2)).toBe(MAX_HANDLING_ATTEMPTS);
    const byN = new Map(dead.map((d) => [JSON.parse(d.body).payload.n as number, d.headers]));
    expect(String(byN.get(1)![DEAD_LETTER_HEADERS.reason])).toContain('not handleable: never for me');
    expect(String(byN.get(2)![DEAD_LETTER_HEADERS.reason])).toContain(`handler failed ${MAX_HANDLING_ATTEMPTS} times: flaky forever`);
    expect(byN.get(2)![DEAD_LETTER_HEADERS.attempts]).toBe(MAX_HANDLING_ATTEMPTS);
    // Nothing is left to come back.
    await new Promise((r) => setTimeout(r, 500));
    expect(tries.get(2)).toBe(MAX_HANDLING_ATTEMPTS);
  });

  it('re-creates a consumer whose channel the broker closed, and says so in readiness', async () => {
    const seen: number[] = [];
    await bus.on({ queue: queue(), bindings: { exchange: 'events', keys: [PingV1.name] } }, [PingV1], async ({ envelope }) => {
      seen.push(envelope.payload.n);
    });
    expect(bus.isReady()).toBe(true);
    // Deleting the queue makes the broker cancel the consumer.
    await ch.deleteQueue(queue());
    await until('readiness to drop', () => !bus.isReady() || undefined, 5_000);
    await until('the consumer to be back', () => bus.isReady() || undefined);
    publishRaw(ping(5));
    await until('the message after the re-attach', () => seen.includes(5) || undefined);
  });

  it('keeps delayed sends working after the wait queue went away (an idle wait queue deletes itself)', async () => {
    const target = bus.names.serviceQueue('test', 'due');
    const got: string[] = [];
    await bus.on({ queue: target, arguments: { 'x-queue-type': 'quorum' } }, [PingV1], async ({ envelope }) => {
      got.push(String(envelope.payload.n));
    });
    await bus.sendDelayed(300, target, ping(1));
    await until('the first delayed message', () => got.includes('1') || undefined);
    // What x-expires does to an idle wait queue.
    await ch.deleteQueue(bus.names.delayQueue(300));
    const sentAt = Date.now();
    await bus.sendDelayed(300, target, ping(2));
    await until('the delayed message sent after the wait queue was gone', () => got.includes('2') || undefined, 5_000);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(250);
    await ch.deleteQueue(target).catch(() => undefined);
    await ch.deleteQueue(bus.names.delayQueue(300)).catch(() => undefined);
  });
  it('publishes the events only viewers read only while a gateway watches, and a process started later hears of the watcher at once', async () => {
    const seen: string[] = [];
    const q = await ch.assertQueue('', { exclusive: true });
    await ch.bindQueue(q.queue, bus.names.events, 'test.#');
    await ch.consume(q.queue, (m) => {
      if (m) seen.push(`${m.fields.routingKey}:${m.content.toString()}`);
    }, { noAck: true });
    // Sent in order on one channel: once the always-published copy arrives, a viewer-only copy
    // sent before it would have arrived too.
    const send = (n: number) => {
      bus.announce([{ id: `v${n}`, exchange: 'events', routingKey: 'test.view', body: String(n), headers: {}, viewersOnly: true }]);
      bus.announce([{ id: `a${n}`, exchange: 'events', routingKey: 'test.always', body: String(n), headers: {} }]);
    };
    const arrived = (n: number) => until(`test.always ${n}`, () => (seen.includes(`test.always:${n}`) ? true : undefined), 10_000, 20);

    send(1);
    await arrived(1);
    expect(seen).not.toContain('test.view:1');

    const gateway = await createBus({ url: servers.amqpUrl, namespace: ns, logger });
    let late: Bus | undefined;
    try {
      // Resolves once every presence queue holds the word; each process reads it just after.
      await gateway.watch();
      await until('the announcer hearing that a gateway watches', () => (bus.viewersWatching() ? true : undefined), 10_000, 20);
      send(2);
      await arrived(2);
      expect(seen).toContain('test.view:2');

      late = await createBus({ url: servers.amqpUrl, namespace: ns, logger });
      await until('the late process hearing of the watcher (it asks who watches)', () => (late!.viewersWatching() ? true : undefined), 10_000, 20);

      await gateway.unwatch();
      await until('the announcer hearing that nobody watches', () => (bus.viewersWatching() ? undefined : true), 10_000, 20);
      send(3);
      await arrived(3);
      expect(seen).not.toContain('test.view:3');
    } finally {
      await gateway.close();
      await late?.close();
    }
  });

  it('bundles the work messages of one turn per type, hands each item over on its own, and acks a bundle only when all its items are settled', async () => {
    const type = uniqueName('bundled');
    const producer = await createBus({ url: servers.amqpUrl, namespace: ns, logger, workTypes: [type], workBundleLimit: () => 3 });
    try {
      // Seven task.run-like messages in one turn: bundles of 3, 3 and a lone last one.
      await Promise.all(
        Array.from({ length: 7 }, (_, n) => producer.publish([{ id: `m${n}`, exchange: 'work', routingKey: type, body: JSON.stringify({ n }), headers: { 'x-test': `h${n}` } }])),
      );
      const q = await ch.checkQueue(bus.names.workQueue(type));
      expect(q.messageCount).toBe(3);

      const first: string[] = [];
      const c1 = await bus.consumeWork(type, async (d) => {
        const { n } = JSON.parse(d.body.toString()) as { n: number };
        first.push(`${n}:${String(d.headers['x-test'])}`);
        if (n === 4) return; // left unacked: its bundle (3, 4, 5) stays with this consumer
        if (n === 6) await d.deadLetter('test poison');
        else d.ack();
      }, { prefetch: 3 });
      await until('seven items handed over', () => first.length === 7 || undefined);
      expect(first).toEqual(['0:h0', '1:h1', '2:h2', '3:h3', '4:h4', '5:h5', '6:h6']);
      await until('the dead-lettered item', () => dead.length === 1 || undefined);
      expect(JSON.parse(dead[0]!.body)).toEqual({ n: 6 });
      expect(dead[0]!.headers[DEAD_LETTER_HEADERS.reason]).toBe('test poison');

      // Its consumer leaves: the whole bundle comes again, each item with its own headers.
      await c1.close();
      const again: string[] = [];
      const other = await createBus({ url: servers.amqpUrl, namespace: ns, logger });
      try {
        await other.consumeWork(type, async (d) => {
          const { n } = JSON.parse(d.body.toString()) as { n: number };
          again.push(`${n}:${String(d.headers['x-test'])}:${d.redelivered}`);
          d.ack();
        });
        await until('the bundle redelivered', () => again.length === 3 || undefined);
        expect(again).toEqual(['3:h3:true', '4:h4:true', '5:h5:true']);
        await until('nothing left in the queue, nothing unacked', async () => {
          const { messageCount } = await ch.checkQueue(bus.names.workQueue(type));
          return messageCount === 0 ? true : undefined;
        });
      } finally {
        await other.close();
      }
    } finally {
      await producer.close();
      await ch.deleteQueue(bus.names.workQueue(type)).catch(() => undefined);
    }
  });
});
