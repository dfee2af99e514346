// The outbox: events written into the task document in the same atomic update as the state
// change they announce, published after the write, then removed. With no multi-document
// transactions, this is what keeps a state change and its event from being lost apart.
import type { Envelope, MessageContract } from '@loom/contracts';
import { createEnvelope } from '@loom/contracts';
import type { z } from 'zod';

/** Logical exchanges; the messaging lib maps them to namespaced names. */
export type OutboxExchange = 'events' | 'work';

export interface OutboxEntry {
  id: string;
  exchange: OutboxExchange;
  routingKey: string;
  body: string;
  headers: Record<string, string>;
  createdAt: Date;
  /** The writer (process) that stored it; see outbox-publisher.ts for why. */
  by?: string;
  /** A live-only copy: announced without a confirm, never stored. */
  live?: boolean;
  /** Of the live-only copies, one only viewers read: not even announced while nobody watches. */
  viewersOnly?: boolean;
}

/** Publishes entries with confirms; resolves once the broker has confirmed every one. */
export type OutboxPublish = (entries: OutboxEntry[]) => Promise<void>;

export interface EventMeta {
  tenantId: string;
  taskId: string;
  causationId?: string;
  headers?: Record<string, string>;
}

export function outboxEvent<S extends z.ZodType>(contract: MessageContract<S>, payload: z.infer<S>, meta: EventMeta): OutboxEntry {
  return toEntry('events', contract.name, createEnvelope(contract, payload, meta), meta.headers);
}

/**
 * A live-only event a service listens for (a cancel request, a task now waiting on a provider):
 * never stored in the outbox, published without a confirm (the task document is its truth, and
 * its listeners find it there if the copy is lost).
 */
export function liveEvent<S extends z.ZodType>(contract: MessageContract<S>, payload: z.infer<S>, meta: EventMeta): OutboxEntry {
  return { ...outboxEvent(contract, payload, meta), live: true };
}

/**
 * A live-only event only viewers read (queued, started, a free task's end): like liveEvent, and
 * announced only while some gateway has a live stream open (libs/messaging viewer-presence.ts).
 */
export function viewerEvent<S extends z.ZodType>(contract: MessageContract<S>, payload: z.infer<S>, meta: EventMeta): OutboxEntry {
  return { ...outboxEvent(contract, payload, meta), live: true, viewersOnly: true };
}

/**
 * Routing key suffix of a terminal event that settlement must see (the task holds credits or
 * belongs to a batch). Other terminal events are live-only: settlement receives only what
 * concerns it, and nothing is confirmed for a free task's end.
 */
export const SETTLE_SUFFIX = '.settle';

/** A terminal event: durable and routed to settlement when the task is billable, for viewers only otherwise. */
export function terminalEvent<S extends z.ZodType>(
  contract: MessageContract<S>,
  payload: z.infer<S>,
  meta: EventMeta,
  billable: boolean,
): OutboxEntry {
  const e = outboxEvent(contract, payload, meta);
  return billable ? { ...e, routingKey: `${contract.name}${SETTLE_SUFFIX}` } : { ...e, live: true, viewersOnly: true };
}

/** A task.run command routed on the work exchange by task type. */
export function outboxWork<S extends z.ZodType>(
  contract: MessageContract<S>,
  type: string,
  payload: z.infer<S>,
  meta: EventMeta,
): OutboxEntry {
  return toEntry('work', type, createEnvelope(contract, payload, meta), meta.headers);
}

function toEntry(exchange: OutboxExchange, routingKey: string, env: Envelope, headers: Record<string, string> = {}): OutboxEntry {
  return { id: env.messageId, exchange, routingKey, body: JSON.stringify(env), headers, createdAt: new Date() };
}
