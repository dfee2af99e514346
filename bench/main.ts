// `npm run bench [-- options]`:
//   (no mode)   the lifecycle benchmark: N no-op tasks over K types through the five services
//               (--tasks 2000 --types 4 --concurrency 32)
//   --peers     Loom against BullMQ, Agenda and a seed-002 polling worker, same workload
//               (--tasks 1000 --types 4 --sleep-ms 20 --rate 200 --concurrency 32 --poll-ms 100
//                --poll-concurrency 5 --time-limit 180 --systems loom,bullmq,agenda,polling,polling-serial
//                --scenarios noop-burst,noop-rate,sleep-burst,sleep-rate --history 0 --idle-seconds 5
//                --warmup 10000: no-op tasks each system runs first, on the processes then measured)
//               systems: bullmq runs redis-server with appendonly yes/appendfsync everysec,
//               bullmq-nopersist without persistence; --history N writes N finished tasks into
//               Loom's store first (and jobs into each peer's, unless --peer-history M says
//               otherwise); --idle-seconds measures each one doing nothing
//   --profile   where Loom's time goes: CPU profiles of the five services and, per task, MongoDB
//               commands by command and collection, broker publishes by exchange/routing key
//               (confirmed or not), deliveries and acks by queue, under one burst of no-op tasks
//               (--tasks 1000 --types 4 [--history N] --warmup 10000: that many tasks first, not
//               profiled); written as profile.json and profile.md (a
//               table to paste); with --before OLD/profile.json also profile-compare.md, side by side
//   --compare-profiles BEFORE.json,AFTER.json   only that side-by-side table, from two runs
import { parseArgs } from 'node:util';
import { cleanupAll } from './lib/cleanup';
import { runLifecycle } from './lifecycle';
import { ALL_SYSTEMS, runCompare, type SystemName } from './compare';
import { compareProfiles, runProfile } from './profile';

const { values } = parseArgs({
  options: {
    peers: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    tasks: { type: 'string' },
    types: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '32' },
    'sleep-ms': { type: 'string', default: '20' },
    rate: { type: 'string', default: '200' },
    'poll-ms': { type: 'string', default: '100' },
    'poll-concurrency': { type: 'string', default: '5' },
    'time-limit': { type: 'string', default: '180' },
    systems: { type: 'string', default: ALL_SYSTEMS.join(',') },
    scenarios: { type: 'string', default: 'noop-burst,noop-rate,sleep-burst,sleep-rate' },
    history: { type: 'string', default: '0' },
    'peer-history': { type: 'string' },
    before: { type: 'string' },
    'compare-profiles': { type: 'string' },
    'idle-seconds': { type: 'string', default: '5' },
    warmup: { type: 'string' },
  },
});

function num(name: string, v: string | undefined, min = 1): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min} (got ${v})`);
  return n;
}

function wholeCount(v: string | undefined, name = 'history'): number {
  const n = num(name, v, 0);
  if (!Number.isInteger(n) || n > 200_000) throw new Error(`--${name} must be a whole number from 0 to 200000 (got ${v}); the bench must stay bounded`);
  return n;
}

async function main(): Promise<void> {
  const K = num('types', values.types);
  const C = num('concurrency', values.concurrency);
  if (values['compare-profiles']) return compareProfiles(values['compare-profiles']);
  if (!values.peers && !values.profile) return runLifecycle(num('tasks', values.tasks ?? '2000'), K, C);
  const N = num('tasks', values.tasks ?? '1000');
  if (N > 100_000) throw new Error('--tasks is capped at 100000 (the bench must stay bounded)');
  if (values.peers) {
    const systems = values.systems!.split(',').map((s) => s.trim()) as SystemName[];
    for (const s of systems) if (!ALL_SYSTEMS.includes(s)) throw new Error(`unknown system ${s} (one of ${ALL_SYSTEMS.join(', ')})`);
    await runCompare({
      tasks: N,
      types: K,
      concurrency: C,
      sleepMs: num('sleep-ms', values['sleep-ms'], 0),
      rate: num('rate', values.rate),
      pollMs: num('poll-ms', values['poll-ms']),
      pollConcurrency: num('poll-concurrency', values['poll-concurrency']),
      timeLimitSeconds: num('time-limit', values['time-limit']),
      systems,
      scenarios: values.scenarios!.split(',').map((s) => s.trim()),
      history: wholeCount(values.history),
      peerHistory: values['peer-history'] === undefined ? wholeCount(values.history) : wholeCount(values['peer-history'], 'peer-history'),
      idleSeconds: num('idle-seconds', values['idle-seconds'], 0),
      warmup: wholeCount(values.warmup ?? '10000', 'warmup'),
      command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    });
  }
  if (values.profile) await runProfile({ tasks: N, types: K, concurrency: C, history: wholeCount(values.history), warmup: wholeCount(values.warmup ?? '10000', 'warmup'), before: values.before });
}

main()
  .then(async () => {
    await cleanupAll();
    process.exit(0);
  })
  .catch(async (err) => {
    console.error(`[bench] ${err instanceof Error ? (err.stack ?? err.message) : err}`);
    await cleanupAll();
    process.exit(1);
  });
