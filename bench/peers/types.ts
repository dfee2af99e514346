// What the bench's peer child processes share: their configuration and the adapter each peer
// system implements (a worker that calls `handle` for each job, a producer that submits one).

export type PeerSystem = 'bullmq' | 'agenda' | 'polling' | 'polling-serial';
export const PEER_SYSTEMS: PeerSystem[] = ['bullmq', 'agenda', 'polling', 'polling-serial'];

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
}

export interface JobData {
  /** Date.now() just before the submit call, in the producer. */
  submitAt: number;
  i: number;
}

export type Handle = (type: string, data: JobData) => Promise<void>;

export interface PeerAdapter {
  startWorker(cfg: PeerConfig, handle: Handle): Promise<{ close(): Promise<void> }>;
  startProducer(cfg: PeerConfig): Promise<{ submit(type: string, data: JobData): Promise<void>; close(): Promise<void> }>;
}

/** Parent -> child. */
export type ToChild = { cmd: 'submit'; scenario: import('../lib/workload').Scenario } | { cmd: 'collect' } | { cmd: 'stop' };
/** Child -> parent. */
export type FromChild =
  | { kind: 'ready' }
  | { kind: 'done'; count: number }
  | { kind: 'submitted'; seconds: number }
  | { kind: 'records'; records: import('../lib/workload').TaskTiming[] }
  | { kind: 'stopped' }
  | { kind: 'error'; message: string };
