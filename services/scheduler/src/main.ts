// scheduler: admits submitted tasks onto their type's queue, schedules retries with
// exponential backoff, recovers tasks whose executor vanished, fails poison messages'
// tasks, and deletes finished tasks past retention.
import './instrument'; // first: telemetry must patch node:http and express before they load
import { loadEnv, loadTaskTypes } from '@loom/config';
import { createBus } from '@loom/messaging';
import { runService, startHealthServer } from '@loom/service-runtime';
import { connectMongo, createStore, startServiceOutbox } from '@loom/store';
import { createLogger, observeOutboxBacklog } from '@loom/telemetry';
import { createAdmissionHandlers } from './handlers/admission.handler';
import { createDeadLetterHandler } from './handlers/dead-letter.handler';
import { createRetryHandler } from './handlers/retry.handler';
import { subscribeScheduler } from './subscriptions';
import { observeQueueDepth } from './queue-depth';
import { createSweeps } from './sweeps';

const logger = createLogger('scheduler');

runService('scheduler', logger, async () => {
  const env = loadEnv();
  const types = loadTaskTypes();
  const bus = await createBus({ url: env.AMQP_URL, namespace: env.LOOM_NAMESPACE, logger, workTypes: Object.keys(types) });
  const conn = await connectMongo(env.MONGO_URL);
  const outbox = await startServiceOutbox({ conn, bus, writerName: 'scheduler', deadAfterMs: env.OUTBOX_WRITER_DEAD_MS, logger });
  observeOutboxBacklog(() => outbox.pending); // loom.outbox.backlog, read when scraped
  const store = await createStore(conn, outbox);
  const stopQueueDepth = observeQueueDepth(bus, Object.keys(types));

  const dueQueue = bus.names.serviceQueue('scheduler', 'due');
  await subscribeScheduler(
    bus,
    {
      admission: createAdmissionHandlers({ store, types, logger }),
      onRetryScheduled: createRetryHandler({ bus, dueQueue }),
      onDeadLetter: createDeadLetterHandler({ store, logger }),
    },
    dueQueue,
  );

  const sweep = createSweeps({ store, env, logger });
  let sweeping: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    sweeping ??= sweep()
      .catch((err) => logger.warn({ err: (err as Error).message }, 'sweep failed'))
      .finally(() => (sweeping = null));
  }, env.SCHEDULER_SWEEP_MS);

  const health = await startHealthServer(env.HEALTH_PORT, () => conn.readyState === 1 && bus.isReady());
  return {
    url: `http://127.0.0.1:${health.port}`,
    async stop() {
      clearInterval(timer);
      stopQueueDepth();
      await sweeping;
      await outbox.stop();
      await bus.close();
      await conn.close();
      await health.close();
    },
  };
});
