// BullMQ (Redis): one queue per task type and one Worker per queue with concurrency 1, which is
// BullMQ's way to run a type serially. Default job and worker options otherwise.
import { Queue, Worker } from 'bullmq';
import type { PeerAdapter, PeerConfig } from './types';

const connection = (cfg: PeerConfig) => ({ host: cfg.redis!.host, port: cfg.redis!.port, maxRetriesPerRequest: null });

export const bullmq: PeerAdapter = {
  async startWorker(cfg, handle) {
    const workers = cfg.types.map(
      (type) =>
        new Worker(type, async (job) => handle(type, job.data), {
          connection: connection(cfg),
          prefix: cfg.redis!.prefix,
          concurrency: 1,
        }),
    );
    for (const w of workers) w.on('error', (err) => console.error(`[bullmq worker] ${err.message}`));
    await Promise.all(workers.map((w) => w.waitUntilReady()));
    return { close: async () => void (await Promise.all(workers.map((w) => w.close()))) };
  },
  async startProducer(cfg) {
    const queues = new Map(cfg.types.map((type) => [type, new Queue(type, { connection: connection(cfg), prefix: cfg.redis!.prefix })]));
    await Promise.all([...queues.values()].map((q) => q.waitUntilReady()));
    return {
      async submit(type, data) {
        await queues.get(type)!.add('task', data);
      },
      close: async () => void (await Promise.all([...queues.values()].map((q) => q.close()))),
    };
  },
};
