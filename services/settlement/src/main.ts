// settlement: owns credits and the ledger (its own issue). For now it follows the terminal
// task events, which it will settle, and logs each one.
import { loadEnv } from '@loom/config';
import { createBus } from '@loom/messaging';
import { runService, startHealthServer } from '@loom/service-runtime';
import { createLogger } from '@loom/telemetry';
import { subscribeSettlement } from './subscriptions';

const logger = createLogger('settlement');

runService('settlement', logger, async () => {
  const env = loadEnv();
  const bus = await createBus({ url: env.AMQP_URL, namespace: env.LOOM_NAMESPACE, logger });
  await subscribeSettlement(bus, logger);
  const health = await startHealthServer(env.HEALTH_PORT, () => true);
  return {
    url: `http://127.0.0.1:${health.port}`,
    async stop() {
      await bus.close();
      await health.close();
    },
  };
});
