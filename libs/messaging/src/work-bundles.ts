// Work bundles: several task.run messages of one type in ONE broker message, so that a burst of
// submissions costs the broker (a quorum queue: a Raft log write per message) and both ends
// (a frame, a confirm, a delivery, an ack) a fraction of a message per task.
//
// The publisher side (createWorkBundler): the work messages published within one turn of the
// event loop wait to the end of that turn and go out per type in bundles of at most the type's
// limit (serial-per-type.ts workBundleFor), in the order they were published; a lone message
// goes out as it is. Each caller's promise settles with its bundle's confirm.
//
// The consumer side (decodeBundle): bus.ts hands each item to the handler as a delivery of its
// own, with its own body and trace headers, and acks the broker's message once every item of it
// is settled (acked or dead-lettered one by one). An item the executor leaves unacked (it stops,
// its channel closed) keeps the whole message unacked: the broker returns it to the standby,
// which skips the items whose tasks have ended, as it does any redelivery.
import { z } from 'zod';

/** Marks a bundle; its value is the number of items. */
export const BUNDLE_HEADER = 'x-loom-bundle';

export interface BundleItem {
  /** The item's own message id. */
  id: string;
  /** Its own headers (trace context). */
  headers: Record<string, string>;
  body: string;
}

const bundleSchema = z.object({
  items: z
    .array(z.object({ id: z.string().min(1), headers: z.record(z.string(), z.string()), body: z.string() }).strict())
    .min(1),
});

export function encodeBundle(items: BundleItem[]): Buffer {
  return Buffer.from(JSON.stringify({ items }));
}

/** The items of a bundle; an Error saying what is wrong with one that is not. */
export function decodeBundle(content: Buffer): BundleItem[] | Error {
  let json: unknown;
  try {
    json = JSON.parse(content.toString());
  } catch {
    return new Error('work bundle: body is not JSON');
  }
  const parsed = bundleSchema.safeParse(json);
  if (!parsed.success) return new Error(`work bundle: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return parsed.data.items;
}

export interface WorkBundler<M> {
  /** Resolves once the broker confirmed the message (alone or in its bundle). */
  publish(m: M): Promise<void>;
}

/**
 * Coalesces the work messages of one turn per routing key (the type) into bundles of at most
 * `limitOf(type)` (a limit of 1 or less publishes at once). `send` publishes one message or one
 * bundle and resolves on its confirm.
 */
export function createWorkBundler<M extends { routingKey: string }>(limitOf: (type: string) => number, send: (messages: M[]) => Promise<void>): WorkBundler<M> {
  let pending = new Map<string, { m: M; resolve(): void; reject(err: unknown): void }[]>();
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    const byType = pending;
    pending = new Map();
    for (const [type, waiting] of byType) {
      const limit = Math.max(1, limitOf(type));
      for (let i = 0; i < waiting.length; i += limit) {
        const chunk = waiting.slice(i, i + limit);
        send(chunk.map((w) => w.m)).then(
          () => chunk.forEach((w) => w.resolve()),
          (err: unknown) => chunk.forEach((w) => w.reject(err)),
        );
      }
    }
  }

  return {
    publish(m) {
      if (limitOf(m.routingKey) <= 1) return send([m]);
      return new Promise<void>((resolve, reject) => {
        const list = pending.get(m.routingKey) ?? [];
        list.push({ m, resolve, reject });
        pending.set(m.routingKey, list);
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
  };
}
