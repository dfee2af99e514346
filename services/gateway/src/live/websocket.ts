// WebSocket at /v1/ws: the same live events as SSE, one JSON text frame each. Runs in noServer
// mode on the HTTP server's `upgrade` event, so authentication (Bearer header, `?apiKey=`, or the
// task center's session cookie) and the tenant check answer with a plain HTTP error before any
// upgrade. The browser sends the cookie on a handshake from any page, and the same-origin policy
// does not apply to WebSockets: a cookie handshake is accepted only with an Origin of this very
// gateway, or a foreign page could read the victim's events (Cross-Site WebSocket Hijacking, 403).
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '@loom/telemetry';
import { apiKeyOf, type Authenticator, type Principal } from '../http/auth';
import { RouteNotFoundError, UnauthenticatedError, ValidationError, toErrorResponse } from '../http/errors';
import { checkOrigin, sessionOf, sessionTokenOf } from '../http/session-auth';
import type { SessionStore } from '../session/session-store';
import { liveQuery } from '../http/schemas';
import type { TaskService } from '../tasks/task-service';
import type { LiveHub } from './live-hub';
import { openLiveStream } from './live-stream';

export interface LiveWebSocketOptions {
  auth: Authenticator;
  /** Task center sessions; without them only API keys open the socket. */
  sessions?: SessionStore;
  hub: LiveHub;
  tasks: Pick<TaskService, 'get'>;
  logger: Logger;
  /** Default /v1/ws. */
  path?: string;
  /** Ping every this many ms (default 15 s); a client that did not answer the previous ping is dropped. */
  pingMs?: number;
  /** A client this far behind (default 1 MiB unsent) is dropped rather than buffered without end. */
  maxBufferedBytes?: number;
}

export function attachLiveWebSocket(server: http.Server, opts: LiveWebSocketOptions): { close(): void } {
  const { auth, sessions, hub, tasks, logger, path = '/v1/ws', pingMs = 15_000, maxBufferedBytes = 1 << 20 } = opts;
  // Clients only listen: a tiny maxPayload bounds what they can make us read.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });

  async function onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== path) throw new RouteNotFoundError(`no WebSocket endpoint at ${url.pathname}`);
    const { principal, stillValid } = await callerOf(req, url);
    const query = liveQuery.safeParse(Object.fromEntries(url.searchParams));
    if (!query.success) throw ValidationError.fromZod(query.error);

    let ws: WebSocket | undefined;
    const stream = await openLiveStream({
      hub,
      tasks,
      principal,
      stillValid,
      taskId: query.data.taskId,
      sink: {
        send(e) {
          if (!ws || ws.readyState !== ws.OPEN) return;
          if (ws.bufferedAmount > maxBufferedBytes) return void ws.terminate();
          ws.send(JSON.stringify(e));
        },
        // 1008 (policy violation): the credentials ended; 1001: the gateway is going away.
        close: (why) => (why === 'revoked' ? ws?.close(1008, 'the API key or session has ended') : ws?.close(1001, 'gateway shutting down')),
      },
    });
    if (socket.destroyed) return stream.stop();
    // A handshake the WebSocket library refuses (no Sec-WebSocket-Key, a wrong version, ...) is
    // answered 400 and never reaches the callback below: its subscription must go with its socket,
    // or it buffers every event of the tenant for good.
    socket.once('close', () => {
      if (!ws) stream.stop();
    });

    wss.handleUpgrade(req, socket, head, (client) => {
      ws = client;
      let alive = true;
      client.on('pong', () => (alive = true));
      const ping = setInterval(() => {
        if (!alive) return void client.terminate();
        alive = false;
        client.ping();
      }, pingMs);
      ping.unref();
      client.on('close', () => {
        clearInterval(ping);
        stream.stop();
      });
      client.on('error', (err) => logger.debug({ err: err.message }, 'websocket error'));
      stream.start();
    });
  }

  /** The caller: a key when one is sent (then the cookie is not looked at), else a live session from this origin. */
  async function callerOf(req: http.IncomingMessage, url: URL): Promise<{ principal: Principal; stillValid: () => Promise<boolean> }> {
    const key = apiKeyOf(req.headers, url, true);
    if (key) {
      const principal = await auth.authenticate(key);
      if (!principal) throw new UnauthenticatedError('unknown API key');
      return { principal, stillValid: async () => (await auth.authenticate(key)) !== null };
    }
    const found = await sessionOf(req, sessions);
    if (!found) {
      throw new UnauthenticatedError(
        sessions && sessionTokenOf(req.headers.cookie) ? 'the session has ended: sign in again' : 'missing API key: send Authorization: Bearer <key> or ?apiKey=',
      );
    }
    checkOrigin(req.headers, { required: true });
    return { principal: found.session.principal, stillValid: async () => (await sessions!.find(found.token)) !== null };
  }

  const listener = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    onUpgrade(req, socket, head).catch((err) => {
      const { status, body } = toErrorResponse(err);
      if (status >= 500) logger.error({ err }, 'websocket upgrade failed');
      rejectUpgrade(socket, status, JSON.stringify(body));
    });
  };
  server.on('upgrade', listener);

  return {
    close() {
      server.off('upgrade', listener);
      for (const client of wss.clients) client.terminate();
      wss.close();
    },
  };
}

function rejectUpgrade(socket: Duplex, status: number, body: string): void {
  if (socket.destroyed) return;
  const extra = status === 401 ? 'WWW-Authenticate: Bearer\r\n' : '';
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      extra +
      'Connection: close\r\n\r\n' +
      body,
  );
}
