// One process of a peer system in the benchmark: its worker (runs the handler, records start and
// end inside it) or its producer (submits the scenario's tasks, stamping each with the client-side
// submission time). With a warm-up (cfg.warmup), both first serve its jobs in a store of their
// own (warmupConfig), then the measured one. Driven by the bench over IPC; configured by the BENCH_PEER variable (JSON).
import { drive, WARMUP_ROUND, type TaskTiming } from '../lib/workload';
import { ipcChild } from './ipc';
import { LOG_LINES, warmupConfig, type PeerAdapter, type PeerConfig, type PeerSystem, type ToChild } from './types';

// Each process loads its own system's libraries only (they count in its memory).
const adapters: Record<PeerSystem, () => Promise<PeerAdapter>> = {
  bullmq: async () => (await import('./bullmq')).bullmq,
  'bullmq-nopersist': async () => (await import('./bullmq')).bullmq,
  agenda: async () => (await import('./agenda')).agenda,
  polling: async () => (await import('./polling')).polling,
  'polling-serial': async () => (await import('./polling')).pollingSerial,
};
const { cfg, send, fail } = ipcChild<PeerConfig>('BENCH_PEER');

async function main(): Promise<void> {
  const load = adapters[cfg.system];
  if (!load) throw new Error(`unknown peer system ${cfg.system}`);
  const adapter = await load();
  let close: () => Promise<void>;
  let onSubmit: ((m: Extract<ToChild, { cmd: 'submit' }>) => Promise<void>) | undefined;
  let onWarmup: ((m: Extract<ToChild, { cmd: 'warmup' }>) => Promise<void>) | undefined;
  const records: TaskTiming[] = [];

  if (cfg.role === 'worker') {
    let doneSent = false;
    // What a Loom bench task stores: the sleep handler's one log line, awaited, between the
    // task's start and its end.
    const measured = () =>
      adapter.startWorker(cfg, async (type, data, log) => {
        const startAt = Date.now();
        if (cfg.sleepMs > 0) await new Promise((r) => setTimeout(r, cfg.sleepMs));
        await log(LOG_LINES.slept(cfg.sleepMs));
        const endAt = Date.now();
        records.push({ type, submitAt: data.submitAt, startAt, endAt });
        if (!doneSent && records.length >= cfg.expected) {
          doneSent = true;
          send({ kind: 'done', count: records.length });
        }
      });
    let worker: { close(): Promise<void> } | undefined;
    close = async () => worker?.close();
    if (cfg.warmup) {
      // The warm-up's jobs (no-op, the same log line) in a store of their own, then the measured one.
      const want = cfg.warmup;
      let handled = 0;
      let warmed!: () => void;
      const allWarm = new Promise<void>((r) => (warmed = r));
      worker = await adapter.startWorker(warmupConfig(cfg), async (_type, _data, log) => {
        await log(LOG_LINES.slept(0));
        if (++handled === want) warmed();
        else if (handled % WARMUP_ROUND === 0) send({ kind: 'warmed', count: handled });
      });
      void allWarm
        .then(async () => {
          await worker!.close();
          worker = await measured();
          send({ kind: 'warmed', count: handled });
        })
        .catch(fail);
    } else worker = await measured();
  } else {
    if (cfg.history && adapter.writeHistory) await adapter.writeHistory(cfg, cfg.history);
    const producer = await adapter.startProducer(cfg);
    let warm = cfg.warmup ? await adapter.startProducer(warmupConfig(cfg)) : undefined;
    let warmSubmitted = 0;
    close = async () => {
      await warm?.close();
      await producer.close();
    };
    onWarmup = async ({ scenario }) => {
      if (!warm) throw new Error('a warm-up was asked of a producer started without one (warmup in its config)');
      const w = warm;
      const { seconds } = await drive(scenario, (i, type) => w.submit(type, { submitAt: Date.now(), i }));
      warmSubmitted += scenario.tasks;
      if (warmSubmitted >= cfg.warmup!) {
        warm = undefined;
        await w.close();
      }
      send({ kind: 'submitted', seconds });
    };
    // past the deadline (the time limit) nothing more is submitted, as for Loom's client
    onSubmit = async ({ scenario, deadline = Infinity }) => {
      const { seconds } = await drive(scenario, async (i, type) => {
        if (Date.now() <= deadline) await producer.submit(type, { submitAt: Date.now(), i });
      });
      send({ kind: 'submitted', seconds });
    };
  }

  process.on('message', (m: ToChild) => {
    if (m.cmd === 'submit') onSubmit?.(m).catch(fail);
    else if (m.cmd === 'warmup') onWarmup?.(m).catch(fail);
    else if (m.cmd === 'collect') send({ kind: 'records', records });
    else if (m.cmd === 'stop') {
      const force = setTimeout(() => process.exit(0), 10_000);
      close()
        .catch((err) => console.error(`[${cfg.system} ${cfg.role}] close: ${(err as Error).message}`))
        .finally(() => {
          clearTimeout(force);
          send({ kind: 'stopped' });
          setTimeout(() => process.exit(0), 50);
        });
    }
  });
  send({ kind: 'ready' });
}

main().catch(fail);
