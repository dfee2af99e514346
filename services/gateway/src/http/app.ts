// The express app of the gateway, built from injected dependencies so tests run it in-process
// against real servers. Order: health (no auth), the OpenAPI document (no auth), then /v1
// behind the API key, with the body parsed only after the caller is known.
import express, { type Express } from 'express';
import type { Logger } from '@loom/telemetry';
import { sseHandler } from '../live/sse';
import type { LiveHub } from '../live/live-hub';
import type { AccountService } from '../billing/account-service';
import type { BatchService } from '../billing/batch-service';
import type { LimitsService } from '../limits/limits-service';
import type { TaskCatalog } from '../tasks/task-catalog';
import type { TaskService } from '../tasks/task-service';
import { accountRouter } from './account.routes';
import { adminRouter } from './admin.routes';
import type { QueueStatsQueries } from '@loom/store';
import type { SessionStore } from '../session/session-store';
import type { KeyAdmin } from '../keys/key-admin';
import { webRouter } from '../web/static';
import type { Authenticator } from './auth';
import { queuesRouter } from './queues.routes';
import { requireCaller } from './session-auth';
import { sessionRouter } from './session.routes';
import { batchesRouter } from './batches.routes';
import { errorMiddleware, notFoundMiddleware, UpgradeRequiredError } from './errors';
import { buildOpenApiDocument } from './openapi';
import { methodNotAllowed } from './routes';
import { tasksRouter } from './tasks.routes';
import { webhooksRouter, type WebhookDeps } from './webhooks.routes';

export interface GatewayDeps {
  /** The use cases (createTaskService over the store and the catalog). */
  tasks: TaskService;
  catalog: TaskCatalog;
  auth: Authenticator;
  live: LiveHub;
  logger: Logger;
  /** Largest accepted JSON body (express/bytes syntax, e.g. "256kb"); larger answers 413. */
  bodyLimit: string;
  /** /readyz: whether MongoDB and RabbitMQ are connected. */
  isReady(): boolean | Promise<boolean>;
  /** SSE heartbeat period (default 15 s). */
  sseHeartbeatMs?: number;
  /** Provider webhooks (POST /v1/webhooks/:provider); signed by the provider, not by an API key. */
  webhooks?: WebhookDeps;
  /** Credits and batches (/v1/account, /v1/admin, /v1/batches); an app built without them (focused tests) does not serve those. */
  billing?: { accounts: AccountService; batches: BatchService };
  /** Tenant limits: operators set them (/v1/admin/tenants/:id/limits), tenants read theirs (/v1/account/limits); served with billing. */
  limits?: LimitsService;
  /** Operators' API keys (/v1/admin/tenants/:id/keys, /v1/admin/keys/:id): list, issue, revoke; served with billing. */
  keys?: KeyAdmin;
  /** Task center sign-in (/v1/session); without it only API keys authenticate. */
  sessions?: SessionStore;
  /** GET /v1/queues; an app built without it (focused tests) does not serve it. */
  queueStats?: QueueStatsQueries;
  /** The task center page at / (the built folder; default: found by web/static.ts); false serves no page. */
  webDir?: string | false;
}

export function createApp(deps: GatewayDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // No ETag on API answers: nothing here is revalidated (a 202 least of all), and hashing every
  // body was a per-request cost on the submit path. The page's files keep theirs (web/static.ts).
  app.set('etag', false);
  // First: a known path asked with a method it lacks answers 405 + Allow (read from the routes below).
  app.use(methodNotAllowed(app));
  const { tasks } = deps;

  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    const ready = await Promise.resolve(deps.isReady()).catch(() => false);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready' });
  });

  let openapi: ReturnType<typeof buildOpenApiDocument> | undefined;
  app.get('/v1/openapi.json', (_req, res) => void res.json((openapi ??= buildOpenApiDocument({ taskTypes: deps.catalog.describe() }))));

  // API keys, or the task center's session cookie (with its CSRF check on writes).
  const auth = requireCaller(deps.auth, deps.sessions);
  if (deps.sessions) app.use('/v1/session', express.json({ limit: '4kb' }), sessionRouter({ auth: deps.auth, sessions: deps.sessions }));
  const json = express.json({ limit: deps.bodyLimit });
  app.use('/v1/tasks', auth, json, tasksRouter(tasks));
  if (deps.billing) {
    app.use('/v1/batches', auth, json, batchesRouter(deps.billing.batches));
    app.use('/v1/account', auth, accountRouter(deps.billing.accounts, deps.limits));
    app.use('/v1/admin', auth, json, adminRouter(deps.billing.accounts, deps.limits, deps.keys));
  }
  if (deps.queueStats) app.use('/v1/queues', auth, queuesRouter({ stats: deps.queueStats, types: () => deps.catalog.describe().map((t) => t.type) }));
  app.get('/v1/task-types', auth, (_req, res) => void res.json(deps.catalog.describe()));
  // EventSource cannot set headers: the live streams also take ?apiKey=.
  app.get('/v1/events', requireCaller(deps.auth, deps.sessions, { allowQueryKey: true }), sseHandler({ hub: deps.live, tasks, heartbeatMs: deps.sseHeartbeatMs }));

  // The WebSocket endpoint (live/websocket.ts) answers upgrades on the server; a plain GET gets 426.
  app.get('/v1/ws', (_req, res) => {
    res.setHeader('Upgrade', 'websocket');
    throw new UpgradeRequiredError('GET /v1/ws is a WebSocket endpoint: send Connection: Upgrade and Upgrade: websocket');
  });
  if (deps.webhooks) app.use('/v1/webhooks', webhooksRouter(deps.webhooks));

  if (deps.webDir !== false) app.use(webRouter(deps.webDir));

  app.use(notFoundMiddleware);
  app.use(errorMiddleware(deps.logger));
  return app;
}
