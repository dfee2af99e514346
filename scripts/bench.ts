// The lifecycle benchmark: N no-op tasks over K types, submitted over HTTP all at once (with
// bounded client concurrency), through gateway -> scheduler -> executor on the real servers.
// Reports tasks/s, submit-to-start latency and the same-type gap (end of one task to start of
// the next of its type), as percentiles from this one run. Not a test: numbers vary by machine.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cachePath, ensureInfrastructure, startServiceProcess, SERVICE_NAMES, type ServiceProcess } from '@loom/dev-infra';
import { connectMongo, createStore } from '@loom/store';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '2000' },
    types: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '32' },
  },
});
const N = Number(values.tasks);
const K = Number(values.types);
const C = Number(values.concurrency);

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

async function main(): Promise<void> {
  const infra = await ensureInfrastructure('test');
  const ns = `bench-${Date.now().toString(36)}`;
  const typesFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'loom-bench-')), 'types.json');
  const typeNames = Array.from({ length: K }, (_, i) => `bench.t${i}`);
  fs.writeFileSync(typesFile, JSON.stringify({ types: Object.fromEntries(typeNames.map((t) => [t, { handler: 'sleep' }])) }));
  const env = {
    ...infra.env,
    MONGO_URL: `${infra.env.MONGO_URL!.replace(/\/$/, '')}/${ns}`,
    LOOM_NAMESPACE: ns,
    LOOM_TASK_TYPES_FILE: typesFile,
    GATEWAY_PORT: '0',
    LOG_LEVEL: 'info',
  };
  const conn = await connectMongo(env.MONGO_URL);
  const store = await createStore(conn);
  const { apiKey } = await store.apiKeys.issue('bench', 'user', 'bench');
  const procs: ServiceProcess[] = [];
  const logDir = path.dirname(cachePath('bench-logs', ns, '.keep'));
  try {
    for (const s of SERVICE_NAMES) procs.push(await startServiceProcess(s, { env, logFile: path.join(logDir, `${s}.log`) }));
    const gateway = procs[0]!.url;
    console.log(`[bench] ${N} no-op tasks over ${K} types, client concurrency ${C}, namespace ${ns}`);

    const t0 = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: C }, async () => {
        while (next < N) {
          const i = next++;
          const res = await fetch(`${gateway}/v1/tasks`, {
            method: 'POST',
            headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
            body: JSON.stringify({ type: typeNames[i % K], input: { ms: 0 } }),
          });
          if (res.status !== 202) throw new Error(`submit ${i}: ${res.status} ${await res.text()}`);
        }
      }),
    );
    const submitSecs = (Date.now() - t0) / 1000;
    const { Task } = store.models;
    for (;;) {
      const left = await Task.countDocuments({ status: { $nin: ['succeeded', 'failed', 'cancelled'] } });
      if (left === 0) break;
      if (Date.now() - t0 > 10 * 60_000) throw new Error(`${left} tasks still not finished after 10 minutes`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const tasks = await Task.find({}, { type: 1, status: 1, createdAt: 1, startedAt: 1, finishedAt: 1 }).lean();
    const first = Math.min(...tasks.map((t) => t.createdAt.getTime()));
    const last = Math.max(...tasks.map((t) => t.finishedAt!.getTime()));
    const startLat = tasks.map((t) => t.startedAt!.getTime() - t.createdAt.getTime());
    const gaps: number[] = [];
    let overlaps = 0;
    for (const type of typeNames) {
      const ts = tasks.filter((t) => t.type === type).sort((a, b) => a.startedAt!.getTime() - b.startedAt!.getTime());
      for (let i = 1; i < ts.length; i++) {
        const gap = ts[i]!.startedAt!.getTime() - ts[i - 1]!.finishedAt!.getTime();
        if (gap < 0) overlaps++;
        gaps.push(gap);
      }
    }
    const result = {
      machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.cpus()[0]?.model ?? ''}`.trim(),
      date: new Date().toISOString(),
      tasks: N,
      types: K,
      succeeded: tasks.filter((t) => t.status === 'succeeded').length,
      tasksPerSecond: Math.round((N / ((last - first) / 1000)) * 10) / 10,
      submitPerSecond: Math.round((N / submitSecs) * 10) / 10,
      submitToStartMs: { p50: pct(startLat, 50), p95: pct(startLat, 95), p99: pct(startLat, 99) },
      sameTypeGapMs: { p50: pct(gaps, 50), p99: pct(gaps, 99) },
      sameTypeOverlaps: overlaps,
    };
    console.table({
      'tasks/s (end to end)': result.tasksPerSecond,
      'submits/s (HTTP)': result.submitPerSecond,
      'submit->start p50 ms': result.submitToStartMs.p50,
      'submit->start p95 ms': result.submitToStartMs.p95,
      'submit->start p99 ms': result.submitToStartMs.p99,
      'same-type gap p50 ms': result.sameTypeGapMs.p50,
      'same-type gap p99 ms': result.sameTypeGapMs.p99,
      'same-type overlaps': result.sameTypeOverlaps,
    });
    const out = cachePath('bench', `lifecycle-${ns}.json`);
    fs.writeFileSync(out, JSON.stringify(result, null, 2));
    console.log(JSON.stringify(result));
    console.log(`[bench] written to ${out}`);
  } finally {
    await Promise.all(procs.map((p) => p.stop(20_000)));
    await conn.dropDatabase().catch(() => undefined);
    await conn.close();
  }
}

main().catch((err) => {
  console.error(`[bench] ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
