// The lifecycle benchmark (`npm run bench`): N no-op tasks over K types, submitted over HTTP all
// at once (with bounded client concurrency), through gateway -> scheduler -> executor on the real
// servers. Reports tasks/s, submit-to-start latency and the same-type gap (end of one task to
// start of the next of its type), as percentiles from this one run. Not a test: numbers vary by machine.
import fs from 'node:fs';
import os from 'node:os';
import { cachePath, ensureInfrastructure } from '@loom/dev-infra';
import { onCleanup } from './lib/cleanup';
import { startLoom } from './systems/loom';
import { pct } from './lib/workload';

export async function runLifecycle(N: number, K: number, C: number): Promise<void> {
  const infra = await ensureInfrastructure('test');
  const typeNames = Array.from({ length: K }, (_, i) => `bench.t${i}`);
  const loom = await startLoom({ infra, types: typeNames });
  const { ns } = loom;
  const unregister = onCleanup('loom services', () => loom.stop());
  try {
    console.log(`[bench] ${N} no-op tasks over ${K} types, client concurrency ${C}, namespace ${ns}`);
    const t0 = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: C }, async () => {
        while (next < N) {
          const i = next++;
          await loom.submit(typeNames[i % K]!, { ms: 0 });
        }
      }),
    );
    const submitSecs = (Date.now() - t0) / 1000;
    await loom.waitIdle(10 * 60_000);
    const { Task } = loom.store.models;
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
    unregister();
    await loom.stop();
  }
}
