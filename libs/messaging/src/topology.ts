// The whole RabbitMQ topology, declared in one place. Every name carries the namespace so
// several deployments (or test runs) can share one broker.
//
//   <ns>.events     topic    domain events, routing key = event name (task.succeeded, ...)
//   <ns>.work       direct   task.run commands, routing key = task type
//   <ns>.work.<type>         quorum queue, single active consumer, delivery limit -> <ns>.dlx
//   <ns>.dlx        fanout   dead letters -> <ns>.dead (kept for operators)
//                                        -> <ns>.scheduler.dead (the scheduler fails the task)
//   <ns>.delay.<ms>          TTL wait queue; expired messages dead-letter to <ns>.scheduler.due
import type { Channel } from 'amqplib';

/**
 * How many times a task.run may be delivered before it is a poison message. A redelivery
 * happens when the consumer's channel dies with the delivery unacked (an executor crash, a
 * broker restart), so this also stops a task that kills its executor every time.
 */
export const WORK_DELIVERY_LIMIT = 5;

export function names(ns: string) {
  return {
    events: `${ns}.events`,
    work: `${ns}.work`,
    dlx: `${ns}.dlx`,
    dead: `${ns}.dead`,
    workQueue: (type: string) => `${ns}.work.${type}`,
    delayQueue: (ms: number) => `${ns}.delay.${ms}`,
    serviceQueue: (service: string, purpose?: string) => `${ns}.${service}${purpose ? `.${purpose}` : ''}`,
  };
}
export type Names = ReturnType<typeof names>;

export async function declareExchanges(ch: Channel, n: Names): Promise<void> {
  await ch.assertExchange(n.events, 'topic', { durable: true });
  await ch.assertExchange(n.work, 'direct', { durable: true });
  await ch.assertExchange(n.dlx, 'fanout', { durable: true });
  await ch.assertQueue(n.dead, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await ch.bindQueue(n.dead, n.dlx, '');
}

export const workQueueArguments = (n: Names) => ({
  'x-queue-type': 'quorum',
  'x-single-active-consumer': true,
  'x-delivery-limit': WORK_DELIVERY_LIMIT,
  'x-dead-letter-exchange': n.dlx,
});

export async function declareWorkQueue(ch: Channel, n: Names, type: string): Promise<string> {
  const q = n.workQueue(type);
  await ch.assertQueue(q, { durable: true, arguments: workQueueArguments(n) });
  await ch.bindQueue(q, n.work, type);
  return q;
}

/**
 * A wait queue for one delay: per-message TTLs only expire at the head of a queue, so each
 * distinct delay gets its own queue (backoff delays come from a short fixed series). Idle
 * wait queues delete themselves.
 */
export async function declareDelayQueue(ch: Channel, n: Names, ms: number, target: string): Promise<string> {
  const q = n.delayQueue(ms);
  await ch.assertQueue(q, {
    durable: true,
    arguments: {
      'x-message-ttl': ms,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': target,
      'x-expires': ms + 10 * 60_000,
    },
  });
  return q;
}
