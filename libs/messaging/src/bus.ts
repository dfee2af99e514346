// The message bus: the only code that imports amqplib. One connection per process with
// amqplib's automatic recovery; after every (re)connect the publish channel and every
// consumer are set up again. Publishes use confirms and are pipelined, not awaited one by one.
import { randomUUID } from 'node:crypto';
import amqp, { type Channel, type ConfirmChannel, type ConsumeMessage, type RecoveringChannelModel } from 'amqplib';
import { createEnvelope, type MessageContract } from '@loom/contracts';
import { runInProcessSpan, startPublishSpan, type Logger } from '@loom/telemetry';
import type { z } from 'zod';
import { declareExchanges, declareWorkQueue, names, type Names } from './topology';

export interface OutgoingMessage {
  id: string;
  exchange: 'events' | 'work' | 'direct';
  /** Routing key; for `direct`, the queue name. */
  routingKey: string;
  body: string;
  headers: Record<string, string>;
}

/** What announce needs of a message (an outbox entry has it). */
export type OutboxEntryLike = Pick<OutgoingMessage, 'id' | 'exchange' | 'routingKey' | 'body' | 'headers'>;

export interface Delivery {
  readonly raw: ConsumeMessage;
  readonly body: Buffer;
  readonly headers: Record<string, unknown>;
  readonly redelivered: boolean;
  /** False once the channel this delivery came on has closed: its ack would be meaningless. */
  readonly channelOpen: boolean;
  ack(): void;
  /** Reject: requeue=false dead-letters it (when the queue has a dead-letter exchange). */
  nack(requeue: boolean): void;
}

export interface QueueSpec {
  queue: string;
  /** Bindings on the events exchange (routing keys or patterns). */
  bindings?: { exchange: 'events' | 'dlx'; keys: string[] };
  /** Exclusive, auto-deleted queue of this process (fan-out listeners such as live streams). */
  exclusive?: boolean;
  arguments?: Record<string, unknown>;
  prefetch?: number;
}

/** Handler outcome: resolve to ack; throw to nack (requeue unless the error says retryable=false). */
export type MessageHandler = (d: Delivery) => Promise<void>;

interface Subscription {
  spec: QueueSpec;
  handler: MessageHandler;
  manualAck?: boolean;
  channel?: Channel;
  consumerTag?: string;
}

/** A subscription whose queue's bindings can change while it runs. */
export interface SubscriptionHandle {
  bind(keys: string[]): Promise<void>;
  unbind(keys: string[]): Promise<void>;
}

export interface WorkConsumer {
  /** Closes the consumer's channel: an unacked delivery is requeued to the standby consumer. */
  close(): Promise<void>;
  readonly busy: boolean;
}

export interface BusOptions {
  url: string;
  namespace: string;
  logger: Logger;
  /** Work queues (task types) whose declaration this process owns. */
  workTypes?: string[];
}

export async function createBus(opts: BusOptions) {
  const n: Names = names(opts.namespace);
  const log = opts.logger;
  const subscriptions: Subscription[] = [];
  const workSubs = new Map<string, Subscription>();
  let publishChannel: ConfirmChannel | null = null;
  /** Channel without confirms, for live-only copies (see announce). */
  let liveChannel: Channel | null = null;
  let ready: Promise<void> = Promise.resolve();
  let markReady: () => void = () => undefined;
  let closing = false;
  let epoch = 0;

  const newReadyGate = () => {
    ready = new Promise<void>((r) => (markReady = r));
  };
  newReadyGate();

  async function attach(model: RecoveringChannelModel | amqp.ChannelModel, sub: Subscription): Promise<void> {
    const ch = await model.createChannel();
    sub.channel = ch;
    ch.on('error', (err) => log.warn({ err: err.message, queue: sub.spec.queue }, 'consumer channel error'));
    const { spec } = sub;
    if (spec.exclusive) {
      await ch.assertQueue(spec.queue, { exclusive: true, autoDelete: true, durable: false, arguments: spec.arguments });
    } else if (spec.arguments !== undefined || spec.bindings) {
      await ch.assertQueue(spec.queue, { durable: true, arguments: spec.arguments ?? { 'x-queue-type': 'quorum' } });
    }
    for (const key of spec.bindings?.keys ?? []) {
      await ch.bindQueue(spec.queue, spec.bindings!.exchange === 'events' ? n.events : n.dlx, key);
    }
    await ch.prefetch(spec.prefetch ?? 50);
    const myEpoch = epoch;
    let open = true;
    ch.on('close', () => (open = false));
    const { consumerTag } = await ch.consume(spec.queue, (msg) => {
      if (!msg) return; // consumer cancelled by the broker (queue deleted): recovery re-creates it
      let settled = false;
      const delivery: Delivery = {
        raw: msg,
        body: msg.content,
        headers: (msg.properties.headers ?? {}) as Record<string, unknown>,
        redelivered: msg.fields.redelivered,
        get channelOpen() {
          return open && myEpoch === epoch;
        },
        ack() {
          if (settled || !this.channelOpen) return;
          settled = true;
          ch.ack(msg);
        },
        nack(requeue: boolean) {
          if (settled || !this.channelOpen) return;
          settled = true;
          ch.nack(msg, false, requeue);
        },
      };
      // The `process <queue>` span continues the trace the message's headers carry.
      const traced = () =>
        runInProcessSpan(
          { queue: spec.queue, exchange: msg.fields.exchange, routingKey: msg.fields.routingKey, messageId: msg.properties.messageId, deliveryTag: msg.fields.deliveryTag, redelivered: msg.fields.redelivered, bodySize: msg.content.length },
          msg.properties.headers,
          () => sub.handler(delivery),
        );
      if (sub.manualAck) {
        traced().catch((err) => log.error({ err, queue: spec.queue }, 'work handler crashed'));
        return;
      }
      traced().then(
        () => delivery.ack(),
        (err: { retryable?: boolean; message?: string }) => {
          const requeue = err?.retryable !== false;
          log.warn({ err: err?.message, queue: spec.queue, requeue }, 'message handling failed');
          if (requeue) setTimeout(() => delivery.nack(true), 1000).unref();
          else delivery.nack(false);
        },
      );
    });
    sub.consumerTag = consumerTag;
  }

  async function setup(model: RecoveringChannelModel | amqp.ChannelModel): Promise<void> {
    epoch++;
    const admin = await model.createChannel();
    await declareExchanges(admin, n);
    for (const type of opts.workTypes ?? []) await declareWorkQueue(admin, n, type);
    await admin.close();
    publishChannel = await model.createConfirmChannel();
    publishChannel.on('error', (err) => log.warn({ err: err.message }, 'publish channel error'));
    liveChannel = await model.createChannel();
    liveChannel.on('error', (err) => log.warn({ err: err.message }, 'live channel error'));
    for (const sub of [...subscriptions, ...workSubs.values()]) await attach(model, sub);
    markReady();
  }

  const connection = await amqp.connect(opts.url, {
    recovery: {
      initialDelay: 200,
      maxDelay: 5000,
      maxRetries: Infinity,
      initialMaxRetries: 20,
      // Hand back the connection at once so the listeners below are in place before anything
      // can go wrong; `waitForConnect()` then waits for the first connection and its setup.
      waitForConnect: false,
      setup,
    },
  });
  connection.on('disconnect', (err?: Error) => {
    if (closing) return;
    publishChannel = null;
    liveChannel = null;
    newReadyGate();
    log.warn({ err: err?.message }, 'lost the RabbitMQ connection; reconnecting');
  });
  connection.on('connect', () => log.info('connected to RabbitMQ'));
  // Socket errors (ECONNRESET while the broker goes down) arrive as 'error' events; without a
  // listener they would crash the process. Recovery handles the reconnect itself.
  connection.on('error', (err: Error) => log.warn({ err: err.message }, 'RabbitMQ connection error'));
  await connection.waitForConnect();
  await ready;

  function exchangeName(e: OutgoingMessage['exchange']): string {
    return e === 'events' ? n.events : e === 'work' ? n.work : '';
  }

  /** Publishes with confirms; resolves when the broker confirmed all, rejects if any failed. */
  async function publish(messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await ready;
    const ch = publishChannel;
    if (!ch) throw Object.assign(new Error('RabbitMQ is not connected'), { retryable: true });
    await Promise.all(
      messages.map(
        (m) =>
          new Promise<void>((resolve, reject) => {
            const exchange = exchangeName(m.exchange);
            const body = Buffer.from(m.body);
            // The `publish <exchange>` span; its context replaces the message's traceparent.
            const span = startPublishSpan({ exchange, routingKey: m.routingKey, messageId: m.id, bodySize: body.length }, m.headers);
            try {
              ch.publish(exchange, m.routingKey, body, {
                persistent: true,
                messageId: m.id,
                contentType: 'application/json',
                headers: span.headers,
                timestamp: Math.floor(Date.now() / 1000),
              }, (err) => {
                span.end(err ?? undefined);
                if (err) reject(err);
                else resolve();
              });
            } catch (err) {
              span.end(err);
              throw err;
            }
          }),
      ),
    );
  }

  /**
   * Live-only copies (progress, logs, a free task's end...): not persistent, no confirm, no
   * span, dropped while the broker is away. Only live streams read them, and with no stream
   * bound the broker discards them on arrival; the task document is their truth.
   */
  function announce(messages: OutboxEntryLike[]): void {
    const ch = liveChannel;
    if (!ch) return;
    for (const m of messages) {
      ch.publish(exchangeName(m.exchange), m.routingKey, Buffer.from(m.body), {
        persistent: false,
        messageId: m.id,
        contentType: 'application/json',
        headers: m.headers,
      });
    }
  }

  return {
    names: n,
    publish,
    announce,

    /** Whether the broker connection is up now (readiness probes); false while reconnecting. */
    isConnected(): boolean {
      return publishChannel !== null && !closing;
    },

    /** Publishes one event outside the outbox, for informational events (progress, logs). */
    async publishEvent<S extends z.ZodType>(
      contract: MessageContract<S>,
      payload: z.infer<S>,
      meta: { tenantId: string; taskId?: string; headers?: Record<string, string> },
    ): Promise<void> {
      const env = createEnvelope(contract, payload, meta);
      await publish([{ id: env.messageId, exchange: 'events', routingKey: contract.name, body: JSON.stringify(env), headers: meta.headers ?? {} }]);
    },

    /** Announces one live-only event (progress, a log line): no confirm, see announce. */
    announceEvent<S extends z.ZodType>(
      contract: MessageContract<S>,
      payload: z.infer<S>,
      meta: { tenantId: string; taskId?: string; headers?: Record<string, string> },
    ): void {
      const env = createEnvelope(contract, payload, meta);
      announce([{ id: env.messageId, exchange: 'events', routingKey: contract.name, body: JSON.stringify(env), headers: meta.headers ?? {} }]);
    },

    /** Publishes straight to a queue through the default exchange (delay queues). */
    async sendToQueue(queue: string, body: string, headers: Record<string, string> = {}): Promise<void> {
      await publish([{ id: randomUUID(), exchange: 'direct', routingKey: queue, body, headers }]);
    },

    /** Runs `fn` with a short-lived channel (declarations, inspections). */
    async withChannel<T>(fn: (ch: Channel) => Promise<T>): Promise<T> {
      await ready;
      const ch = await connection.createChannel();
      try {
        return await fn(ch);
      } finally {
        await ch.close().catch(() => undefined);
      }
    },

    /** Subscribes a handler; acked on success. Re-established after every reconnect. */
    async subscribe(spec: QueueSpec, handler: MessageHandler): Promise<SubscriptionHandle> {
      const sub: Subscription = { spec, handler };
      subscriptions.push(sub);
      await ready;
      await attach(connection, sub);
      const exchangeOf = () => (spec.bindings?.exchange === 'dlx' ? n.dlx : n.events);
      return {
        // Bindings changed here are remembered in the spec, so a reconnect restores them.
        async bind(keys) {
          spec.bindings = { exchange: spec.bindings?.exchange ?? 'events', keys: [...new Set([...(spec.bindings?.keys ?? []), ...keys])] };
          await ready;
          for (const key of keys) await sub.channel?.bindQueue(spec.queue, exchangeOf(), key);
        },
        async unbind(keys) {
          if (spec.bindings) spec.bindings.keys = spec.bindings.keys.filter((k) => !keys.includes(k));
          await ready;
          for (const key of keys) await sub.channel?.unbindQueue(spec.queue, exchangeOf(), key);
        },
      };
    },

    /**
     * Consumes a type's work queue on a channel of its own, `prefetch` deliveries at a time, and
     * hands them to `handler` ONE AT A TIME in delivery order: the handler owns each delivery and
     * acks it when its task is terminal, and the next delivery is handed over only when the
     * handler's promise for the previous one has settled. The order is kept across channel
     * re-creations (the chain is the type's, not the channel's), so a delivery arriving on a new
     * channel waits for a task still running from the old one. See serial-per-type.ts for the
     * whole rule and how prefetch is bounded by consumer_timeout.
     */
    async consumeWork(type: string, handler: MessageHandler, opts: { prefetch?: number } = {}): Promise<WorkConsumer> {
      const sub: Subscription = { spec: { queue: n.workQueue(type), prefetch: opts.prefetch ?? 1 }, handler, manualAck: true };
      let busy = 0;
      let chain: Promise<void> = Promise.resolve();
      sub.handler = (d) => {
        busy++;
        const run = chain.then(async () => {
          try {
            // Its channel closed while it waited: the broker has requeued it already.
            if (d.channelOpen) await handler(d);
          } finally {
            busy--;
          }
        });
        chain = run.catch(() => undefined);
        return run;
      };
      workSubs.set(type, sub);
      await ready;
      await attach(connection, sub);
      return {
        get busy() {
          return busy > 0;
        },
        async close() {
          workSubs.delete(type);
          // Close, never basic.cancel: cancel would keep the unacked delivery with us while the
          // broker starts feeding the standby.
          await sub.channel?.close().catch(() => undefined);
        },
      };
    },

    async close(): Promise<void> {
      closing = true;
      await connection.close().catch(() => undefined);
    },
  };
}

export type Bus = Awaited<ReturnType<typeof createBus>>;

/** The W3C trace context headers of a delivery, carried on into the events it causes. */
export function traceHeadersOf(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['traceparent', 'tracestate']) if (typeof headers[k] === 'string') out[k] = headers[k] as string;
  return out;
}
