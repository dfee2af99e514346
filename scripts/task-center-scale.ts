// What the task center's reads cost with many tasks: inserts --tasks (100,000) task documents
// straight through the driver into a database of its own on the local MongoDB server (bounded by
// --time-limit seconds), then times the list, search, count and queue-statistics queries the page
// issues (median of --runs), prints a table, and drops the database. A measurement, not a test:
//   bash scripts/with-deps.sh tsx scripts/task-center-scale.ts [--tasks 100000] [--runs 5]
// mongo-java-server ignores non-unique secondary indexes, so locally every query scans: these are
// upper bounds; on MongoDB the indexes in libs/store/src/models.ts serve each of them.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ensureInfrastructure } from '@loom/dev-infra';
import { connectMongo, createStore, searchTermsOf, type TaskRecord } from '@loom/store';

const { values } = parseArgs({
  options: { tasks: { type: 'string', default: '100000' }, runs: { type: 'string', default: '5' }, 'time-limit': { type: 'string', default: '180' } },
});
const TOTAL = Number(values.tasks);
const RUNS = Number(values.runs);
const TIME_LIMIT_MS = Number(values['time-limit']) * 1000;

const WORDS = 'red blue green cat dog fox owl city forest ocean night dawn neon portrait landscape cinematic watercolor sketch robot castle'.split(' ');
const TYPES = ['image.fast', 'image.hq', 'video.short', 'video.long'];
const STATUSES: TaskRecord['status'][] = ['succeeded', 'succeeded', 'succeeded', 'succeeded', 'failed', 'cancelled', 'queued', 'pending'];

async function main(): Promise<void> {
  const infra = await ensureInfrastructure('test');
  const url = new URL(infra.env.MONGO_URL!);
  url.pathname = `/scale-${Date.now().toString(36)}`;
  const conn = await connectMongo(url.toString());
  const store = await createStore(conn);
  const Task = store.models.Task;
  try {
    const started = Date.now();
    const now = Date.now();
    let inserted = 0;
    let rareId = '';
    let keyed = '';
    while (inserted < TOTAL && Date.now() - started < TIME_LIMIT_MS) {
      const batch: TaskRecord[] = [];
      for (let i = 0; i < 2000 && inserted + batch.length < TOTAL; i++) {
        const n = inserted + batch.length;
        const status = STATUSES[n % STATUSES.length]!;
        const createdAt = new Date(now - (TOTAL - n) * 6000); // a week of history, newest last
        const prompt = Array.from({ length: 6 }, (_, j) => WORDS[(n * 7 + j * 13) % WORDS.length]).join(' ') + (n === Math.floor(TOTAL / 2) ? ' zanzibar' : '');
        const input = { prompt, width: 1024, height: 1024 };
        const id = randomUUID();
        if (n === Math.floor(TOTAL / 2)) rareId = id;
        const key = n % 10 === 0 ? `order-${n}` : undefined;
        if (key && !keyed && n >= TOTAL / 3) keyed = key;
        const tenantId = n % 10 === 9 ? 'tenant-b' : 'tenant-a';
        const finished = status === 'succeeded' || status === 'failed' || status === 'cancelled';
        batch.push({
          _id: id,
          tenantId,
          type: TYPES[n % TYPES.length]!,
          status,
          input,
          priority: 0,
          timeoutMs: 600_000,
          maxAttempts: 3,
          idempotencyKey: key,
          idemKey: key ? `${tenantId}:${key}` : undefined,
          attempt: 1,
          progress: finished ? 100 : 0,
          outputs: [],
          createdAt,
          queuedAt: createdAt,
          startedAt: finished ? new Date(createdAt.getTime() + 500) : null,
          finishedAt: finished ? new Date(createdAt.getTime() + 500 + (n % 50) * 200) : null,
          updatedAt: createdAt,
          version: 3,
          outbox: [],
          searchTerms: searchTermsOf(input),
        } as TaskRecord);
      }
      await Task.collection.insertMany(batch.map((d) => Object.fromEntries(Object.entries(d).filter(([, v]) => v !== undefined))) as never[]);
      inserted += batch.length;
    }
    console.log(`[scale] inserted ${inserted} tasks in ${((Date.now() - started) / 1000).toFixed(1)} s (database ${url.pathname.slice(1)})`);

    const q = store.queries;
    const cases: [string, () => Promise<unknown>][] = [
      ['list page 1 (25, with total)', () => q.list({ tenantId: 'tenant-a', page: 1, pageSize: 25 })],
      ['list page 200', () => q.list({ tenantId: 'tenant-a', page: 200, pageSize: 25 })],
      ['list status=failed', () => q.list({ tenantId: 'tenant-a', status: 'failed', page: 1, pageSize: 25 })],
      ['list type + time range', () => q.list({ tenantId: 'tenant-a', type: 'video.long', createdAfter: new Date(now - 86_400_000), page: 1, pageSize: 25 })],
      ['search a rare word', () => q.list({ tenantId: 'tenant-a', q: 'zanzibar', page: 1, pageSize: 25 })],
      ['search two common words', () => q.list({ tenantId: 'tenant-a', q: 'neon castle', page: 1, pageSize: 25 })],
      ['search by task id', () => q.list({ tenantId: 'tenant-a', q: rareId, page: 1, pageSize: 25 })],
      ['search by idempotency key', () => q.list({ tenantId: 'tenant-a', q: keyed, page: 1, pageSize: 25 })],
      ['operator list page 1', () => q.list({ page: 1, pageSize: 25 })],
      ['bulk dry-run count (unfinished of a type)', () => q.count({ tenantId: 'tenant-a', type: 'image.fast', statuses: ['pending', 'queued', 'delayed', 'running'] })],
      ['queue stats (4 types)', () => store.queueStats.forTypes(TYPES)],
    ];
    const rows: string[] = [];
    for (const [name, fn] of cases) {
      const times: number[] = [];
      let result: unknown;
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        result = await fn();
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const total = (result as { total?: number })?.total ?? (typeof result === 'number' ? result : '');
      rows.push(`| ${name} | ${times[Math.floor(times.length / 2)]!.toFixed(0)} | ${times[times.length - 1]!.toFixed(0)} | ${total} |`);
    }
    console.log(`\n| query (${inserted} tasks, median of ${RUNS}) | median ms | max ms | matched |\n| --- | --- | --- | --- |\n${rows.join('\n')}`);
  } finally {
    await conn.dropDatabase().catch(() => undefined);
    await conn.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
