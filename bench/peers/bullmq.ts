// BullMQ (Redis): one queue per task type and one Worker per queue with concurrency 1, which is
// BullMQ's way to run a type serially. Default job and worker options otherwise (completed jobs
// are kept, as Loom keeps its finished tasks). The handler writes its log lines with job.log.
import { Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { groupCommit } from '../lib/group-commit';
import { historyJob, LOG_LINES, type JobData, type PeerAdapter, type PeerConfig } from './types';

const connection = (cfg: PeerConfig) => ({ host: cfg.redis!.host, port: cfg.redis!.port, maxRetriesPerRequest: null });

export const bullmq: PeerAdapter = {
  async startWorker(cfg, handle) {
    const workers = cfg.types.map(
      (type) =>
        new Worker(
          type,
          async (job) =>
            handle(type, job.data, async (line) => {
              await job.log(line);
            }),
          {
            connection: connection(cfg),
            prefix: cfg.redis!.prefix,
            concurrency: 1,
          },
        ),
    );
    for (const w of workers) w.on('error', (err) => console.error(`[bullmq worker] ${err.message}`));
    await Promise.all(workers.map((w) => w.waitUntilReady()));
    return { close: async () => void (await Promise.all(workers.map((w) => w.close()))) };
  },
  async startProducer(cfg) {
    const queues = new Map(cfg.types.map((type) => [type, new Queue(type, { connection: connection(cfg), prefix: cfg.redis!.prefix })]));
    await Promise.all([...queues.values()].map((q) => q.waitUntilReady()));
    // Concurrent submissions of a type go together as one addBulk (bench/lib/group-commit.ts).
    const adders = new Map(
      [...queues].map(([type, q]) => [type, groupCommit(async (items: JobData[]) => (await q.addBulk(items.map((data) => ({ name: 'task', data })))).map(() => true), 500)]),
    );
    return {
      async submit(type, data) {
        await adders.get(type)!(data);
      },
      close: async () => void (await Promise.all([...queues.values()].map((q) => q.close()))),
    };
  },
  /**
   * Completed jobs as BullMQ leaves them (its storeJob + moveToFinished scripts): the job hash,
   * its id in the queue's `completed` sorted set, its log line, and the queue's id counter
   * moved past them so new jobs do not reuse their ids. Pipelined, 1,000 jobs per round trip.
   */
  async writeHistory(cfg, count) {
    const redis = new IORedis(connection(cfg));
    try {
      const key = (type: string, ...rest: string[]) => [cfg.redis!.prefix, type, ...rest].join(':');
      const perType = new Map<string, number>();
      for (let from = 0; from < count; from += 1000) {
        const p = redis.pipeline();
        for (let i = from; i < Math.min(count, from + 1000); i++) {
          const h = historyJob(i, count, cfg.types);
          const id = String((perType.get(h.type) ?? 0) + 1);
          perType.set(h.type, Number(id));
          p.hset(key(h.type, id), {
            name: 'task',
            data: JSON.stringify(h.data),
            opts: '{"attempts":0}',
            timestamp: h.submitAt,
            delay: 0,
            priority: 0,
            processedOn: h.startedAt,
            finishedOn: h.finishedAt,
            returnvalue: 'null',
            atm: 1,
            ats: 1,
          });
          p.zadd(key(h.type, 'completed'), h.finishedAt, id);
          p.rpush(key(h.type, id, 'logs'), LOG_LINES.slept(0));
        }
        await p.exec();
      }
      for (const [type, n] of perType) await redis.set(key(type, 'id'), n);
    } finally {
      redis.disconnect();
    }
  },
};
