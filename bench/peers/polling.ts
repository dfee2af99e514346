// The polling worker of seed 002, on MongoDB: jobs are documents with a status; a standalone
// worker wakes every POLL_INTERVAL and claims pending jobs one by one (findOneAndUpdate, oldest
// first) while fewer than MAX_CONCURRENT_JOBS run, runs each without waiting, and marks it
// completed. Nothing keeps a type serial: that is the baseline. The `serial` variant claims only
// jobs whose type has nothing running in this worker (correct for ONE worker process only).
// The handler's log lines (bench/peers/types.ts LOG_LINES) go to a job_logs collection, one
// awaited insertOne each.
import { groupCommit } from '../lib/group-commit';
import { MongoClient, ObjectId } from 'mongodb';
import { historyJob, LOG_LINES, type JobData, type PeerAdapter } from './types';

interface JobDoc {
  _id: ObjectId;
  type: string;
  status: 'pending' | 'processing' | 'completed' | 'failed';
  data: JobData;
  createdAt: Date;
  startedAt?: Date;
  completedAt?: Date;
}

function pollingAdapter(serial: boolean): PeerAdapter {
  return {
    async startWorker(cfg, handle) {
      const client = await MongoClient.connect(cfg.mongoUrl!);
      const jobs = client.db().collection<JobDoc>('job');
      const logs = client.db().collection('job_logs');
      await jobs.createIndex({ status: 1, createdAt: 1 });
      const runningTypes = new Map<string, number>();
      let active = 0;
      let polling = false;
      let stopped = false;

      const run = async (job: JobDoc) => {
        let status: JobDoc['status'] = 'completed';
        try {
          await handle(job.type, job.data, async (message) => {
            await logs.insertOne({ jobId: job._id, timestamp: new Date(), level: 'info', message });
          });
        } catch (err) {
          status = 'failed';
          console.error(`[polling] job ${job._id}: ${(err as Error).message}`);
        }
        await jobs.updateOne({ _id: job._id }, { $set: { status, completedAt: new Date() } });
      };
      const poll = async () => {
        if (polling || stopped) return;
        polling = true;
        try {
          while (active < cfg.pollConcurrency && !stopped) {
            const filter = serial ? { status: 'pending' as const, type: { $nin: [...runningTypes.keys()] } } : { status: 'pending' as const };
            const job = await jobs.findOneAndUpdate(filter, { $set: { status: 'processing', startedAt: new Date() } }, { sort: { createdAt: 1 }, returnDocument: 'after' });
            if (!job) break;
            active++;
            runningTypes.set(job.type, (runningTypes.get(job.type) ?? 0) + 1);
            void run(job).finally(() => {
              active--;
              const n = runningTypes.get(job.type)! - 1;
              if (n === 0) runningTypes.delete(job.type);
              else runningTypes.set(job.type, n);
            });
          }
        } catch (err) {
          console.error(`[polling] poll failed: ${(err as Error).message}`);
        } finally {
          polling = false;
        }
      };
      const timer = setInterval(() => void poll(), cfg.pollMs);
      return {
        async close() {
          stopped = true;
          clearInterval(timer);
          while (active > 0 || polling) await new Promise((r) => setTimeout(r, 20));
          await client.close();
        },
      };
    },
    async startProducer(cfg) {
      const client = await MongoClient.connect(cfg.mongoUrl!);
      const jobs = client.db().collection<Omit<JobDoc, '_id'>>('job');
      // Concurrent submissions go together as one insertMany (bench/lib/group-commit.ts).
      const insert = groupCommit(async (docs: Omit<JobDoc, '_id'>[]) => {
        await jobs.insertMany(docs);
        return docs.map(() => true);
      }, 500);
      return {
        async submit(type, data) {
          await insert({ type, status: 'pending', data, createdAt: new Date() });
        },
        close: () => client.close(),
      };
    },
    /** Completed job documents and their log line each, inserted 1,000 at a time. */
    async writeHistory(cfg, count) {
      const client = await MongoClient.connect(cfg.mongoUrl!);
      try {
        const jobs = client.db().collection<JobDoc>('job');
        const logs = client.db().collection('job_logs');
        for (let from = 0; from < count; from += 1000) {
          const batch: JobDoc[] = [];
          const lines = [];
          for (let i = from; i < Math.min(count, from + 1000); i++) {
            const h = historyJob(i, count, cfg.types);
            const _id = new ObjectId();
            batch.push({ _id, type: h.type, status: 'completed', data: h.data, createdAt: new Date(h.submitAt), startedAt: new Date(h.startedAt), completedAt: new Date(h.finishedAt) });
            lines.push(
              { jobId: _id, timestamp: new Date(h.finishedAt), level: 'info', message: LOG_LINES.slept(0) },
            );
          }
          await jobs.insertMany(batch, { ordered: false });
          await logs.insertMany(lines, { ordered: false });
        }
      } finally {
        await client.close();
      }
    },
  };
}

export const polling = pollingAdapter(false);
export const pollingSerial = pollingAdapter(true);
