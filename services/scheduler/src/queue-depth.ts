// The loom.queue.depth gauge: how many task.run messages wait on each type's work queue, read
// with a passive queue check whenever the metric reader collects (OTEL_METRIC_EXPORT_INTERVAL,
// 60 s by default). The task a type is running is unacked and not counted. Nothing runs while
// telemetry is off: the no-op meter never calls back.
import type { Bus } from '@loom/messaging';
import { loomMeter } from '@loom/telemetry';

export function observeQueueDepth(bus: Pick<Bus, 'names' | 'withChannel'>, types: string[]): () => void {
  const gauge = loomMeter().createObservableGauge('loom.queue.depth', {
    description: "Messages ready on a task type's work queue",
    unit: '{message}',
  });
  const callback = async (result: { observe(value: number, attributes: Record<string, string>): void }) => {
    for (const type of types) {
      const queue = bus.names.workQueue(type);
      // A missing queue closes the channel (404): one short-lived channel per queue.
      const depth = await bus
        .withChannel(async (ch) => {
          ch.on('error', () => undefined);
          return (await ch.checkQueue(queue)).messageCount;
        })
        .catch(() => undefined);
      if (depth !== undefined) result.observe(depth, { 'task.type': type, 'messaging.destination.name': queue });
    }
  };
  gauge.addCallback(callback);
  return () => gauge.removeCallback(callback);
}
