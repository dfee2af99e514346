// The peer systems as benchmarked systems: a worker process and a producer process per run
// (bench/peers/child.ts), driven over IPC, on a backing server (redis-server for BullMQ, the
// test MongoDB for Agenda and the polling worker) in a keyspace or database of their own.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { onCleanup, trackPid } from '../lib/cleanup';
import type { ProcessGroup } from '../lib/procstat';
import { warmupRounds, type Scenario, type TaskTiming } from '../lib/workload';
import type { FromChild, PeerConfig, ToChild } from '../peers/types';

const CHILD = path.join(__dirname, '..', 'peers', 'child.ts');

export class PeerChild {
  private queue: FromChild[] = [];
  private waiters: ((m: FromChild) => void)[] = [];
  private exited: Promise<number | null>;
  private untrack: () => void;
  private unregister: () => void;
  readonly pid: number;

  private constructor(
    readonly label: string,
    private readonly child: ChildProcess,
  ) {
    this.pid = child.pid!;
    this.untrack = trackPid(this.pid);
    this.unregister = onCleanup(label, () => this.stop());
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
    child.on('message', (m: FromChild) => {
      const w = this.waiters.shift();
      if (w) w(m);
      else this.queue.push(m);
    });
    void this.exited.then((code) => {
      const m: FromChild = { kind: 'error', message: `${label} exited (code ${code})` };
      for (const w of this.waiters.splice(0)) w(m);
      this.queue.push(m);
    });
  }

  static start(cfg: PeerConfig, logFile: string): Promise<PeerChild> {
    // a producer that writes --history first takes longer (bounded: 10 ms per history job)
    return PeerChild.startScript(`${cfg.system} ${cfg.role}`, CHILD, { BENCH_PEER: JSON.stringify(cfg) }, logFile, 60_000 + (cfg.history ?? 0) * 10);
  }

  /** Any child script that speaks the same IPC protocol (ready first; stop at the end). */
  static async startScript(label: string, script: string, env: Record<string, string>, logFile: string, readyTimeoutMs = 60_000): Promise<PeerChild> {
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    const out = fs.openSync(logFile, 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      env: { ...process.env, ...env },
      stdio: ['ignore', out, out, 'ipc'],
    });
    fs.closeSync(out);
    const p = new PeerChild(label, child);
    await p.expect('ready', readyTimeoutMs);
    return p;
  }

  send(m: ToChild): void {
    this.child.send(m);
  }

  /** The next message from the child, which must be of this kind (an error message throws). */
  next(timeoutMs: number): Promise<FromChild> {
    const m = this.queue.shift();
    if (m) return Promise.resolve(m);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`${this.label}: no answer within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      const w = (msg: FromChild) => {
        clearTimeout(t);
        resolve(msg);
      };
      this.waiters.push(w);
    });
  }

  async expect<K extends FromChild['kind']>(kind: K, timeoutMs: number): Promise<Extract<FromChild, { kind: K }>> {
    const m = await this.next(timeoutMs);
    if (m.kind === 'error') throw new Error(`${this.label}: ${m.message}`);
    if (m.kind !== kind) throw new Error(`${this.label}: expected ${kind}, got ${m.kind}`);
    return m as Extract<FromChild, { kind: K }>;
  }

  async stop(): Promise<void> {
    this.unregister();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      if (this.child.connected) this.send({ cmd: 'stop' });
      const t = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
      await this.exited;
      clearTimeout(t);
    }
    this.untrack();
  }
}

export interface PeerRun {
  timings: TaskTiming[];
  submitSeconds: number;
  /** False when the tasks did not all finish within the time limit (the figures cover those that did). */
  complete: boolean;
}

/**
 * One scenario on one peer system: start its worker, then its producer; `measure` opens the
 * measurement window (given the process groups) right before the submissions and closes it when
 * the worker has handled every task (or the time limit passed); then both processes are stopped.
 */
export async function runPeer(
  base: Omit<PeerConfig, 'role' | 'sleepMs' | 'expected' | 'types' | 'warmup'>,
  scenario: Scenario,
  opts: {
    logDir: string;
    serverGroups: ProcessGroup[];
    timeLimitMs: number;
    window: { open(groups: ProcessGroup[]): void; close(): void };
    /** Called with the process groups once both processes are ready (and warm), before the window opens. */
    idle?: (groups: ProcessGroup[]) => Promise<void>;
    /** No-op jobs both processes handle first, in a store of their own, not measured (--warmup). */
    warmup: number;
    /** Called once the warm-up is over, before the window opens (the warm-up's store may go). */
    warmedUp?: () => Promise<void>;
  },
): Promise<PeerRun> {
  const cfg = { ...base, types: scenario.types, sleepMs: scenario.sleepMs, expected: scenario.tasks, warmup: opts.warmup || undefined };
  const tag = `${base.system}-${scenario.name.replace(/[^a-z0-9]+/gi, '_')}`;
  const worker = await PeerChild.start({ ...cfg, role: 'worker' }, path.join(opts.logDir, `${tag}-worker.log`));
  let producer: PeerChild | undefined;
  try {
    producer = await PeerChild.start({ ...cfg, role: 'producer' }, path.join(opts.logDir, `${tag}-producer.log`));
    const groups = [{ name: 'worker', pid: worker.pid }, { name: 'producer', pid: producer.pid }, ...opts.serverGroups];
    if (opts.warmup > 0) {
      // Round by round: the worker says `warmed` when a round's jobs are handled (after the last
      // one, once it serves the measured store).
      for (const round of warmupRounds(scenario, opts.warmup)) {
        producer.send({ cmd: 'warmup', scenario: round });
        await producer.expect('submitted', opts.timeLimitMs);
        await worker.expect('warmed', opts.timeLimitMs);
      }
      await opts.warmedUp?.();
    }
    await opts.idle?.(groups);
    opts.window.open(groups);
    producer.send({ cmd: 'submit', scenario, deadline: Date.now() + opts.timeLimitMs });
    const submitted = await producer.expect('submitted', opts.timeLimitMs + 60_000);
    let complete = true;
    try {
      await worker.expect('done', Math.max(1000, opts.timeLimitMs - submitted.seconds * 1000));
    } catch (err) {
      if (!/no answer within/.test((err as Error).message)) throw err;
      complete = false;
    }
    opts.window.close();
    worker.send({ cmd: 'collect' });
    const { records } = await worker.expect('records', 30_000);
    return { timings: records, submitSeconds: submitted.seconds, complete };
  } finally {
    await producer?.stop();
    await worker.stop();
  }
}

export async function dropMongoDatabase(url: string): Promise<void> {
  const client = await MongoClient.connect(url, { serverSelectionTimeoutMS: 5000 });
  try {
    await client.db().dropDatabase();
  } finally {
    await client.close();
  }
}
