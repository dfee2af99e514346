// How every service process runs: start in order, print one "listening" line that scripts
// and tests wait for, and on SIGTERM/SIGINT stop in reverse order, then exit. Any failure
// to start exits 1 with the reason. Before exiting, pending spans and metrics are flushed.
import { shutdownTelemetry, type Logger } from '@loom/telemetry';

export interface RunningService {
  /** Where the service answers (its health endpoints, or its API). */
  url: string;
  /** Where its Prometheus metrics are, when not at `<url>/metrics` (the gateway keeps them off its public port). */
  metricsUrl?: string;
  /** Graceful stop: finish or hand back work, close consumers, then connections. */
  stop(): Promise<void>;
}

export function runService(name: string, logger: Logger, start: () => Promise<RunningService>): void {
  let service: RunningService | undefined;
  let stopping = false;

  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${name} stopping`);
    const force = setTimeout(() => {
      logger.error(`${name} did not stop in time; exiting`);
      process.exit(1);
    }, Number(process.env.LOOM_STOP_TIMEOUT_MS ?? 60_000));
    force.unref();
    try {
      await service?.stop();
      logger.info(`${name} stopped`);
      await shutdownTelemetry();
      process.exit(0);
    } catch (err) {
      logger.error({ err }, `${name} failed to stop cleanly`);
      await shutdownTelemetry();
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  start().then(
    (s) => {
      service = s;
      const metrics = s.metricsUrl ? ` (metrics on ${s.metricsUrl})` : '';
      logger.info({ url: s.url, metricsUrl: s.metricsUrl }, `${name} listening on ${s.url}${metrics}`);
      if (stopping) void s.stop();
    },
    (err: Error & { code?: string }) => {
      logger.fatal({ err: err.message, code: err.code }, `${name} failed to start: ${err.message}`);
      void shutdownTelemetry().finally(() => process.exit(1));
    },
  );
}
