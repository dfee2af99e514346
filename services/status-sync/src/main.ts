// status-sync: follows every task waiting on a provider (webhook events from the gateway, and
// a batched poll for the rest), copies finished jobs' outputs into storage and ends the tasks,
// and cancels provider jobs whose task is gone.
import './instrument'; // first: telemetry must patch node:http and express before they load
import { hostname } from 'node:os';
import { loadEnv, loadProviderPolicies, policyFor } from '@loom/config';
import { createBus } from '@loom/messaging';
import { createProviderRegistry } from '@loom/providers';
import { runService, startHealthServer } from '@loom/service-runtime';
import { createObjectStorage } from '@loom/storage';
import { connectMongo, createStore, startServiceOutbox } from '@loom/store';
import { createLogger, observeOutboxBacklog } from '@loom/telemetry';
import { createProviderCallbackHandler } from './handlers/provider-callback.handler';
import { sweepOrphanJobs } from './orphan-sweep';
import { pollRound } from './poll-round';
import { subscribeAwaitingProvider, subscribeStatusSync } from './subscriptions';

const logger = createLogger('status-sync');

runService('status-sync', logger, async () => {
  const env = loadEnv();
  const policies = loadProviderPolicies();
  const policy = (name: string) => policyFor(policies, name);
  const providers = createProviderRegistry(process.env);
  const instanceId = env.LOOM_INSTANCE_ID ?? `${hostname()}-${process.pid}`;
  const bus = await createBus({ url: env.AMQP_URL, namespace: env.LOOM_NAMESPACE, logger });
  const conn = await connectMongo(env.MONGO_URL);
  const outbox = await startServiceOutbox({ conn, bus, writerName: `status-sync-${instanceId}`, deadAfterMs: env.OUTBOX_WRITER_DEAD_MS, logger });
  observeOutboxBacklog(() => outbox.pending); // loom.outbox.backlog, read when scraped
  const store = await createStore(conn, outbox);
  const storage = createObjectStorage(process.env);
  const follow = { store, storage, logger, instanceId, ingestLeaseMs: env.INGEST_LEASE_MS, policy };

  await subscribeStatusSync(bus, { onProviderCallback: createProviderCallbackHandler({ ...follow, providers }) });

  // The poll loop: one round at a time; each task is polled at its provider's pollEveryMs. A
  // round reads the tasks collection, so it runs only while some task waits on a provider: the
  // last round found one, or an executor just announced one (task.awaiting_provider), or the
  // idle check is due (a lost announcement, or tasks left by a crash).
  const lastPolled = new Map<string, number>();
  let stopped = false;
  let round: Promise<unknown> = Promise.resolve();
  let woken = true;
  await subscribeAwaitingProvider(bus, () => (woken = true));
  const loop = async () => {
    let lastSweep = 0;
    let lastRound = 0;
    let busy = false;
    while (!stopped) {
      if (woken || busy || Date.now() - lastRound > env.STATUS_SYNC_IDLE_CHECK_MS) {
        woken = false;
        lastRound = Date.now();
        round = pollRound({ ...follow, providers }, lastPolled)
          .then((r) => {
            // Busy while any task waits, polled this round or not yet due again (lastPolled keeps
            // exactly the waiting ones): a round that polled none must not stop the polling.
            busy = r.total > 0 || lastPolled.size > 0;
            if (busy) logger.info(r, 'status sync round');
          })
          .catch((err) => logger.warn({ err: (err as Error).message }, 'status sync round failed'));
        await round;
      }
      if (Date.now() - lastSweep > env.ORPHAN_SWEEP_MS) {
        lastSweep = Date.now();
        await sweepOrphanJobs({ store, providers, policy, logger }).catch((err) => logger.warn({ err: (err as Error).message }, 'orphan sweep failed'));
      }
      await new Promise((r) => setTimeout(r, env.STATUS_SYNC_TICK_MS));
    }
  };
  void loop();

  const health = await startHealthServer(env.HEALTH_PORT, () => conn.readyState === 1 && bus.isReady());
  return {
    url: `http://127.0.0.1:${health.port}`,
    async stop() {
      stopped = true;
      await round;
      await outbox.stop();
      await bus.close();
      await conn.close();
      storage.close();
      await health.close();
    },
  };
});
