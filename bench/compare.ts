// `npm run bench -- --peers`: the same workload on this platform and on the peers a user would
// pick instead, one after another in one process tree and one report. For each system and
// scenario: tasks/s, submit->start latency, same-type gap, CPU seconds per 1,000 tasks (all of
// the system's processes, servers included, from /proc), peak memory (sampled RSS sum), and the
// count of same-type overlaps (per-type serial order). Output: terminal tables, JSON, Markdown,
// and an SVG chart under .cache/bench/; the headline is Loom's ratio to each peer.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cachePath, ensureInfrastructure, repoRoot, type Infrastructure } from '@loom/dev-infra';
import { onCleanup } from './lib/cleanup';
import { ResourceMeter, round, type ProcessGroup, type ResourceUse } from './lib/procstat';
import { startRedis } from './lib/redis';
import { markdownReport, ratios, terminalReport, type IdleResult, type RunResult } from './lib/report';
import { svgChart } from './lib/svg';
import { figures, pct, scenarioName, warmupRounds, type Arrival, type Scenario, type TaskTiming } from './lib/workload';
import { serverPid, startLoom } from './systems/loom';
import { dropMongoDatabase, PeerChild, runPeer } from './systems/peers';
import type { PeerSystem } from './peers/types';

export const ALL_SYSTEMS = ['loom', 'bullmq', 'bullmq-nopersist', 'agenda', 'polling', 'polling-serial'] as const;
export type SystemName = (typeof ALL_SYSTEMS)[number];

export interface CompareOptions {
  tasks: number;
  types: number;
  sleepMs: number;
  rate: number;
  concurrency: number;
  pollMs: number;
  pollConcurrency: number;
  timeLimitSeconds: number;
  systems: SystemName[];
  /** Subset of noop-burst, noop-rate, sleep-burst, sleep-rate. */
  scenarios: string[];
  /** Finished tasks written into Loom's store before its scenarios (--history). */
  history: number;
  /** Finished jobs written into each peer's store before each scenario (--peer-history, default: --history). */
  peerHistory: number;
  /** Seconds each system is measured doing nothing after its start (--idle-seconds). */
  idleSeconds: number;
  /** No-op tasks each system runs, unmeasured, on the processes it is then measured on (--warmup). */
  warmup: number;
  command: string;
}

export function machine() {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const nproc = Number(spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()) || os.cpus().length;
  return { nproc, model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, kernel: os.release() };
}

function versions() {
  const pkg = (name: string) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')).version as string;
    } catch {
      return undefined;
    }
  };
  const deb = (name: string) => spawnSync('dpkg-query', ['-W', '-f=${Version}', name], { encoding: 'utf8' }).stdout?.trim() || undefined;
  const pom = (() => {
    try {
      const xml = fs.readFileSync(path.join(repoRoot, 'tools', 'mongo-server', 'pom.xml'), 'utf8');
      const v = /<artifactId>mongo-java-server[^<]*<\/artifactId>\s*<version>([^<]+)</.exec(xml)?.[1];
      const prop = v && /^\$\{(.+)\}$/.exec(v)?.[1];
      return prop ? new RegExp(`<${prop.replace(/\./g, '\\.')}>([^<]+)<`).exec(xml)?.[1] : v;
    } catch {
      return undefined;
    }
  })();
  return {
    bullmq: pkg('bullmq'),
    ioredis: pkg('ioredis'),
    agenda: pkg('agenda'),
    '@agendajs/mongo-backend': pkg('@agendajs/mongo-backend'),
    mongodb: pkg('mongodb'),
    mongoose: pkg('mongoose'),
    amqplib: pkg('amqplib'),
    'redis-server': deb('redis-server'),
    'rabbitmq-server': deb('rabbitmq-server'),
    'mongo-java-server': pom,
  };
}

const LOOM_CLIENT = path.join(__dirname, 'systems', 'loom-client.ts');

/** What makes the comparison even, said in every report (JSON notes and the Markdown). */
const NOTES = [
  'BullMQ: the `bullmq` row runs redis-server with `appendonly yes, appendfsync everysec` (what production runs); `bullmq-nopersist` is the same with `--appendonly no`. Ratios to "BullMQ" are to the persistent one.',
  "Task logs: a successful Loom bench task stores one line in its log, the built-in sleep handler's \"slept N ms\" (the executor's \"attempt N of M started\" and \"finished in X ms\" of a run that succeeds are not written: they are derived from the task's startedAt and finishedAt when the log is read); every peer handler writes the same line, awaited, between its start and its end: BullMQ with job.log, Agenda with its MongoJobLogger (collection agenda_logs), the polling workers with an insertOne into job_logs.",
  "Clients: Loom's HTTP client (node:http, keep-alive Agent) runs in a child process measured with Loom (group `client`), as each peer's producer process is measured with the peer.",
  'Producers group their submissions the same way (bench/lib/group-commit.ts): the calls made while a batch is being sent go together in the next one, one batch in flight, up to 500. Loom sends a batch as one POST /v1/tasks/bulk, BullMQ as Queue.addBulk per queue, the polling producer as one insertMany; Agenda has no bulk create and submits one job per call (agenda.now).',
  'Warm-up (--warmup N, default 10000): before it is measured, each system runs N no-op tasks over the same types, in bursts of 1,000 (each finished before the next), through the processes it is then measured on, and they are not counted (V8, and the MongoDB server\'s JVM, compile hot code on first use). Loom keeps its services and client across its scenarios and warms up once, before the first; a peer starts a new worker and producer for each scenario and warms them up each time, in a store of their own (BullMQ: a key prefix; Agenda and polling: a database), so the measured store holds only the scenario\'s jobs.',
  'Idle: each system measured for --idle-seconds with no work right after its start and warm-up (Loom: after its history is written; peers: their first scenario\'s worker, producer and server), CPU seconds per second. The shared RabbitMQ and MongoDB servers count in the idle figure of whoever uses them.',
  '--history N: Loom gets N finished tasks (one real task per type as template, the rest copied into tasks and task_logs through the driver, the template\'s stored log lines each, one today, four tenants, timestamps over the last 2 days, inside the scheduler\'s 7-day retention) kept across its scenarios (between scenarios only that scenario\'s tasks are removed); the peers get --peer-history (default N) finished jobs with one log line each in every scenario\'s fresh store (BullMQ: completed job hashes, the completed set and job logs; Agenda: finished agendaJobs documents; polling: completed job documents). The local MongoDB server (mongo-java-server) answers most queries by scanning the collection, so a history slows every MongoDB-backed system on it (Agenda the most: its job lookup scans agendaJobs). A system that does not finish a scenario within --time-limit skips its remaining scenarios.',
];

export function buildScenarios(o: Pick<CompareOptions, 'tasks' | 'types' | 'sleepMs' | 'rate' | 'concurrency' | 'scenarios'>): Scenario[] {
  const types = Array.from({ length: o.types }, (_, i) => `bench.t${i}`);
  const out: Scenario[] = [];
  for (const [key, sleepMs] of [['noop', 0], ['sleep', o.sleepMs]] as const) {
    for (const arrival of ['burst', 'rate'] as Arrival[]) {
      if (!o.scenarios.includes(`${key}-${arrival}`)) continue;
      out.push({ name: scenarioName(sleepMs, arrival, o.rate), sleepMs, arrival, rate: o.rate, concurrency: o.concurrency, tasks: o.tasks, types });
    }
  }
  return out;
}

/** Opens a ResourceMeter on open(groups) and keeps its reading on close(). */
function windowMeter() {
  let meter: ResourceMeter | undefined;
  let use: ResourceUse | undefined;
  return {
    open(groups: ProcessGroup[]) {
      meter = new ResourceMeter(groups);
      meter.start();
    },
    close() {
      if (meter && !use) use = meter.stop();
    },
    get use(): ResourceUse {
      this.close();
      if (!use) throw new Error('measurement window never opened');
      return use;
    },
  };
}

/** CPU of a system's processes over `seconds` of doing nothing (its idle cost). */
async function measureIdle(system: string, groups: ProcessGroup[], seconds: number): Promise<IdleResult> {
  const meter = new ResourceMeter(groups);
  meter.start();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const use = meter.stop();
  const idle = { system, seconds: use.wallSeconds, cpuSeconds: use.cpuSeconds, cpuSecondsPerSecond: round(use.cpuSeconds / Math.max(0.001, use.wallSeconds), 3), cpuByGroup: use.cpuByGroup };
  console.log(`[bench]   ${system} idle: ${idle.cpuSecondsPerSecond} CPU s per second over ${idle.seconds} s (${Object.entries(use.cpuByGroup).map(([k, v]) => `${k} ${v}`).join(', ')})`);
  return idle;
}

function result(system: string, s: Scenario, timings: TaskTiming[], use: ResourceUse, complete: boolean, submitSeconds: number, note?: string): RunResult {
  const f = figures(timings, s.tasks);
  return {
    system,
    scenario: s.name,
    complete,
    note,
    figures: f,
    cpuSecondsPer1000: f.completed ? round((use.cpuSeconds / f.completed) * 1000, 2) : NaN,
    peakRssMiB: use.peakRssMiB,
    resources: use,
    submitSeconds: round(submitSeconds, 2),
  };
}

async function runLoom(infra: Infrastructure, scenarios: Scenario[], o: CompareOptions, logDir: string, results: RunResult[], idle: IdleResult[]): Promise<void> {
  console.log('[bench] loom: starting the five services...');
  const loom = await startLoom({ infra, types: scenarios[0]!.types });
  const unregister = onCleanup('loom services', () => loom.stop());
  let client: PeerChild | undefined;
  try {
    if (o.history > 0) {
      console.log(`[bench] loom: writing ${o.history} finished tasks (--history)...`);
      const h = await loom.writeHistory(o.history, 60_000 + o.history * 5);
      console.log(`[bench] loom: history of ${h.tasks} tasks and ${h.logs} log lines written in ${h.seconds} s`);
    }
    // Loom's HTTP client runs in a process of its own, measured with Loom (as the peers' producers are).
    client = await PeerChild.startScript('loom client', LOOM_CLIENT, { BENCH_LOOM_CLIENT: JSON.stringify({ gatewayUrl: loom.gatewayUrl, apiKey: loom.apiKey, connections: 64 }) }, path.join(logDir, 'loom-client.log'));
    const groups = [...loom.processGroups(), { name: 'client', pid: client.pid }];
    if (o.warmup > 0) {
      // Loom's services and client stay up across its scenarios: one warm-up before the first.
      console.log(`[bench] loom: warm-up of ${o.warmup} no-op tasks (not measured)`);
      const c = client;
      await loom.warmUp(warmupRounds(scenarios[0]!, o.warmup), async (round) => {
        c.send({ cmd: 'submit', scenario: round });
        const sub = await c.expect('submitted', o.timeLimitSeconds * 1000);
        return new Map((sub.tasks ?? []).map(([id, type, submitAt]) => [id, { type, submitAt }]));
      });
    }
    if (o.idleSeconds > 0) idle.push(await measureIdle('loom', groups, o.idleSeconds));
    for (const s of scenarios) {
      console.log(`[bench] loom: ${s.name} (${s.tasks} tasks over ${s.types.length} types)`);
      const w = windowMeter();
      w.open(groups);
      // past the time limit the client stops submitting and answers with what it has submitted
      client.send({ cmd: 'submit', scenario: s, deadline: Date.now() + o.timeLimitSeconds * 1000 });
      const sub = await client.expect('submitted', o.timeLimitSeconds * 1000 + 60_000);
      const submitted = new Map((sub.tasks ?? []).map(([id, type, submitAt]) => [id, { type, submitAt }]));
      const ids = [...submitted.keys()];
      let complete = submitted.size === s.tasks;
      const deadline = Date.now() + Math.max(1000, o.timeLimitSeconds * 1000 - sub.seconds * 1000);
      try {
        await loom.waitLastOfEachType(submitted, deadline - Date.now());
      } catch {
        complete = false;
      }
      w.close();
      // Outside the window: any task of the scenario not finished yet (out of order) is waited
      // for too; its end time still counts in the figures, which come from the documents.
      if (complete) await loom.waitIdle(Math.max(1000, deadline - Date.now()), 250, ids).catch(() => (complete = false));
      const { timings, serverStartLatencies: lat, failed } = await loom.timings(submitted);
      const r = result('loom', s, timings, w.use, complete, sub.seconds, failed ? `${failed} not succeeded` : undefined);
      // The same latency from the task document's createdAt (set by the gateway), for reference.
      r.submitToStartFromCreatedAtMs = { p50: pct(lat, 50), p95: pct(lat, 95), p99: pct(lat, 99) };
      results.push(r);
      printOne(r);
      if (!complete) {
        console.log('[bench] loom: not finished within the time limit; its remaining scenarios are skipped');
        break;
      }
      await loom.reset(ids);
      if (o.history > 0) {
        const left = await loom.store.models.Task.estimatedDocumentCount();
        console.log(`[bench] loom: ${left} tasks left in the database after the reset (the history${left < o.history ? `; ${o.history - left} of it were removed by something else` : ''})`);
      }
    }
  } finally {
    unregister();
    await client?.stop();
    await loom.stop();
  }
}

function printOne(r: RunResult): void {
  const f = r.figures;
  console.log(
    `[bench]   ${r.system} ${r.scenario}: ${f.tasksPerSecond} tasks/s, start p50 ${f.submitToStartMs.p50} ms, gap p50 ${f.sameTypeGapMs.p50} ms, ` +
      `CPU ${r.cpuSecondsPer1000} s/1k, peak ${r.peakRssMiB} MiB, violations ${f.serialViolations}${r.complete ? '' : ' (time limit)'}`,
  );
}

async function runPeerSystem(system: PeerSystem, infra: Infrastructure, scenarios: Scenario[], o: CompareOptions, logDir: string, results: RunResult[], idle: IdleResult[]): Promise<void> {
  const base = { system, pollMs: o.pollMs, pollConcurrency: o.pollConcurrency, history: o.peerHistory || undefined };
  const skipRest = (r: RunResult) => {
    if (r.complete) return false;
    console.log(`[bench] ${system}: not finished within the time limit; its remaining scenarios are skipped`);
    return true;
  };
  // Idle is measured once per system, on its first scenario's processes, after they are ready.
  const idleOnce = (groups: ProcessGroup[]) => (o.idleSeconds > 0 && !idle.some((x) => x.system === system) ? measureIdle(system, groups, o.idleSeconds).then((x) => void idle.push(x)) : Promise.resolve());
  if (system === 'bullmq' || system === 'bullmq-nopersist') {
    const persistent = system === 'bullmq';
    console.log(`[bench] ${system}: starting redis-server (${persistent ? 'appendonly yes, appendfsync everysec' : 'no persistence'})...`);
    const redis = await startRedis(path.join(logDir, `redis-server-${system}.log`), { persistent });
    try {
      for (const [i, s] of scenarios.entries()) {
        console.log(`[bench] ${system}: ${s.name}`);
        const w = windowMeter();
        const run = await runPeer({ ...base, redis: { host: redis.host, port: redis.port, prefix: `bench${i}` } }, s, {
          logDir,
          serverGroups: [{ name: 'redis-server', pid: redis.pid }],
          timeLimitMs: o.timeLimitSeconds * 1000,
          window: w,
          idle: idleOnce,
          warmup: o.warmup,
        });
        const r = result(system, s, run.timings, w.use, run.complete, run.submitSeconds);
        results.push(r);
        printOne(r);
        await redis.flush();
        if (skipRest(r)) break;
      }
    } finally {
      await redis.stop();
    }
    return;
  }
  const mongoPid = serverPid(infra.env.MONGO_URL!, 27017);
  const serverGroups = mongoPid ? [{ name: 'mongodb', pid: mongoPid }] : [];
  for (const s of scenarios) {
    console.log(`[bench] ${system}: ${s.name}`);
    const url = `${infra.env.MONGO_URL!.replace(/\/$/, '')}/bench-${system}-${Date.now().toString(36)}`;
    const dropBoth = () => Promise.all([dropMongoDatabase(url), dropMongoDatabase(`${url}-warmup`)]);
    const unregister = onCleanup(`database ${url}`, dropBoth);
    try {
      const w = windowMeter();
      const run = await runPeer({ ...base, mongoUrl: url }, s, { logDir, serverGroups, timeLimitMs: o.timeLimitSeconds * 1000, window: w, idle: idleOnce, warmup: o.warmup, warmedUp: () => dropMongoDatabase(`${url}-warmup`) });
      const r = result(system, s, run.timings, w.use, run.complete, run.submitSeconds);
      results.push(r);
      printOne(r);
      if (skipRest(r)) break;
    } finally {
      unregister();
      await dropBoth().catch(() => undefined);
    }
  }
}

export async function runCompare(o: CompareOptions): Promise<void> {
  const scenarios = buildScenarios(o);
  if (scenarios.length === 0) throw new Error('no scenario selected');
  const infra = await ensureInfrastructure('test');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const logDir = path.dirname(cachePath('bench-logs', `peers-${stamp}`, '.keep'));
  const results: RunResult[] = [];
  const idle: IdleResult[] = [];
  const hist = (n: number) => (n ? `${n.toLocaleString('en-US')} finished tasks` : 'none');
  const header = `${o.tasks} tasks over ${o.types} types per scenario; history: Loom ${hist(o.history)}, peers ${hist(o.peerHistory)}`;
  console.log(`[bench] peers: ${header}; scenarios ${scenarios.map((s) => s.name).join(', ')}; systems ${o.systems.join(', ')}`);
  for (const system of o.systems) {
    if (system === 'loom') await runLoom(infra, scenarios, o, logDir, results, idle);
    else await runPeerSystem(system, infra, scenarios, o, logDir, results, idle);
  }
  const rs = ratios(results);
  const m = machine();
  const date = new Date().toISOString();
  const report = {
    machine: m,
    date,
    command: o.command,
    config: {
      tasks: o.tasks,
      types: o.types,
      sleepMs: o.sleepMs,
      rate: o.rate,
      burstConcurrency: o.concurrency,
      pollMs: o.pollMs,
      pollConcurrency: o.pollConcurrency,
      timeLimitSeconds: o.timeLimitSeconds,
      history: o.history,
      peerHistory: o.peerHistory,
      idleSeconds: o.idleSeconds,
      warmup: o.warmup,
      versions: versions(),
    },
    notes: [
      'submitAt is taken client-side just before each submit call (Loom: before the HTTP POST); start/end: peers inside the handler with Date.now(), Loom from the task documents (startedAt, finishedAt).',
      'CPU: utime+stime(+cutime+cstime) from /proc/<pid>/stat of every process of the system and its descendants, servers included (Loom: 5 services + its HTTP client process + RabbitMQ beam.smp + mongo-java-server java; BullMQ: worker + producer + redis-server; Agenda and polling: worker + producer + the java MongoDB server). RabbitMQ and MongoDB are the shared local test servers: other work on the machine can add to them (see resources.otherCpuSeconds).',
      'Memory: peak of the sum of VmRSS of those processes, sampled every 200 ms during the run (not VmHWM: the shared servers outlive the run).',
      'violations: tasks that started before an earlier-started task of the same type had ended.',
      ...NOTES,
    ],
    results,
    ratios: rs,
    idle,
  };
  console.log(`\n== ${header}`);
  console.log(terminalReport(results, rs, idle));
  const out = cachePath('bench', `peers-${stamp}.json`);
  fs.writeFileSync(out, JSON.stringify(report, null, 2));
  const subtitle = `${o.tasks} tasks over ${o.types} types${o.history || o.peerHistory ? `; history: Loom ${hist(o.history)}, peers ${hist(o.peerHistory)}` : ''}; ${scenarios.map((s) => s.name).join(', ')}; ${m.nproc} × ${m.model}; ${date.slice(0, 16).replace('T', ' ')} UTC`;
  const svg = cachePath('bench', `peers-${stamp}.svg`);
  fs.writeFileSync(svg, svgChart(results, subtitle, idle));
  const md = cachePath('bench', `peers-${stamp}.md`);
  fs.writeFileSync(
    md,
    `Machine: ${m.nproc} × ${m.model}, ${m.memoryGiB} GiB, Node ${m.node}; ${date}\nCommand: \`${o.command}\`\n${header}.\n\n${markdownReport(results, rs, idle)}\n\n${NOTES.map((n) => `- ${n}`).join('\n')}\n`,
  );
  for (const [name, file] of [['latest.json', out], ['latest.svg', svg], ['latest.md', md]] as const) fs.copyFileSync(file, cachePath('bench', `peers-${name}`));
  console.log(`\n[bench] JSON: ${out}\n[bench] SVG: ${svg}\n[bench] Markdown: ${md}\n[bench] (also .cache/bench/peers-latest.{json,svg,md})`);
}
