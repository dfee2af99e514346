// Agenda (MongoDB), the maintained `agenda` package (v6, with @agendajs/mongo-backend): one job
// name per task type, defined with concurrency 1; the worker polls every `processEvery`.
import { Agenda } from 'agenda';
import { MongoBackend } from '@agendajs/mongo-backend';
import type { JobData, PeerAdapter } from './types';

export const agenda: PeerAdapter = {
  async startWorker(cfg, handle) {
    const a = new Agenda({ backend: new MongoBackend({ address: cfg.mongoUrl! }), name: 'bench-worker', processEvery: cfg.pollMs });
    a.on('error', (err: Error) => console.error(`[agenda worker] ${err.message}`));
    for (const type of cfg.types) a.define<JobData>(type, async (job) => handle(type, job.attrs.data), { concurrency: 1 });
    await a.start();
    return { close: () => a.stop(true) };
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
};
