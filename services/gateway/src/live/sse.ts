// GET /v1/events: the live task events as Server-Sent Events (`id: <id>` + `event: <name>` +
// `data: <json>`), with a comment heartbeat so proxies keep the connection open, and cleanup
// when it closes. A reconnecting EventSource sends Last-Event-ID; the stream resumes after it
// (live-stream.ts: replay, or a fresh snapshot when the missed events are not known here).
import type { RequestHandler } from 'express';
import { principalOf } from '../http/auth';
import { stillValidOf } from '../http/session-auth';
import { ValidationError } from '../http/errors';
import { liveHeaders, liveQuery, type LiveEvent } from '../http/schemas';
import type { TaskService } from '../tasks/task-service';
import type { LiveHub } from './live-hub';
import { openLiveStream } from './live-stream';

export interface SseOptions {
  hub: LiveHub;
  tasks: Pick<TaskService, 'get'>;
  /** Comment line every this many ms (default 15 s): below the idle timeouts of common proxies. */
  heartbeatMs?: number;
  /** A client this far behind (bytes its socket has not taken yet; default 1 MiB) is dropped rather than buffered without end. */
  maxBufferedBytes?: number;
}

export function formatSse(e: LiveEvent, id?: string): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${e.event}\ndata: ${JSON.stringify(e)}\n\n`;
}

export function sseHandler({ hub, tasks, heartbeatMs = 15_000, maxBufferedBytes = 1 << 20 }: SseOptions): RequestHandler {
  return async (req, res) => {
    const query = liveQuery.safeParse(req.query);
    if (!query.success) throw ValidationError.fromZod(query.error);
    const headers = liveHeaders.safeParse({ 'last-event-id': req.get('last-event-id') });
    if (!headers.success) throw ValidationError.fromZod(headers.error, 'headers');

    const write = (chunk: string) => {
      if (res.writableEnded || res.destroyed) return;
      if (res.writableLength > maxBufferedBytes) return void res.destroy();
      res.write(chunk);
    };
    const stream = await openLiveStream({
      hub,
      tasks,
      principal: principalOf(res),
      taskId: query.data.taskId,
      lastEventId: headers.data['last-event-id'] ?? query.data.lastEventId,
      sink: { send: (e, id) => write(formatSse(e, id)), close: () => res.end() },
      stillValid: stillValidOf(res),
    });

    // The client may have gone while we looked the task up: then 'close' has already fired.
    if (res.closed || req.socket.destroyed) return stream.stop();

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx and similar proxies would otherwise buffer the stream.
      'x-accel-buffering': 'no',
    });
    write(': connected\n\n');
    stream.start();
    const heartbeat = setInterval(() => write(': ping\n\n'), heartbeatMs);
    heartbeat.unref();
    res.on('close', () => {
      clearInterval(heartbeat);
      stream.stop();
    });
  };
}
