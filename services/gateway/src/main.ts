// gateway: the platform's only public HTTP surface (REST API, live events over SSE and
// WebSocket, OpenAPI document). It writes tasks through the store's outbox and reads them;
// the scheduler and executors take it from there.
import './instrument'; // first: telemetry must patch node:http and express before they load
import { createBilling } from '@loom/billing';
import { loadEnv, loadTaskTypes } from '@loom/config';
import { resolveHandlers } from '@loom/handlers';
import { createBus, workBundleFor } from '@loom/messaging';
import { createProviderRegistry } from '@loom/providers';
import { createObjectStorage } from '@loom/storage';
import { runService, startHealthServer } from '@loom/service-runtime';
import { connectMongo, createStore, startServiceOutbox } from '@loom/store';
import { createLogger, observeOutboxBacklog, recordSubmissionRefused } from '@loom/telemetry';
import { createApp } from './http/app';
import { createAccountService } from './billing/account-service';
import { createBatchService } from './billing/batch-service';
import { createAuthenticator } from './http/auth';
import { listen } from './http/server';
import { createLiveHub } from './live/live-hub';
import { createSessionStore } from './session/session-store';
import { createKeyAdmin } from './keys/key-admin';
import { subscribeLiveEvents } from './live/live-source';
import { attachLiveWebSocket } from './live/websocket';
import { createTaskCatalog } from './tasks/task-catalog';
import { createTaskService } from './tasks/task-service';
import { createTenantLimiter, WAITING_STATUSES } from './limits/tenant-limiter';
import { createLimitsService } from './limits/limits-service';

const logger = createLogger('gateway');

runService('gateway', logger, async () => {
  // 1. Configuration: fail fast on a bad env, task types file or unknown handler.
  const env = loadEnv();
  const types = loadTaskTypes(env.LOOM_TASK_TYPES_FILE);
  const catalog = createTaskCatalog(types, resolveHandlers(types));

  // 2. Adapters: the bus first, since the store publishes its outbox through it. The task.run
  //    messages of a burst go out bundled per type, as many as the executor may hold of it
  //    (serial-per-type.ts: the same limits the executor prefetches by).
  const serialLimits = { consumerTimeoutMs: env.CONSUMER_TIMEOUT_MS, leaseMs: env.LEASE_MS, heartbeatMs: env.HEARTBEAT_MS };
  const bundleLimits = new Map(Object.entries(types).map(([t, c]) => [t, workBundleFor(c.maxTimeoutMs, serialLimits, c.abortGraceMs)]));
  const bus = await createBus({ url: env.AMQP_URL, namespace: env.LOOM_NAMESPACE, logger, workBundleLimit: (type) => bundleLimits.get(type) ?? 1 });
  const conn = await connectMongo(env.MONGO_URL);
  const outbox = await startServiceOutbox({ conn, bus, writerName: 'gateway', deadAfterMs: env.OUTBOX_WRITER_DEAD_MS, logger });
  observeOutboxBacklog(() => outbox.pending); // loom.outbox.backlog, read when scraped
  const store = await createStore(conn, outbox);
  // Settlement's collections: the gateway writes only what must answer at once (holds, batches, grants).
  const billing = await createBilling(conn);

  // 3. Live events: one exclusive queue for this process, fanned out to its streams.
  const live = createLiveHub({ onSendError: (err) => logger.debug({ err }, 'live stream write failed') });
  await subscribeLiveEvents(bus, live, logger);

  // 4. HTTP, with the WebSocket endpoint on the same server.
  const storage = createObjectStorage(process.env);
  // Per-tenant submission limits, shared by every replica through the tenant's document.
  const limiter = createTenantLimiter({
    limits: store.tenantLimits,
    countWaiting: (tenantId) => store.queries.count({ tenantId, statuses: WAITING_STATUSES }),
    defaults: { submitsPerSecond: env.TENANT_SUBMITS_PER_SECOND, burstSeconds: env.TENANT_SUBMIT_BURST_SECONDS, maxWaiting: env.TENANT_MAX_WAITING, recountMs: env.TENANT_WAITING_RECOUNT_MS },
    onBackgroundError: (err) => logger.warn({ err }, 'giving back reserved submission slots failed (the next recount corrects it)'),
    onRefused: (limit) => recordSubmissionRefused(limit),
  });
  const tasks = createTaskService({ store, catalog, billing, limiter, presign: (key) => storage.presignGet(key) });
  const providers = createProviderRegistry(process.env);
  const auth = createAuthenticator(store.apiKeys);
  // Task center sign-in: sessions in MongoDB, so every gateway replica knows them.
  const sessions = await createSessionStore(conn);
  const app = createApp({
    tasks,
    catalog,
    auth,
    live,
    logger,
    bodyLimit: env.GATEWAY_BODY_LIMIT,
    billing: { accounts: createAccountService({ billing, apiKeys: store.apiKeys }), batches: createBatchService({ store, catalog, billing, limiter }) },
    limits: createLimitsService({ limits: store.tenantLimits, limiter }),
    webhooks: { providers: (name) => providers.has(name) ? providers(name) : undefined, bus, deliveries: store.providerJobs.deliveries, logger },
    isReady: () => conn.readyState === 1 && bus.isReady(),
    sessions,
    keys: createKeyAdmin({ apiKeys: store.apiKeys, auth, sessions }),
    queueStats: store.queueStats,
  });
  const http = await listen(app, env.GATEWAY_PORT);
  const ws = attachLiveWebSocket(http.server, { auth, sessions, hub: live, tasks, logger });
  // 5. Probes and Prometheus metrics on the internal health port, off the public API.
  const health = await startHealthServer(env.HEALTH_PORT, () => conn.readyState === 1 && bus.isReady());

  return {
    url: `http://127.0.0.1:${http.port}`,
    metricsUrl: `http://127.0.0.1:${health.port}/metrics`,
    // Reverse order: stop taking requests and end the streams, then the relay, then connections.
    async stop() {
      const closing = http.close();
      ws.close();
      live.closeAll();
      await closing;
      await outbox.stop();
      await bus.close();
      await conn.close();
      await health.close();
    },
  };
});
