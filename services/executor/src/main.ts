// executor: consumes the per-type work queues (single active consumer: one replica runs a
// type at a time, the others stand by) and runs each task's handler under a lease.
import './instrument'; // first: telemetry must patch node:http and express before they load
import { hostname } from 'node:os';
import { loadEnv, loadProviderPolicies, loadTaskTypes, policyFor } from '@loom/config';
import { TaskCancelRequestedV1 } from '@loom/contracts';
import { resolveHandlers } from '@loom/handlers';
import { assertTimeoutsFit, createBus, workBundleFor, workPrefetchFor, type WorkConsumer } from '@loom/messaging';
import { createProviderRegistry } from '@loom/providers';
import { createObjectStorage } from '@loom/storage';
import { runService, startHealthServer } from '@loom/service-runtime';
import { connectMongo, createStore, startServiceOutbox } from '@loom/store';
import { createLogger, observeOutboxBacklog } from '@loom/telemetry';
import { taskLogMiddleware } from './middleware';
import { createProviderHandler } from './provider.handler';
import { sandboxTypes } from './sandbox';
import { createTaskRunner } from './task-runner';

const logger = createLogger('executor');

runService('executor', logger, async () => {
  const env = loadEnv();
  const types = loadTaskTypes();
  const handlers = resolveHandlers(types);
  const myTypes = env.EXECUTOR_TYPES ? env.EXECUTOR_TYPES.split(',').map((s) => s.trim()).filter(Boolean) : Object.keys(types);
  for (const t of myTypes) if (!types[t]) throw new Error(`EXECUTOR_TYPES names ${t}, which is not a configured task type`);
  const instanceId = env.LOOM_INSTANCE_ID ?? `${hostname()}-${process.pid}`;
  // Serial per type: every allowed timeout must fit in the broker's consumer_timeout.
  const serialLimits = { consumerTimeoutMs: env.CONSUMER_TIMEOUT_MS, leaseMs: env.LEASE_MS, heartbeatMs: env.HEARTBEAT_MS };
  assertTimeoutsFit(Object.fromEntries(myTypes.map((t) => [t, types[t]!])), serialLimits);

  const bus = await createBus({ url: env.AMQP_URL, namespace: env.LOOM_NAMESPACE, logger, workTypes: myTypes });
  const conn = await connectMongo(env.MONGO_URL);
  const outbox = await startServiceOutbox({ conn, bus, writerName: `executor-${instanceId}`, deadAfterMs: env.OUTBOX_WRITER_DEAD_MS, logger });
  observeOutboxBacklog(() => outbox.pending); // loom.outbox.backlog, read when scraped
  const store = await createStore(conn, outbox);

  // Types bound to a provider run the provider handler, which needs the adapters and the store.
  if ([...handlers.values()].some((h) => h.name === 'provider')) {
    const policies = loadProviderPolicies();
    const providerHandler = createProviderHandler({
      store,
      types,
      providers: createProviderRegistry(process.env),
      policy: (name) => policyFor(policies, name),
      publicBaseUrl: env.PUBLIC_BASE_URL,
      checkEveryMs: Math.min(env.HEARTBEAT_MS, 1000),
      logger,
    });
    for (const [type, h] of handlers) if (h.name === 'provider') handlers.set(type, providerHandler);
  }
  // Types with an `isolation` run each task in a thread or process of its own, ended for good
  // after abortGraceMs once the task's signal fired (a handler that ignores it stops too).
  const sandboxed = sandboxTypes(handlers, types, logger);

  const runner = createTaskRunner({
    store,
    storage: process.env.S3_ENDPOINT || process.env.S3_ACCESS_KEY_ID ? createObjectStorage(process.env) : undefined,
    bus,
    types,
    handlers,
    middlewares: [taskLogMiddleware],
    instanceId,
    leaseMs: env.LEASE_MS,
    heartbeatMs: env.HEARTBEAT_MS,
    logger,
  });

  // Cancel requests reach every executor; the one running the task aborts its handler.
  // Live-only copies (the heartbeat reads cancelRequestedAt if one is lost): a bad one is dropped.
  await bus.on(
    { queue: bus.names.serviceQueue('executor', `cancel-${instanceId}`), exclusive: true, invalid: 'drop', bindings: { exchange: 'events', keys: [TaskCancelRequestedV1.name] } },
    [TaskCancelRequestedV1],
    async ({ envelope }) => {
      if (envelope.taskId) runner.cancel(envelope.taskId, envelope.payload.attempt);
    },
  );
  const consumers: WorkConsumer[] = [];
  // In broker messages: a bundle from the gateway counts as the tasks in it (serial-per-type.ts).
  const prefetch = Object.fromEntries(myTypes.map((t) => [t, workPrefetchFor(types[t]!.maxTimeoutMs, serialLimits, types[t]!.abortGraceMs)]));
  const bundle = Object.fromEntries(myTypes.map((t) => [t, workBundleFor(types[t]!.maxTimeoutMs, serialLimits, types[t]!.abortGraceMs)]));
  for (const type of myTypes) consumers.push(await bus.consumeWork(type, (d, ahead) => runner.onDelivery(d, ahead), { prefetch: prefetch[type], onArrival: runner.onArrival }));
  logger.info({ instanceId, types: myTypes, prefetch, bundle, sandboxed }, 'consuming work queues');

  const health = await startHealthServer(env.HEALTH_PORT, () => conn.readyState === 1 && bus.isReady());
  return {
    url: `http://127.0.0.1:${health.port}`,
    async stop() {
      // Finish or hand back running tasks BEFORE leaving the queues: a cancelled consumer
      // keeps its unacked delivery while the broker starts feeding the standby.
      await runner.drain(env.EXECUTOR_DRAIN_MS);
      for (const c of consumers) await c.close();
      await store.logs.flush();
      await outbox.stop();
      await bus.close();
      await conn.close();
      await health.close();
    },
  };
});
