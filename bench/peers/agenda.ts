// Agenda (MongoDB), the maintained `agenda` package (v6, with @agendajs/mongo-backend): one job
// name per task type, defined with concurrency 1; the worker polls every `processEvery`. The
// handler writes its log lines (bench/peers/types.ts LOG_LINES) through Agenda's own job logger
// (MongoJobLogger, collection agenda_logs), one awaited insert each.
import { Agenda } from 'agenda';
import { MongoBackend, MongoJobLogger } from '@agendajs/mongo-backend';
import { MongoClient, ObjectId } from 'mongodb';
import { historyJob, LOG_LINES, type JobData, type PeerAdapter } from './types';

const LOGS = 'agenda_logs';

export const agenda: PeerAdapter = {
  async startWorker(cfg, handle) {
    const client = await MongoClient.connect(cfg.mongoUrl!);
    const logger = new MongoJobLogger({ db: client.db(), collectionName: LOGS });
    const a = new Agenda({ backend: new MongoBackend({ address: cfg.mongoUrl! }), name: 'bench-worker', processEvery: cfg.pollMs });
    a.on('error', (err: Error) => console.error(`[agenda worker] ${err.message}`));
    for (const type of cfg.types) {
      a.define<JobData>(
        type,
        async (job) =>
          handle(type, job.attrs.data, (message) =>
            logger.log({ timestamp: new Date(), level: 'info', event: message.startsWith('finished') ? 'success' : 'start', jobId: String(job.attrs._id), jobName: type, message }),
          ),
        { concurrency: 1 },
      );
    }
    await a.start();
    return {
      async close() {
        await a.stop(true);
        await client.close();
      },
    };
  },
  async startProducer(cfg) {
    const a = new Agenda({ backend: new MongoBackend({ address: cfg.mongoUrl! }), name: 'bench-producer' });
    a.on('error', (err: Error) => console.error(`[agenda producer] ${err.message}`));
    return {
      async submit(type, data) {
        await a.now(type, data);
      },
      close: () => a.stop(true),
    };
  },
  /** Finished one-off jobs as Agenda leaves them (nextRunAt null, lastRunAt/lastFinishedAt set), and their logs. */
  async writeHistory(cfg, count) {
    const client = await MongoClient.connect(cfg.mongoUrl!);
    try {
      const db = client.db();
      for (let from = 0; from < count; from += 1000) {
        const jobs = [];
        const logs = [];
        for (let i = from; i < Math.min(count, from + 1000); i++) {
          const h = historyJob(i, count, cfg.types);
          const _id = new ObjectId();
          jobs.push({ _id, name: h.type, data: h.data, priority: 0, type: 'normal', nextRunAt: null, lastModifiedBy: 'bench-worker', lockedAt: null, lastRunAt: new Date(h.startedAt), lastFinishedAt: new Date(h.finishedAt) });
          logs.push(
            { timestamp: new Date(h.finishedAt), level: 'info', event: 'start', jobId: String(_id), jobName: h.type, message: LOG_LINES.slept(0) },
          );
        }
        await db.collection('agendaJobs').insertMany(jobs, { ordered: false });
        await db.collection(LOGS).insertMany(logs, { ordered: false });
      }
    } finally {
      await client.close();
    }
  },
};
