// `npm run bench -- --profile`: where Loom's time goes under one burst of no-op tasks. The five
// services run with bench/preload/probe.cjs (NODE_OPTIONS=--require: counts Mongo operations and
// AMQP messages, and profiles the CPU with the V8 inspector between two SIGUSR2s, so start-up is
// left out). Reports CPU seconds per process (servers included), Mongo operations and AMQP
// messages per task per service, and the top self-time functions and packages of each service.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cachePath, ensureInfrastructure, repoRoot } from '@loom/dev-infra';
import { onCleanup } from './lib/cleanup';
import { ResourceMeter, round } from './lib/procstat';
import { drive, figures, scenarioName, warmupRounds, type Scenario, type TaskTiming } from './lib/workload';
import { startLoom } from './systems/loom';
import { compareMarkdown, ioReport, ioTables, type ProfileRun } from './lib/profile-report';
import { machine } from './compare';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

interface Counts {
  mongo: Record<string, number>;
  commands?: Record<string, number>;
  commandDocs?: Record<string, number>;
  publish: Record<string, number>;
  deliver: Record<string, number>;
  acks?: Record<string, number>;
  nacks?: Record<string, number>;
  ack: number;
  nack: number;
}

function diff(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(b)) if (b[k]! - (a[k] ?? 0) > 0) out[k] = b[k]! - (a[k] ?? 0);
  return out;
}

function category(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return 'node: (runtime)';
  const rel = url.replace(/^file:\/\//, '').replace(`${repoRoot}/`, '');
  const m = /^(libs|services)\/([^/]+)/.exec(rel);
  if (m) return m[1] === 'libs' ? `@loom/${m[2]}` : `services/${m[2]}`;
  return rel;
}

export function summarizeProfile(p: CpuProfile, top = 12) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    // timeDeltas[i+1] is the time until the next sample: the time spent where sample i was taken.
    const dt = p.timeDeltas[i + 1] ?? 0;
    self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + dt);
  }
  const fns = new Map<string, number>();
  const cats = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    total += us;
    const rel = url.replace(/^file:\/\//, '').replace(`${repoRoot}/`, '');
    const key = `${functionName || '(anonymous)'}${rel ? ` ${rel}:${lineNumber + 1}` : ''}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    const c = category(url, functionName);
    cats.set(c, (cats.get(c) ?? 0) + us);
  }
  const ms = (us: number) => round(us / 1000, 1);
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: ms(us), share: round((us / Math.max(1, total)) * 100, 1) }));
  return { busyMs: ms(total), idleMs: ms(idle), topFunctions: rank(fns), topPackages: rank(cats) };
}

async function waitFor(files: () => string[], count: number, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const f = files();
    if (f.length >= count) return f;
    if (Date.now() > deadline) throw new Error(`only ${f.length} of ${count} probe files appeared`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function runProfile(o: { tasks: number; types: number; concurrency: number; history: number; warmup: number; before?: string }): Promise<void> {
  const infra = await ensureInfrastructure('test');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = path.dirname(cachePath('bench', `profile-${stamp}`, '.keep'));
  const types = Array.from({ length: o.types }, (_, i) => `bench.t${i}`);
  const s: Scenario = { name: scenarioName(0, 'burst', 0), sleepMs: 0, arrival: 'burst', rate: 0, concurrency: o.concurrency, tasks: o.tasks, types };
  const probe = path.join(repoRoot, 'bench', 'preload', 'probe.cjs');
  console.log(`[bench] profile: starting the five services with ${path.relative(repoRoot, probe)}...`);
  const loom = await startLoom({
    infra,
    types,
    label: 'bench-prof',
    env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${probe}`.trim(), BENCH_PROBE_DIR: dir },
  });
  const unregister = onCleanup('loom services', () => loom.stop());
  const list = (ext: string) => fs.readdirSync(dir).filter((f) => f.endsWith(ext));
  try {
    if (o.history > 0) {
      console.log(`[bench] profile: writing ${o.history} finished tasks (--history)...`);
      const h = await loom.writeHistory(o.history, 60_000 + o.history * 5);
      console.log(`[bench] profile: history of ${h.tasks} tasks and ${h.logs} log lines written in ${h.seconds} s`);
    }
    if (o.warmup > 0) {
      // The services' code is compiled on first use: bursts first, not profiled, so the profile
      // shows the steady state (as a service in production runs it), not V8's warm-up.
      console.log(`[bench] profile: warm-up of ${o.warmup} no-op tasks (not profiled)`);
      await loom.warmUp(warmupRounds(s, o.warmup), async (round) => {
        const warm = new Map<string, { type: string; submitAt: number }>();
        await drive(round, async (_i, type) => void warm.set(await loom.submit(type, { ms: 0 }), { type, submitAt: Date.now() }));
        return warm;
      });
    }
    for (const p of loom.procs) process.kill(p.pid, 'SIGUSR2');
    await waitFor(() => list('.started'), loom.procs.length, 15_000);
    const meter = new ResourceMeter(loom.processGroups());
    meter.start();
    console.log(`[bench] profile: ${s.tasks} no-op tasks over ${types.length} types, burst`);
    const submitted = new Map<string, { type: string; submitAt: number }>();
    await drive(s, async (_i, type) => {
      const submitAt = Date.now();
      submitted.set(await loom.submit(type, { ms: 0 }), { type, submitAt });
    });
    await loom.waitLastOfEachType(submitted, 10 * 60_000);
    const use = meter.stop();
    await loom.waitIdle(60_000, 250, [...submitted.keys()]);
    for (const p of loom.procs) process.kill(p.pid, 'SIGUSR2');
    await waitFor(() => list('.io.json'), loom.procs.length, 30_000);
    const { timings }: { timings: TaskTiming[] } = await loom.timings(submitted);
    const f = figures(timings, s.tasks);
    const N = f.completed || 1;

    const services = list('.io.json').map((file) => {
      const io = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { service: string; pid: number; windowMs: number; before: Counts; after: Counts };
      const per = (m: Record<string, number>) =>
        Object.fromEntries(
          Object.entries(m)
            .sort((a, b) => b[1] - a[1])
            .map(([k, v]) => [k, round(v / N, 2)]),
        );
      const mongo = diff(io.before.mongo, io.after.mongo);
      const publish = diff(io.before.publish, io.after.publish);
      const deliver = diff(io.before.deliver, io.after.deliver);
      const profFile = path.join(dir, file.replace(/\.io\.json$/, '.cpuprofile'));
      const prof = fs.existsSync(profFile) ? summarizeProfile(JSON.parse(fs.readFileSync(profFile, 'utf8')) as CpuProfile) : undefined;
      const sum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);
      return {
        service: io.service,
        cpuSeconds: use.cpuByGroup[io.service],
        perTask: {
          mongoOps: round(sum(mongo) / N, 2),
          amqpPublishes: round(sum(publish) / N, 2),
          amqpDeliveries: round(sum(deliver) / N, 2),
          amqpAcks: round((io.after.ack - io.before.ack) / N, 2),
        },
        mongoPerTask: per(mongo),
        commandsPerTask: per(diff(io.before.commands ?? {}, io.after.commands ?? {})),
        commandDocsPerTask: per(diff(io.before.commandDocs ?? {}, io.after.commandDocs ?? {})),
        publishPerTask: per(publish),
        deliverPerTask: per(deliver),
        ackPerTask: per(diff(io.before.acks ?? {}, io.after.acks ?? {})),
        nackPerTask: per(diff(io.before.nacks ?? {}, io.after.nacks ?? {})),
        profile: prof,
        profileFile: path.relative(repoRoot, profFile),
      };
    });
    services.sort((a, b) => (b.cpuSeconds ?? 0) - (a.cpuSeconds ?? 0));
    const totals = {
      mongoOpsPerTask: round(services.reduce((a, x) => a + x.perTask.mongoOps, 0), 2),
      amqpPublishesPerTask: round(services.reduce((a, x) => a + x.perTask.amqpPublishes, 0), 2),
      amqpDeliveriesPerTask: round(services.reduce((a, x) => a + x.perTask.amqpDeliveries, 0), 2),
    };
    const io = ioTables(services);
    const report = { machine: machine(), commit: gitCommit(), date: new Date().toISOString(), scenario: s.name, tasks: s.tasks, types: o.types, history: o.history, figures: f, resources: use, cpuSecondsPer1000: round((use.cpuSeconds / N) * 1000, 2), totals, io, services };
    const out = path.join(dir, 'profile.json');
    fs.writeFileSync(out, JSON.stringify(report, null, 2));
    const mdOut = path.join(dir, 'profile.md');
    fs.writeFileSync(mdOut, profileMarkdown(report));

    console.log(`\n== Loom, ${s.tasks} no-op tasks, burst: ${f.tasksPerSecond} tasks/s, ${report.cpuSecondsPer1000} CPU s per 1,000 tasks, wall ${use.wallSeconds} s`);
    console.log(`CPU seconds by process: ${Object.entries(use.cpuByGroup).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    console.log(`per task: ${totals.mongoOpsPerTask} Mongo operations, ${totals.amqpPublishesPerTask} AMQP publishes, ${totals.amqpDeliveriesPerTask} deliveries`);
    for (const x of services) {
      console.log(`\n-- ${x.service}: ${x.cpuSeconds} CPU s; per task ${x.perTask.mongoOps} Mongo ops, ${x.perTask.amqpPublishes} publishes, ${x.perTask.amqpDeliveries} deliveries, ${x.perTask.amqpAcks} acks`);
      console.log(`   mongo:   ${Object.entries(x.mongoPerTask).map(([k, v]) => `${k} ${v}`).join(', ') || '-'}`);
      console.log(`   publish: ${Object.entries(x.publishPerTask).map(([k, v]) => `${k} ${v}`).join(', ') || '-'}`);
      console.log(`   deliver: ${Object.entries(x.deliverPerTask).map(([k, v]) => `${k} ${v}`).join(', ') || '-'}`);
      if (x.profile) {
        console.log(`   profile: busy ${x.profile.busyMs} ms (idle ${x.profile.idleMs} ms); top packages: ${x.profile.topPackages.slice(0, 8).map((p) => `${p.name} ${p.share}%`).join(', ')}`);
        for (const fn of x.profile.topFunctions.slice(0, 10)) console.log(`     ${String(fn.share).padStart(5)}%  ${fn.selfMs} ms  ${fn.name}`);
      }
    }
    console.log(`\n${ioReport(io, false)}`);
    if (o.before) {
      const cmp = path.join(dir, 'profile-compare.md');
      fs.writeFileSync(cmp, `${compareMarkdown(readProfile(o.before), report)}\n`);
      console.log(`\n[bench] before/after table: ${cmp}`);
    }
    console.log(`\n[bench] profile written to ${out} and ${mdOut} (open the .cpuprofile files in Chrome DevTools or speedscope)`);
  } finally {
    unregister();
    await loom.stop();
  }
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'libs', 'services'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    return dirty ? `${head} (with uncommitted changes in libs/ or services/)` : head;
  } catch {
    return 'unknown';
  }
}

/** The Markdown file of a profile run: what ran, then the I/O tables, ready to paste into the README. */
export function profileMarkdown(r: { commit: string; date: string; tasks: number; types: number; history?: number; figures: { tasksPerSecond: number; completed: number }; cpuSecondsPer1000: number; resources: { cpuByGroup: Record<string, number> }; io: ReturnType<typeof ioTables> }): string {
  return [
    `# Loom per-task I/O, \`npm run bench -- --profile --tasks ${r.tasks} --types ${r.types}${r.history ? ` --history ${r.history}` : ''}\``,
    '',
    `Commit ${r.commit}, ${r.date}. ${r.figures.completed} no-op tasks over ${r.types} types, all at once${r.history ? `, on a history of ${r.history.toLocaleString('en-US')} finished tasks` : ''}, the five services under the probe (bench/preload/probe.cjs) and the V8 profiler: ${r.figures.tasksPerSecond} tasks/s, ${r.cpuSecondsPer1000} CPU s per 1,000 tasks (the profiler slows the services; use \`--peers\` for speed). Figures are per completed task.`,
    '',
    `CPU seconds by process: ${Object.entries(r.resources.cpuByGroup).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    '',
    ioReport(r.io, true),
    '',
  ].join('\n');
}

function readProfile(file: string): ProfileRun {
  let r: ProfileRun;
  try {
    r = JSON.parse(fs.readFileSync(file, 'utf8')) as ProfileRun;
  } catch (err) {
    throw new Error(`cannot read the profile ${file}: ${(err as Error).message}`);
  }
  if (!Array.isArray(r.services) || typeof r.tasks !== 'number') throw new Error(`${file} is not the profile.json of a \`--profile\` run (no services or tasks)`);
  return r;
}

/** `--compare-profiles BEFORE.json,AFTER.json`: prints the side-by-side Markdown of two runs. */
export async function compareProfiles(arg: string): Promise<void> {
  const files = arg.split(',').map((f) => f.trim());
  if (files.length !== 2 || files.some((f) => !f)) throw new Error(`--compare-profiles takes two profile.json files, before and after, separated by a comma (got ${arg})`);
  console.log(compareMarkdown(readProfile(files[0]!), readProfile(files[1]!)));
}
