// The live events of GET /v1/events as an async iterator that survives disconnects: each event
// carries an id, and a reconnect sends the last one as Last-Event-ID, so the gateway replays
// what the stream missed (or, when it no longer knows, sends a fresh task.snapshot or a
// stream.reset). Parsing by eventsource-parser; the request is plain fetch, so it can carry the
// Authorization header, which a browser EventSource cannot.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { LoomApiError } from './errors';
import type { components } from './generated/openapi';

export type LiveEvent = components['schemas']['LiveEvent'] & { /** The SSE id: resume after it. */ id?: string };

export interface LiveEventsOptions {
  baseUrl: string;
  headers: Record<string, string>;
  fetch: typeof fetch;
  /** Only this task's events (a task.snapshot comes first). */
  taskId?: string;
  /** Resume after this event id. */
  lastEventId?: string;
  signal?: AbortSignal;
  /** Delays between reconnects, ms (default 250, 500, 1000, then 2000 each time). */
  backoffMs?: number[];
  /** Called on each reconnect, with the error that ended the stream (for logs). */
  onReconnect?: (err: unknown, attempt: number) => void;
}

const DEFAULT_BACKOFF = [250, 500, 1000, 2000];

export async function* liveEvents(opts: LiveEventsOptions): AsyncGenerator<LiveEvent> {
  const backoff = opts.backoffMs ?? DEFAULT_BACKOFF;
  let lastEventId = opts.lastEventId;
  let failures = 0;
  while (!opts.signal?.aborted) {
    const url = new URL('/v1/events', opts.baseUrl);
    if (opts.taskId) url.searchParams.set('taskId', opts.taskId);
    let res: Response;
    try {
      res = await opts.fetch(url, {
        headers: { ...opts.headers, accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
        signal: opts.signal,
      });
    } catch (err) {
      if (opts.signal?.aborted) return;
      opts.onReconnect?.(err, ++failures);
      await sleep(backoff[Math.min(failures - 1, backoff.length - 1)]!, opts.signal);
      continue;
    }
    // An answer that is not the stream (401, 404, 400) will not change by retrying.
    if (!res.ok || !res.body) {
      const body = await res.json().catch(() => null);
      throw LoomApiError.fromResponse(res.status, body, 'GET /v1/events');
    }
    const queue: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (m) => void queue.push(m) });
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        parser.feed(decoder.decode(chunk, { stream: true }));
        while (queue.length > 0) {
          const m = queue.shift()!;
          if (m.id) lastEventId = m.id;
          failures = 0;
          yield { ...(JSON.parse(m.data) as LiveEvent), ...(m.id ? { id: m.id } : {}) };
        }
      }
      opts.onReconnect?.(new Error('the stream ended'), ++failures);
    } catch (err) {
      if (opts.signal?.aborted) return;
      opts.onReconnect?.(err, ++failures);
    }
    await sleep(backoff[Math.min(Math.max(failures, 1) - 1, backoff.length - 1)]!, opts.signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
