// What the bench's peer child processes share: their configuration and the adapter each peer
// system implements (a worker that calls `handle` for each job, a producer that submits one).

// bullmq and bullmq-nopersist run the same code; only their redis-server differs (append-only
// file with fsync every second, or no persistence at all).
export type PeerSystem = 'bullmq' | 'bullmq-nopersist' | 'agenda' | 'polling' | 'polling-serial';
export const PEER_SYSTEMS: PeerSystem[] = ['bullmq', 'bullmq-nopersist', 'agenda', 'polling', 'polling-serial'];

export interface PeerConfig {
  system: PeerSystem;
  role: 'worker' | 'producer';
  types: string[];
  /** The handler sleeps this long (0: no-op). */
  sleepMs: number;
  /** The worker says "done" once it has handled this many jobs. */
  expected: number;
  redis?: { host: string; port: number; prefix: string };
  /** With the database in the path. */
  mongoUrl?: string;
  /** Agenda's processEvery and the polling worker's interval. */
  pollMs: number;
  /** The polling worker's MAX_CONCURRENT_JOBS. */
  pollConcurrency: number;
  /** Finished jobs the producer writes before it says ready (the --history equivalent). */
  history?: number;
  /**
   * Jobs of the warm-up (--warmup) the worker handles first, in a keyspace or database of their
   * own (warmupConfig), before it starts on the measured one.
   */
  warmup?: number;
}

/** Where a peer's warm-up runs: the same system, next to the measured store, never in it. */
export function warmupConfig(cfg: PeerConfig): PeerConfig {
  return {
    ...cfg,
    sleepMs: 0,
    history: undefined,
    redis: cfg.redis && { ...cfg.redis, prefix: `${cfg.redis.prefix}-warmup` },
    mongoUrl: cfg.mongoUrl && `${cfg.mongoUrl}-warmup`,
  };
}

export interface JobData {
  /** Date.now() just before the submit call, in the producer. */
  submitAt: number;
  i: number;
}

/** Appends one line to the job's own log, the way the system offers (BullMQ: job.log). */
export type JobLog = (message: string) => Promise<void>;
export type Handle = (type: string, data: JobData, log: JobLog) => Promise<void>;

export interface PeerAdapter {
  startWorker(cfg: PeerConfig, handle: Handle): Promise<{ close(): Promise<void> }>;
  startProducer(cfg: PeerConfig): Promise<{ submit(type: string, data: JobData): Promise<void>; close(): Promise<void> }>;
  /** Writes `count` finished jobs (with their three log lines), straight into the system's store. */
  writeHistory?(cfg: PeerConfig, count: number): Promise<void>;
}

/**
 * The lines a successful Loom bench task has stored in its log, for the peers to write as well:
 * the built-in sleep handler's one. (The executor's start and end lines of a run that succeeds
 * are not written: the log read back derives them from the task's startedAt and
 * finishedAt, libs/store task-logs.ts runLinesOf.)
 */
export const LOG_LINES = {
  slept: (ms: number) => `slept ${ms} ms`,
};

/** The finished jobs of --history: type i % K, spread over the last 2 days (as Loom's), oldest first. */
export function historyJob(i: number, count: number, types: string[]) {
  const finishedAt = Date.now() - 60_000 - Math.round(((count - i) / Math.max(1, count)) * 2 * 86_400_000);
  const startedAt = finishedAt - 5 - (i % 20);
  const submitAt = startedAt - 30 - (i % 50);
  return { type: types[i % types.length]!, data: { submitAt, i } as JobData, submitAt, startedAt, finishedAt };
}

/** Parent -> child. */
/** deadline: epoch ms after which the producer (or Loom's client) submits nothing more and answers. */
/** warmup: the producer submits the warm-up's jobs (into warmupConfig's store) and answers `submitted`. */
export type ToChild =
  | { cmd: 'submit'; scenario: import('../lib/workload').Scenario; deadline?: number }
  | { cmd: 'warmup'; scenario: import('../lib/workload').Scenario }
  | { cmd: 'collect' }
  | { cmd: 'stop' };
/** Child -> parent. */
export type FromChild =
  | { kind: 'ready' }
  | { kind: 'done'; count: number }
  /** The worker handled the warm-up's jobs and now serves the measured store. */
  | { kind: 'warmed'; count: number }
  /** tasks: Loom's client only, [id, type, submitAt] of each task it submitted. */
  | { kind: 'submitted'; seconds: number; tasks?: [string, string, number][] }
  | { kind: 'records'; records: import('../lib/workload').TaskTiming[] }
  | { kind: 'stopped' }
  | { kind: 'error'; message: string };
