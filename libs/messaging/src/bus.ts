// The message bus: the only code that imports amqplib (a dependency rule in npm test keeps it
// so). One connection per process with amqplib's automatic recovery; after every (re)connect the
// publish channels and every consumer are set up again, and a consumer whose channel the broker
// closed (consumer_timeout, a deleted queue, a 406) is re-attached on its own. Publishes use
// confirms and are pipelined, not awaited one by one.
//
// Services see a small typed port: `on(spec, contracts, handler)` hands the handler a parsed,
// validated envelope of one of the named contracts; `consumeWork` hands the executor a work
// delivery. A message that can never be handled goes to the dead-letter exchange (<ns>.dlx ->
// <ns>.dead) with the reason in its headers, never acked away and never requeued forever:
//   - a body that is not an envelope of a subscribed contract and version: at once;
//   - a handler that throws `retryable: false`: at once;
//   - a handler that keeps throwing: after MAX_HANDLING_ATTEMPTS tries, counted in the
//     message's own `x-loom-attempt` header (handling failures only; a broker restart that
//     returns an in-flight delivery does not count).
import { randomUUID } from 'node:crypto';
import amqp, { type Channel, type ConfirmChannel, type ConsumeMessage, type RecoveringChannelModel } from 'amqplib';
import { ContractViolation, createEnvelope, describeIssues, envelopeSchema, type Envelope, type MessageContract } from '@loom/contracts';
import { runInProcessSpan, startPublishSpan, type Logger } from '@loom/telemetry';
import type { z } from 'zod';
import { declareDelayQueue, declareExchanges, declareWorkQueue, names, type Names } from './topology';
import { BUNDLE_HEADER, createWorkBundler, decodeBundle, encodeBundle } from './work-bundles';
import { createPresenceBook, parsePresence, PRESENCE_EVERY_MS, PRESENCE_KEYS, PRESENCE_TTL_MS } from './viewer-presence';

export interface OutgoingMessage {
  id: string;
  exchange: 'events' | 'work' | 'direct';
  /** Routing key; for `direct`, the queue name. */
  routingKey: string;
  body: string;
  headers: Record<string, string>;
}

/** What announce needs of a message (an outbox entry has it). */
export type OutboxEntryLike = Pick<OutgoingMessage, 'id' | 'exchange' | 'routingKey' | 'body' | 'headers'> & {
  /** Only live viewers read it: published only while a gateway has a stream open (viewer-presence.ts). */
  viewersOnly?: boolean;
};

/** How many times a handler may fail on one message before it is dead-lettered. */
export const MAX_HANDLING_ATTEMPTS = 5;
/** Retry delay of a failed handling, doubled each attempt (1 s, 2 s, 4 s...). */
const HANDLING_RETRY_BASE_MS = 1_000;

/** Headers a dead letter carries: why, from where, after how many tries. */
export const DEAD_LETTER_HEADERS = { reason: 'x-loom-dead-reason', queue: 'x-loom-dead-queue', attempts: 'x-loom-attempts' } as const;
const ATTEMPT_HEADER = 'x-loom-attempt';

/** A received message, or one item of a bundle, as it would be published again. */
interface RawMessage {
  content: Buffer;
  properties: ConsumeMessage['properties'];
  routingKey: string;
}

/** A work-queue delivery, as the executor sees it. */
export interface Delivery {
  readonly body: Buffer;
  readonly headers: Record<string, unknown>;
  readonly redelivered: boolean;
  /** False once the channel this delivery came on has closed: its ack would be meaningless. */
  readonly channelOpen: boolean;
  /** The routing key it was published with. */
  readonly routingKey?: string;
  /** Times the broker handed this message out (quorum queues count returns, restarts included). */
  readonly deliveryCount: number;
  ack(): void;
  /** Sends it to the dead-letter queue with the reason in its headers, and acks it here. */
  deadLetter(reason: string): Promise<void>;
}

/** A message handed to a typed subscriber: its validated envelope and what the transport knows. */
export interface ReceivedMessage<P = unknown> {
  envelope: Envelope<P>;
  /** The W3C trace context it carried (traceparent, tracestate). */
  traceHeaders: Record<string, string>;
  /** The routing key it came with (a billable terminal event carries a suffix). */
  routingKey: string;
  redelivered: boolean;
  /** On a dead-letter queue: why it died (our reason header, or the broker's x-first-death-reason). */
  deathReason?: string;
}

/** A typed handler: resolve to ack; throw to retry (or `retryable: false` to dead-letter at once). */
export type EnvelopeHandler<P = unknown> = (msg: ReceivedMessage<P>) => Promise<void>;

type PayloadUnion<C extends readonly MessageContract<z.ZodType>[]> = C[number] extends MessageContract<infer S> ? z.infer<S> : never;

export interface QueueSpec {
  queue: string;
  /** Bindings on the events exchange (routing keys or patterns). */
  bindings?: { exchange: 'events' | 'dlx'; keys: string[] };
  /** Exclusive, auto-deleted queue of this process (fan-out listeners such as live streams). */
  exclusive?: boolean;
  arguments?: Record<string, unknown>;
  prefetch?: number;
  /**
   * Whether each delivery runs in a `process <queue>` span (default true). False for copies read
   * only to be shown (the gateway's live streams): a span per progress event would bury the task.
   */
  traced?: boolean;
}

/** Handler outcome: resolve to ack; throw to nack (requeue unless the error says retryable=false). */
export type MessageHandler = (d: Delivery) => Promise<void>;

/**
 * A work queue's handler: one delivery at a time, in order. `ahead` are the deliveries already
 * here that come after it (live: it changes as more arrive), so the handler can prepare the
 * next one's start while this one runs. A delivery whose channel closed while it waited is
 * still handed over (`channelOpen` false): the handler must not start it, only release what it
 * prepared for it.
 */
export type WorkHandler = (d: Delivery, ahead: readonly Delivery[]) => Promise<void>;

interface Subscription {
  spec: QueueSpec;
  handler: MessageHandler;
  manualAck?: boolean;
  /** Declares the queue before consuming (work queues: their arguments live in topology.ts). */
  declare?: (ch: Channel) => Promise<unknown>;
  channel?: Channel;
  consumerTag?: string;
  /** Consuming now (false while the channel is being re-created). */
  attached: boolean;
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
  /** First retry delay after a handler failed, doubled per attempt (default 1 s: 1, 2, 4, 8 s). */
  handlingRetryBaseMs?: number;
  /**
   * How many task.run messages of a type published in one turn may share one broker message
   * (work-bundles.ts; serial-per-type.ts workBundleFor bounds it). Default: 1, no bundles.
   */
  workBundleLimit?: (type: string) => number;
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
  // Viewer presence (viewer-presence.ts): who watches, and whether this process does.
  const presence = createPresenceBook();
  const watcherId = randomUUID();
  let presenceTimer: NodeJS.Timeout | undefined;
  let presenceAttached = false;

  const newReadyGate = () => {
    ready = new Promise<void>((r) => (markReady = r));
  };
  newReadyGate();

  async function attach(model: RecoveringChannelModel | amqp.ChannelModel, sub: Subscription): Promise<void> {
    const ch = await model.createChannel();
    sub.channel = ch;
    const myEpoch = epoch;
    let open = true;
    ch.on('error', (err) => log.warn({ err: err.message, queue: sub.spec.queue }, 'consumer channel error'));
    ch.on('close', () => {
      open = false;
      sub.attached = false;
      // The broker closed this channel while the connection lives on (consumer_timeout, a
      // deleted queue, a 406): set the consumer up again. A lost connection is the connection
      // recovery's job (setup re-attaches everything), and a closed bus stays closed.
      if (!closing && myEpoch === epoch && sub.channel === ch) scheduleReattach(sub);
    });
    const { spec } = sub;
    if (sub.declare) await sub.declare(ch);
    else if (spec.exclusive) {
      await ch.assertQueue(spec.queue, { exclusive: true, autoDelete: true, durable: false, arguments: spec.arguments });
    } else if (spec.arguments !== undefined || spec.bindings) {
      await ch.assertQueue(spec.queue, { durable: true, arguments: spec.arguments ?? { 'x-queue-type': 'quorum' } });
    }
    for (const key of spec.bindings?.keys ?? []) {
      await ch.bindQueue(spec.queue, spec.bindings!.exchange === 'events' ? n.events : n.dlx, key);
    }
    await ch.prefetch(spec.prefetch ?? 50);
    const { consumerTag } = await ch.consume(spec.queue, (msg) => {
      if (!msg) {
        // Cancelled by the broker (its queue was deleted): close, and the close handler sets it up again.
        log.warn({ queue: spec.queue }, 'the broker cancelled this consumer; re-creating it');
        void ch.close().catch(() => undefined);
        return;
      }
      const msgHeaders = (msg.properties.headers ?? {}) as Record<string, unknown>;
      const deliveryCount = Number(msgHeaders['x-delivery-count'] ?? 0);
      let items: { id: string | undefined; body: Buffer; headers: Record<string, unknown> }[];
      if (msgHeaders[BUNDLE_HEADER] === undefined) items = [{ id: msg.properties.messageId as string | undefined, body: msg.content, headers: msgHeaders }];
      else {
        const decoded = decodeBundle(msg.content);
        if (decoded instanceof Error) {
          log.error({ queue: spec.queue, err: decoded.message }, 'unreadable work bundle; dead-lettering it');
          sendDeadLetter({ content: msg.content, properties: msg.properties, routingKey: msg.fields.routingKey }, spec.queue, decoded.message).then(
            () => open && myEpoch === epoch && ch.ack(msg),
            () => undefined, // left unacked: the broker hands it out again
          );
          return;
        }
        const { [BUNDLE_HEADER]: _count, ...shared } = msgHeaders;
        items = decoded.map((it) => ({ id: it.id, body: Buffer.from(it.body), headers: { ...shared, ...it.headers } }));
      }
      // The broker's message is acked once every item of it is settled here.
      let unsettled = items.length;
      const settleOne = () => {
        if (--unsettled === 0) ch.ack(msg);
      };
      for (const item of items) {
        let settled = false;
        const one: RawMessage = { content: item.body, properties: { ...msg.properties, messageId: item.id, headers: item.headers }, routingKey: msg.fields.routingKey };
        const delivery: Delivery = {
          body: item.body,
          routingKey: msg.fields.routingKey,
          headers: item.headers,
          redelivered: msg.fields.redelivered,
          deliveryCount,
          get channelOpen() {
            return open && myEpoch === epoch;
          },
          ack() {
            if (settled || !this.channelOpen) return;
            settled = true;
            settleOne();
          },
          async deadLetter(reason: string) {
            if (settled || !this.channelOpen) return;
            await sendDeadLetter(one, spec.queue, reason);
            this.ack();
          },
        };
        // The `process <queue>` span continues the trace the item's headers carry.
        const traced = () =>
          spec.traced === false
            ? sub.handler(delivery)
            : runInProcessSpan(
                { queue: spec.queue, exchange: msg.fields.exchange, routingKey: msg.fields.routingKey, messageId: item.id, deliveryTag: msg.fields.deliveryTag, redelivered: msg.fields.redelivered, bodySize: item.body.length },
                item.headers,
                () => sub.handler(delivery),
              );
        if (sub.manualAck) {
          traced().catch((err) => log.error({ err, queue: spec.queue }, 'work handler crashed'));
          continue;
        }
        traced().then(
          () => delivery.ack(),
          (err: { retryable?: boolean; message?: string }) => onHandlingFailed(one, delivery, spec.queue, err),
        );
      }
    });
    sub.consumerTag = consumerTag;
    sub.attached = true;
  }

  /** A handler failed: retry later as a new copy with its attempt count, or dead-letter it. */
  function onHandlingFailed(msg: RawMessage, d: Delivery, queue: string, err: { retryable?: boolean; message?: string }): void {
    const attempt = Number((msg.properties.headers ?? {})[ATTEMPT_HEADER] ?? 1);
    const reason = err?.message ?? String(err);
    const retry = err?.retryable !== false && attempt < MAX_HANDLING_ATTEMPTS;
    log.warn({ err: reason, queue, attempt, retry }, retry ? 'message handling failed; retrying' : 'message handling failed for good; dead-lettering it');
    if (!retry) {
      void d.deadLetter(err?.retryable === false ? `not handleable: ${reason}` : `handler failed ${attempt} times: ${reason}`).catch(() => undefined);
      return;
    }
    // Later, and as a copy that carries its attempt: a requeue would not count, and would come
    // straight back to the same failing handler.
    setTimeout(() => {
      if (!d.channelOpen) return; // the broker has requeued it already; this attempt does not count
      const headers = { ...(msg.properties.headers ?? {}), [ATTEMPT_HEADER]: attempt + 1 };
      publishRaw('', queue, msg, headers).then(
        () => d.ack(),
        () => undefined, // not republished: left unacked, the broker hands it out again
      );
    }, (opts.handlingRetryBaseMs ?? HANDLING_RETRY_BASE_MS) * 2 ** (attempt - 1)).unref();
  }

  /** Publishes a received message (or one item of a bundle) again, confirmed, with other headers. */
  async function publishRaw(exchange: string, routingKey: string, msg: RawMessage, headers: Record<string, unknown>): Promise<void> {
    await ready;
    const ch = publishChannel;
    if (!ch) throw Object.assign(new Error('RabbitMQ is not connected'), { retryable: true });
    await new Promise<void>((resolve, reject) => {
      ch.publish(exchange, routingKey, msg.content, { ...msg.properties, headers, persistent: true }, (err) => (err ? reject(err) : resolve()));
    });
  }

  async function sendDeadLetter(msg: RawMessage, queue: string, reason: string): Promise<void> {
    const headers = {
      ...(msg.properties.headers ?? {}),
      [DEAD_LETTER_HEADERS.reason]: reason.slice(0, 1000),
      [DEAD_LETTER_HEADERS.queue]: queue,
      [DEAD_LETTER_HEADERS.attempts]: Number((msg.properties.headers ?? {})[ATTEMPT_HEADER] ?? 1),
    };
    await publishRaw(n.dlx, msg.routingKey, msg, headers);
  }

  const reattaching = new Set<Subscription>();
  function scheduleReattach(sub: Subscription, delayMs = 500): void {
    if (reattaching.has(sub)) return;
    reattaching.add(sub);
    setTimeout(async () => {
      reattaching.delete(sub);
      if (closing || sub.attached || !subscriptionIsLive(sub)) return;
      try {
        await ready;
        if (sub.attached || closing) return; // the connection's setup did it
        await attach(connection, sub);
        log.info({ queue: sub.spec.queue }, 're-attached a consumer the broker had closed');
      } catch (err) {
        log.warn({ err: (err as Error).message, queue: sub.spec.queue }, 're-attaching a consumer failed; trying again');
        scheduleReattach(sub, Math.min(delayMs * 2, 5_000));
      }
    }, delayMs).unref();
  }
  const subscriptionIsLive = (sub: Subscription) => subscriptions.includes(sub) || [...workSubs.values()].includes(sub);

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
    // Watchers answer at once: a reconnected process need not wait a period to hear of them
    // (the first connect asks once its presence queue exists, below).
    if (presenceAttached) liveChannel.publish(n.events, PRESENCE_KEYS.who, Buffer.from('{}'), { persistent: false });
    markReady();
  }

  const connection = await amqp.connect(opts.url, {
    // Without it Nagle's algorithm holds a small frame (an ack, a publish) until the previous
    // segment is acknowledged, and Linux delays that acknowledgement by up to 40 ms: with a
    // delivery acked per task, every task of a type would wait ~40 ms for the next (profiled).
    noDelay: true,
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

  /** Publishes with confirms, one broker message each; resolves when the broker confirmed all. */
  async function publishEach(messages: OutgoingMessage[]): Promise<void> {
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

  /** Work messages of one type as ONE broker message (work-bundles.ts), each item with its own span. */
  async function publishBundle(messages: OutgoingMessage[]): Promise<void> {
    if (messages.length <= 1) return publishEach(messages);
    await ready;
    const ch = publishChannel;
    if (!ch) throw Object.assign(new Error('RabbitMQ is not connected'), { retryable: true });
    const exchange = exchangeName('work');
    const routingKey = messages[0]!.routingKey;
    const spans = messages.map((m) => startPublishSpan({ exchange, routingKey, messageId: m.id, bodySize: m.body.length }, m.headers));
    const end = (err?: unknown) => spans.forEach((sp) => sp.end(err ?? undefined));
    const body = encodeBundle(messages.map((m, i) => ({ id: m.id, headers: spans[i]!.headers, body: m.body })));
    await new Promise<void>((resolve, reject) => {
      try {
        ch.publish(exchange, routingKey, body, {
          persistent: true,
          messageId: randomUUID(),
          contentType: 'application/json',
          headers: { [BUNDLE_HEADER]: messages.length },
          timestamp: Math.floor(Date.now() / 1000),
        }, (err) => {
          end(err);
          if (err) reject(err);
          else resolve();
        });
      } catch (err) {
        end(err);
        reject(err);
      }
    });
  }

  const bundler = opts.workBundleLimit ? createWorkBundler<OutgoingMessage>(opts.workBundleLimit, publishBundle) : undefined;

  /**
   * Publishes with confirms; resolves when the broker confirmed all, rejects if any failed.
   * Work messages are bundled per type when the bus was created with workBundleLimit.
   */
  async function publish(messages: OutgoingMessage[]): Promise<void> {
    if (!bundler) return publishEach(messages);
    const work = messages.filter((m) => m.exchange === 'work');
    if (work.length === 0) return publishEach(messages);
    await Promise.all([publishEach(messages.filter((m) => m.exchange !== 'work')), ...work.map((m) => bundler.publish(m))]);
  }

  /**
   * Live-only copies (progress, logs, a free task's end...): not persistent, no confirm, no
   * span, dropped while the broker is away. Only live streams read them, and with no stream
   * bound the broker discards them on arrival; the task document is their truth.
   */
  function announce(messages: OutboxEntryLike[]): void {
    const ch = liveChannel;
    if (!ch) return;
    const viewed = presence.anyWatching();
    for (const m of messages) {
      if (m.viewersOnly && !viewed) continue;
      ch.publish(exchangeName(m.exchange), m.routingKey, Buffer.from(m.body), {
        persistent: false,
        messageId: m.id,
        contentType: 'application/json',
        headers: m.headers,
      });
    }
  }

  /** Says on the events exchange that this process watches (ttl) or stopped (0). */
  const sayWatching = (ttlMs: number) =>
    publish([{ id: randomUUID(), exchange: 'events', routingKey: PRESENCE_KEYS.watching, body: JSON.stringify({ watcher: watcherId, ttlMs }), headers: {} }]);

  // Every process hears who watches; a watching one answers who asks.
  const presenceSub: Subscription = {
    spec: { queue: n.serviceQueue('presence', watcherId), exclusive: true, traced: false, bindings: { exchange: 'events', keys: [PRESENCE_KEYS.watching, PRESENCE_KEYS.who] } },
    handler: async (d) => {
      if (d.routingKey === PRESENCE_KEYS.who) {
        if (presenceTimer) await sayWatching(PRESENCE_TTL_MS).catch(() => undefined);
        return;
      }
      const word = parsePresence(d.body);
      if (word) presence.heard(word);
      else log.warn('dropped a malformed live.watching message');
    },
    attached: false,
  };
  subscriptions.push(presenceSub);
  await attach(connection, presenceSub);
  presenceAttached = true;
  (liveChannel as Channel | null)?.publish(n.events, PRESENCE_KEYS.who, Buffer.from('{}'), { persistent: false });

  return {
    names: n,
    publish,
    announce,

    /**
     * A gateway's live streams opened: viewer-only events are wanted from now on. Resolves once
     * every process's presence queue holds the word (confirmed), and repeats it while watching.
     */
    async watch(): Promise<void> {
      presence.heard({ watcher: watcherId, ttlMs: PRESENCE_TTL_MS });
      if (!presenceTimer) {
        presenceTimer = setInterval(() => {
          presence.heard({ watcher: watcherId, ttlMs: PRESENCE_TTL_MS });
          sayWatching(PRESENCE_TTL_MS).catch((err) => log.warn({ err: (err as Error).message }, 'could not say that this gateway watches'));
        }, PRESENCE_EVERY_MS);
        presenceTimer.unref();
      }
      await sayWatching(PRESENCE_TTL_MS);
    },

    /** The last stream closed: viewer-only events are no longer wanted by this process. */
    async unwatch(): Promise<void> {
      if (presenceTimer) clearInterval(presenceTimer);
      presenceTimer = undefined;
      presence.heard({ watcher: watcherId, ttlMs: 0 });
      await sayWatching(0).catch(() => undefined);
    },

    /** Whether some gateway watches now (viewer-only events are being published). */
    viewersWatching(): boolean {
      return presence.anyWatching();
    },

    /** Whether the broker connection is up now; false while reconnecting. */
    isConnected(): boolean {
      return publishChannel !== null && !closing;
    },

    /** Readiness (/readyz): connected, and every consumer of this process attached to its queue. */
    isReady(): boolean {
      return publishChannel !== null && !closing && [...subscriptions, ...workSubs.values()].every((s) => s.attached);
    },

    /** Messages ready and consumers attached on a queue (metrics); undefined when it does not exist. */
    async inspectQueue(queue: string): Promise<{ messages: number; consumers: number } | undefined> {
      await ready;
      const ch = await connection.createChannel();
      ch.on('error', () => undefined); // a missing queue closes the channel (404)
      try {
        const q = await ch.checkQueue(queue);
        return { messages: q.messageCount, consumers: q.consumerCount };
      } catch {
        return undefined;
      } finally {
        await ch.close().catch(() => undefined);
      }
    },

    /**
     * Puts a message on a TTL wait queue (delayed retry). The queue is declared on every send:
     * an idle wait queue deletes itself (x-expires), so "declared once" would not stay true.
     */
    async sendDelayed(delayMs: number, targetQueue: string, body: string, headers: Record<string, string> = {}): Promise<void> {
      await ready;
      const ch = await connection.createChannel();
      try {
        await declareDelayQueue(ch, n, delayMs, targetQueue);
      } finally {
        await ch.close().catch(() => undefined);
      }
      await publish([{ id: randomUUID(), exchange: 'direct', routingKey: n.delayQueue(delayMs), body, headers }]);
    },

    /** Announces one live-only event (progress, a log line): no confirm, see announce. */
    announceEvent<S extends z.ZodType>(
      contract: MessageContract<S>,
      payload: z.infer<S>,
      meta: { tenantId: string; taskId?: string; headers?: Record<string, string> },
      opts: { viewersOnly?: boolean } = {},
    ): void {
      // Not even built while nobody watches (progress and log lines are the most frequent events).
      if (opts.viewersOnly && !presence.anyWatching()) return;
      const env = createEnvelope(contract, payload, meta);
      announce([{ id: env.messageId, exchange: 'events', routingKey: contract.name, body: JSON.stringify(env), headers: meta.headers ?? {}, viewersOnly: opts.viewersOnly }]);
    },

    /**
     * Subscribes a typed handler to a queue: each message is parsed as an envelope of one of
     * `contracts` (by name and version, payload validated) before the handler sees it; one that
     * is not goes to the dead-letter queue with the reason. Bindings default to the contracts'
     * names on the events exchange. Re-established after every reconnect and channel close.
     */
    async on<const C extends readonly MessageContract<z.ZodType>[]>(
      spec: QueueSpec & {
        /**
         * What to do with a message that is not one of `contracts` (default 'dead-letter').
         * 'drop': log and ack, for queues whose messages have a copy elsewhere (live-stream
         * copies; the dead-letter queue's own listeners, which must never dead-letter again).
         */
        invalid?: 'dead-letter' | 'drop';
      },
      contracts: C,
      handler: EnvelopeHandler<PayloadUnion<C>>,
    ): Promise<SubscriptionHandle> {
      const byName = new Map<string, MessageContract<z.ZodType>>(contracts.map((c) => [c.name, c]));
      return this.subscribe(spec, async (d) => {
        let envelope: Envelope;
        try {
          envelope = parseAny(byName, d.body);
        } catch (err) {
          if (spec.invalid !== 'drop') throw err;
          log.warn({ queue: spec.queue, err: (err as Error).message }, 'dropped a message this queue cannot read');
          return;
        }
        const h = d.headers;
        const deathReason = typeof h[DEAD_LETTER_HEADERS.reason] === 'string' ? (h[DEAD_LETTER_HEADERS.reason] as string) : typeof h['x-first-death-reason'] === 'string' ? (h['x-first-death-reason'] as string) : undefined;
        await handler({ envelope: envelope as Envelope<PayloadUnion<C>>, traceHeaders: traceHeadersOf(h), routingKey: d.routingKey ?? '', redelivered: d.redelivered, deathReason });
      });
    },

    /** Subscribes a handler on raw deliveries; acked on success. Used by `on`; services use `on`. */
    async subscribe(spec: QueueSpec, handler: MessageHandler): Promise<SubscriptionHandle> {
      const sub: Subscription = { spec, handler, attached: false };
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
    async consumeWork(
      type: string,
      handler: WorkHandler,
      opts: {
        prefetch?: number;
        /** Called when deliveries arrive while one is being handled, with those waiting: the handler may prepare them. */
        onArrival?: (waiting: readonly Delivery[]) => void;
      } = {},
    ): Promise<WorkConsumer> {
      const sub: Subscription = {
        spec: { queue: n.workQueue(type), prefetch: opts.prefetch ?? 1 },
        handler: async () => undefined,
        manualAck: true,
        declare: (ch) => declareWorkQueue(ch, n, type),
        attached: false,
      };
      let busy = 0;
      let chain: Promise<void> = Promise.resolve();
      /** Deliveries here but not yet handed over, in order: what the handler may look ahead at. */
      const waiting: Delivery[] = [];
      let arrivalQueued = false;
      sub.handler = (d) => {
        busy++;
        waiting.push(d);
        // Once for all that arrive together (the items of a bundle are handed over in one go).
        if (busy > 1 && opts.onArrival && !arrivalQueued) {
          arrivalQueued = true;
          queueMicrotask(() => {
            arrivalQueued = false;
            opts.onArrival!(waiting);
          });
        }
        const run = chain.then(async () => {
          const i = waiting.indexOf(d);
          if (i >= 0) waiting.splice(i, 1);
          try {
            // Handed over even when its channel closed while it waited (the broker has requeued
            // it already): the handler may hold something for it (see WorkHandler) to let go of.
            await handler(d, waiting);
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
      if (presenceTimer) await this.unwatch();
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

/** Parses an envelope of one of the given contracts; ContractViolation (dead-lettered) otherwise. */
function parseAny(byName: Map<string, MessageContract<z.ZodType>>, raw: Buffer): Envelope {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString());
  } catch {
    throw new ContractViolation('body is not JSON');
  }
  const env = envelopeSchema.safeParse(json);
  if (!env.success) throw new ContractViolation(`bad envelope: ${describeIssues(env.error)}`);
  const contract = byName.get(env.data.name);
  if (!contract) throw new ContractViolation(`${env.data.name} is not a message this queue takes (${[...byName.keys()].join(', ')})`);
  if (env.data.version !== contract.version) throw new ContractViolation(`${contract.name}: version ${env.data.version} is not understood (expected ${contract.version})`);
  const payload = contract.payload.safeParse(env.data.payload);
  if (!payload.success) throw new ContractViolation(`${contract.name}: bad payload: ${describeIssues(payload.error)}`);
  return { ...env.data, payload: payload.data };
}
