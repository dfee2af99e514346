// What the broker says about Loom's queues, for the loom.queue.depth and loom.queue.consumers
// gauges (libs/telemetry observeQueues): each type's work queue and the durable service queues,
// read with one passive queue check each whenever the metrics are collected (a Prometheus
// scrape, or OTEL_METRIC_EXPORT_INTERVAL), never per task. The task a type is running is unacked
// and not counted as ready. Nothing runs while telemetry is off: the no-op meter never calls back.
import type { Bus } from '@loom/messaging';
import { observeQueues, type QueueReading } from '@loom/telemetry';

/** The durable queues of the services, by owner and purpose (exclusive per-process queues are left out). */
const SERVICE_QUEUES: [string, string][] = [
  ['scheduler', 'submitted'],
  ['scheduler', 'retries'],
  ['scheduler', 'due'],
  ['scheduler', 'dead'],
  ['settlement', 'terminal'],
  ['status-sync', 'callbacks'],
];

export function observeQueueDepth(bus: Pick<Bus, 'names' | 'inspectQueue'>, types: string[]): () => void {
  const queues: { queue: string; type?: string }[] = [
    ...types.map((type) => ({ queue: bus.names.workQueue(type), type })),
    ...SERVICE_QUEUES.map(([service, purpose]) => ({ queue: bus.names.serviceQueue(service, purpose) })),
    { queue: bus.names.dead },
  ];
  return observeQueues(async () => {
    const out: QueueReading[] = [];
    for (const q of queues) {
      const ok = await bus.inspectQueue(q.queue).catch(() => undefined);
      if (ok) out.push({ ...q, messages: ok.messages, consumers: ok.consumers });
    }
    return out;
  });
}
