// settlement: owns credits and the ledger (accounts, ledger, batches; @loom/billing). It settles
// every terminal task event: captures the hold of a success, releases the hold of a failure,
// cancel or timeout, and settles a batch in one step when its last item is terminal. A sweep
// finishes half-done movements and settles holds nothing else will settle; a relay publishes
// task.settled / batch.settled events left in the ledger's outbox.
import './instrument'; // first: telemetry must patch node:http and express before they load
import { createBilling, startLedgerRelay } from '@loom/billing';
import { loadEnv } from '@loom/config';
import { createBus } from '@loom/messaging';
import { runService, startHealthServer } from '@loom/service-runtime';
import { connectMongo } from '@loom/store';
import { createLogger, inBatchSettleSpan, inSettleSpan, recordCredits } from '@loom/telemetry';
import { createSettleHandler } from './handlers/settle-task.handler';
import { subscribeSettlement } from './subscriptions';

const logger = createLogger('settlement');

/**
 * TEST HOOK, never set in production: LOOM_TEST_CRASH_AFTER_LEDGER_WRITE=1 makes this process
 * SIGKILL itself right after it inserts its first ledger entry: before the account update, the
 * task.settled event and the ack of the delivery, the worst moment to die. The settlement tests
 * (test/settlement) restart the service without it and check that nothing was lost or doubled.
 */
function crashHook(): (() => Promise<never>) | undefined {
  if (process.env.LOOM_TEST_CRASH_AFTER_LEDGER_WRITE !== '1') return undefined;
  return () => {
    logger.warn('LOOM_TEST_CRASH_AFTER_LEDGER_WRITE: killing this process after its first ledger write');
    process.kill(process.pid, 'SIGKILL');
    return new Promise<never>(() => undefined);
  };
}

runService('settlement', logger, async () => {
  // 1. Configuration.
  const env = loadEnv();

  // 2. Adapters: the bus first, since the ledger's outbox publishes through it.
  const bus = await createBus({ url: env.AMQP_URL, namespace: env.LOOM_NAMESPACE, logger });
  const conn = await connectMongo(env.MONGO_URL);
  const billing = await createBilling(conn, {
    publish: (entries) => bus.publish(entries),
    onEntryWritten: crashHook(),
    instrument: { settle: inSettleSpan, settleBatch: inBatchSettleSpan, settled: recordCredits },
  });
  const relay = startLedgerRelay({
    outbox: billing.outbox,
    everyMs: 1000,
    olderThanMs: env.OUTBOX_WRITER_DEAD_MS,
    onError: (err) => logger.warn({ err }, 'ledger outbox relay pass failed'),
  });

  // 3. Consumers.
  await subscribeSettlement(bus, { onTerminal: createSettleHandler({ settlement: billing.settlement, logger }) });

  // 4. The repair sweep: half-done movements, holds whose terminal event will never come.
  let sweeping: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    sweeping ??= billing.settlement
      .sweep(env.SETTLEMENT_STALE_HOLD_MS)
      .then((r) => (r.repaired || r.settled) && logger.info(r, 'settlement sweep'))
      .catch((err) => logger.warn({ err: (err as Error).message }, 'settlement sweep failed'))
      .finally(() => (sweeping = null));
  }, env.SETTLEMENT_SWEEP_MS);

  const health = await startHealthServer(env.HEALTH_PORT, () => conn.readyState === 1 && bus.isReady());
  return {
    url: `http://127.0.0.1:${health.port}`,
    async stop() {
      clearInterval(timer);
      await sweeping;
      await relay.stop();
      await bus.close();
      await conn.close();
      await health.close();
    },
  };
});
