// This platform as a benchmarked system: the five services (each `node --import tsx`, started by
// libs/dev-infra's startServiceProcess) on the local real servers from ensureInfrastructure('test'),
// in a namespace and database of their own, with K task types running the built-in `sleep`
// handler. Tasks are submitted over the HTTP API (concurrent ones grouped into POST /v1/tasks/bulk);
// start and end come from the task documents.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import amqp from 'amqplib';
import type { Connection } from 'mongoose';
import { cachePath, startServiceProcess, SERVICE_NAMES, type Infrastructure, type ServiceProcess } from '@loom/dev-infra';
import { connectMongo, createStore, type Store, type TaskRecord } from '@loom/store';
import { groupCommit, idsOfBulkAnswer } from '../lib/group-commit';
import { pidListeningOn, type ProcessGroup } from '../lib/procstat';
import type { Scenario, TaskTiming } from '../lib/workload';
import { writeLoomHistory } from './loom-history';

const TERMINAL = ['succeeded', 'failed', 'cancelled'] as const;

export interface LoomOptions {
  infra: Infrastructure;
  types: string[];
  /** Extra environment for every service (NODE_OPTIONS for profiling, ...). */
  env?: Record<string, string>;
  label?: string;
}

export interface Loom {
  ns: string;
  gatewayUrl: string;
  store: Store;
  procs: ServiceProcess[];
  logDir: string;
  /** Submits one task (concurrent calls share a POST /v1/tasks/bulk); resolves with its id. */
  submit(type: string, input: Record<string, unknown>): Promise<string>;
  /**
   * Waits until none of the given tasks (default: every task of this namespace) is unfinished.
   * With ids it reads them by _id only (see byIds), so that a --history of finished tasks is not
   * scanned by the bench itself.
   */
  waitIdle(timeoutMs: number, pollMs?: number, ids?: string[]): Promise<void>;
  /**
   * Waits until the last-submitted task of each type has finished: a type runs in order, so its
   * other tasks are done by then (timings() tells if one is not). Each poll is one findOne by _id
   * per type: the cheapest question, as the bench's own queries count in Loom's MongoDB CPU.
   */
  waitLastOfEachType(submitted: Map<string, { type: string; submitAt: number }>, timeoutMs: number, pollMs?: number): Promise<void>;
  /** Start and end of the given tasks from their documents, with the client-side submit times. */
  timings(submitted: Map<string, { type: string; submitAt: number }>): Promise<{ timings: TaskTiming[]; serverStartLatencies: number[]; failed: number }>;
  /**
   * Removes the given (finished) tasks of a scenario and their logs, so that the next scenario
   * starts where this one started: on the history (--history) and nothing else, as the peers'
   * runs each start on a fresh database or keyspace holding the same history.
   */
  reset(ids: string[]): Promise<void>;
  /**
   * The warm-up (--warmup): each round's tasks, sent by `submitRound`, run to their end and are
   * removed before the next round.
   */
  warmUp(rounds: Scenario[], submitRound: (round: Scenario) => Promise<Map<string, { type: string; submitAt: number }>>): Promise<void>;
  /** The API key the bench submits with (its tenant is `bench`). */
  apiKey: string;
  /** Writes `count` finished tasks with their logs straight into the database (see loom-history.ts). */
  writeHistory(count: number, timeLimitMs: number): Promise<{ tasks: number; logs: number; seconds: number }>;
  /** The services and the servers they use (by listening port), for CPU and memory. */
  processGroups(): ProcessGroup[];
  stop(): Promise<void>;
}

export async function startLoom(opts: LoomOptions): Promise<Loom> {
  const { infra } = opts;
  const ns = `${opts.label ?? 'bench'}-${Date.now().toString(36)}`;
  const typesFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'loom-bench-')), 'types.json');
  // Short-task types, declared as such: a type whose tasks may run at most a minute lets the
  // executor prefetch its next deliveries (libs/messaging serial-per-type.ts); the default
  // maxTimeoutMs (6 h) would allow one at a time. The peers have no timeouts at all.
  const typeConfig = { handler: 'sleep', timeoutMs: 60_000, maxTimeoutMs: 60_000 };
  fs.writeFileSync(typesFile, JSON.stringify({ types: Object.fromEntries(opts.types.map((t) => [t, typeConfig])) }));
  const env = {
    ...infra.env,
    MONGO_URL: `${infra.env.MONGO_URL!.replace(/\/$/, '')}/${ns}`,
    LOOM_NAMESPACE: ns,
    LOOM_TASK_TYPES_FILE: typesFile,
    GATEWAY_PORT: '0',
    LOG_LEVEL: 'info',
    // The peers have no submit rate limit. Loom's tenant limiter still runs on every request
    // (its one findAndModify a batch), but with a ceiling above what this machine can do: the
    // default (1,000/s, a 2 s burst) refuses back-to-back bursts of a warm-up faster than that.
    TENANT_SUBMITS_PER_SECOND: '100000',
    ...opts.env,
  };
  const conn: Connection = await connectMongo(env.MONGO_URL);
  const store = await createStore(conn);
  const { apiKey } = await store.apiKeys.issue('bench', 'user', 'bench');
  const procs: ServiceProcess[] = [];
  const logDir = path.dirname(cachePath('bench-logs', ns, '.keep'));

  const stop = async () => {
    await Promise.all(procs.map((p) => p.stop(20_000)));
    await conn.dropDatabase().catch(() => undefined);
    await conn.close().catch(() => undefined);
    await deleteNamespaceTopology(infra.env.AMQP_URL!, ns).catch(() => undefined);
    fs.rmSync(path.dirname(typesFile), { recursive: true, force: true });
  };
  try {
    for (const s of SERVICE_NAMES) procs.push(await startServiceProcess(s, { env, logFile: path.join(logDir, `${s}.log`) }));
  } catch (err) {
    await stop();
    throw err;
  }
  const gatewayUrl = procs[0]!.url;
  const { Task } = store.models;

  // Tasks by id in batches of 100 with nothing but `_id: {$in}` in the filter: the local MongoDB
  // server (mongo-java-server) answers that from its _id index, while any other condition next to
  // it makes it scan the whole collection (measured: 0.6 ms for {_id} vs 56 ms for {_id, status}
  // over 50,000 tasks), and a long $in costs more than its share.
  const byIds = async (ids: string[], projection: Record<string, 1>) => {
    const out: (TaskRecord & { _id: string })[] = [];
    for (let i = 0; i < ids.length; i += 100) out.push(...(await Task.find({ _id: { $in: ids.slice(i, i + 100) } }, projection).lean<(TaskRecord & { _id: string })[]>()));
    return out;
  };

  // Concurrent submissions go together as one POST /v1/tasks/bulk, as in the comparison's client.
  const submitGrouped = groupCommit<{ type: string; input: Record<string, unknown> }, string>(async (tasks) => {
    const res = await fetch(`${gatewayUrl}/v1/tasks/bulk`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tasks }),
    });
    const text = await res.text();
    return idsOfBulkAnswer(res.status, text);
  }, 500);

  const self: Loom = {
    ns,
    gatewayUrl,
    store,
    procs,
    logDir,
    submit: (type, input) => submitGrouped({ type, input }),
    apiKey,
    async waitIdle(timeoutMs, pollMs = 250, ids) {
      const t0 = Date.now();
      let open = ids ? [...ids] : undefined;
      for (;;) {
        let left: number;
        if (open) {
          const docs = await byIds(open, { status: 1 });
          const unfinished = new Set(docs.filter((d) => !TERMINAL.includes(d.status as (typeof TERMINAL)[number])).map((d) => String(d._id)));
          const found = new Set(docs.map((d) => String(d._id)));
          open = open.filter((id) => unfinished.has(id) || !found.has(id));
          left = open.length;
        } else {
          left = await Task.countDocuments({ status: { $nin: [...TERMINAL] } });
        }
        if (left === 0) return;
        if (Date.now() - t0 > timeoutMs) throw new Error(`${left} tasks still not finished after ${Math.round(timeoutMs / 1000)} s`);
        await new Promise((r) => setTimeout(r, pollMs));
      }
    },
    async waitLastOfEachType(submitted, timeoutMs, pollMs = 250) {
      const t0 = Date.now();
      const last = new Map<string, { id: string; at: number }>();
      for (const [id, { type, submitAt }] of submitted) if (!last.has(type) || last.get(type)!.at <= submitAt) last.set(type, { id, at: submitAt });
      let open = [...last.values()].map((x) => x.id);
      for (;;) {
        const still: string[] = [];
        for (const id of open) {
          const d = await Task.findOne({ _id: id }, { status: 1 }).lean();
          if (!d || !TERMINAL.includes(d.status as (typeof TERMINAL)[number])) still.push(id);
        }
        open = still;
        if (open.length === 0) return;
        if (Date.now() - t0 > timeoutMs) throw new Error(`the last task of ${open.length} types still not finished after ${Math.round(timeoutMs / 1000)} s`);
        await new Promise((r) => setTimeout(r, pollMs));
      }
    },
    async timings(submitted) {
      const docs = await byIds([...submitted.keys()], { type: 1, status: 1, createdAt: 1, startedAt: 1, finishedAt: 1 });
      const timings: TaskTiming[] = [];
      const serverStartLatencies: number[] = [];
      let failed = submitted.size - docs.length;
      for (const d of docs) {
        const s = submitted.get(String(d._id))!;
        if (d.status !== 'succeeded' || !d.startedAt || !d.finishedAt) {
          failed++;
          continue;
        }
        timings.push({ type: d.type, submitAt: s.submitAt, startAt: d.startedAt.getTime(), endAt: d.finishedAt.getTime() });
        serverStartLatencies.push(d.startedAt.getTime() - d.createdAt.getTime());
      }
      return { timings, serverStartLatencies, failed };
    },
    async warmUp(rounds, submitRound) {
      for (const round of rounds) {
        const warmed = await submitRound(round);
        await self.waitLastOfEachType(warmed, 5 * 60_000);
        await self.waitIdle(60_000, 250, [...warmed.keys()]);
        await self.reset([...warmed.keys()]);
      }
    },
    async reset(ids) {
      for (let i = 0; i < ids.length; i += 100) await Task.deleteMany({ _id: { $in: ids.slice(i, i + 100) } });
      // Their log lines stay: taskId is no _id, so on mongo-java-server a deleteMany by it scans
      // task_logs testing each line against the whole id list, which with a 150,000-line history
      // held the collection's lock past the driver's monitor timeout. A few thousand more lines
      // change nothing a scenario measures (log lines are only ever inserted on the task path).
    },
    writeHistory(count, timeLimitMs) {
      return writeLoomHistory(self, count, opts.types, timeLimitMs);
    },
    processGroups() {
      const groups: ProcessGroup[] = procs.map((p) => ({ name: p.name, pid: p.pid }));
      const rabbit = serverPid(infra.env.AMQP_URL!, 5672);
      if (rabbit) groups.push({ name: 'rabbitmq', pid: rabbit });
      const mongo = serverPid(infra.env.MONGO_URL!, 27017);
      if (mongo) groups.push({ name: 'mongodb', pid: mongo });
      return groups;
    },
    stop,
  };
  return self;
}

/** The local pid serving a URL's port, when the host is loopback (a remote server is not measured). */
export function serverPid(url: string, defaultPort: number): number | undefined {
  const u = new URL(url);
  if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(u.hostname)) return undefined;
  return pidListeningOn(Number(u.port || defaultPort));
}

/** Removes the queues and exchanges of a bench namespace (best effort; rabbitmqctl lists them). */
async function deleteNamespaceTopology(amqpUrl: string, ns: string): Promise<void> {
  const list = (what: string) =>
    (spawnSync('rabbitmqctl', [what, 'name', '-q'], { encoding: 'utf8', timeout: 30_000 }).stdout ?? '')
      .split('\n')
      .map((l) => l.trim())
      .filter((n) => n.startsWith(`${ns}.`));
  const queues = list('list_queues');
  const exchanges = list('list_exchanges');
  if (queues.length + exchanges.length === 0) return;
  const conn = await amqp.connect(amqpUrl);
  try {
    const ch = await conn.createChannel();
    for (const q of queues) await ch.deleteQueue(q);
    for (const e of exchanges) await ch.deleteExchange(e);
    await ch.close();
  } finally {
    await conn.close();
  }
}
