// `--history N`: N finished tasks in Loom's database before its scenarios, the way they would be
// there after a while in production. One real task per bench type goes through the platform first
// and serves as the template (so every field the services write is there, whatever the schema is
// today); the others are copies of it written straight into `tasks` and `task_logs` through the
// driver, 1,000 per insertMany, with their own id, tenant (four tenants), input, result and
// timestamps spread over the last 2 days (inside the scheduler's retention, RETENTION_MS, 7 days
// by default: older finished tasks would be swept away by it during the run). Nothing of an
// unfinished task is copied: no outbox, no lease, no idempotency key. Bounded by a time limit
// (it throws past it).
import { randomUUID } from 'node:crypto';
import { searchTermsOf } from '@loom/store';
import type { Loom } from './loom';

const BATCH = 1000;
const SPREAD_MS = 2 * 86_400_000;
const TENANTS = ['bench', 'history-a', 'history-b', 'history-c'];

type Doc = Record<string, unknown>;

/** Every Date at the top level of `doc`, moved by `shift` ms. */
function shiftDates(doc: Doc, shift: number): Doc {
  const out: Doc = { ...doc };
  for (const [k, v] of Object.entries(doc)) if (v instanceof Date) out[k] = new Date(v.getTime() + shift);
  return out;
}

export async function writeLoomHistory(loom: Loom, count: number, types: string[], timeLimitMs: number): Promise<{ tasks: number; logs: number; seconds: number }> {
  const t0 = Date.now();
  const deadline = t0 + timeLimitMs;
  const { Task, TaskLog } = loom.store.models;

  // 1. the templates: one real task per type, run to the end by the services
  const templateIds = await Promise.all(types.map((type) => loom.submit(type, { ms: 0 })));
  await loom.waitIdle(Math.max(1000, deadline - Date.now()), 100, templateIds);
  const templates = await Task.collection.find({ _id: { $in: templateIds } } as Doc).toArray();
  // log lines may be written a moment after the task finished (buffered): wait until every
  // template has some and their number stops growing (bounded: 10 s, then what there is)
  let templateLogs = await TaskLog.collection.find({ taskId: { $in: templateIds } }).toArray();
  for (let seen = -1, until = Date.now() + 10_000; Date.now() < until; ) {
    const every = templateIds.every((id) => templateLogs.some((l) => l.taskId === id));
    if (every && templateLogs.length === seen) break;
    seen = templateLogs.length;
    await new Promise((r) => setTimeout(r, 250));
    templateLogs = await TaskLog.collection.find({ taskId: { $in: templateIds } }).toArray();
  }
  if (templates.length !== types.length || templates.some((t) => t.status !== 'succeeded')) {
    throw new Error(`--history: the template tasks did not all succeed (${templates.map((t) => `${t.type} ${t.status}`).join(', ')})`);
  }
  const byType = new Map(templates.map((t) => [t.type as string, { task: t as Doc, logs: templateLogs.filter((l) => l.taskId === t._id) as Doc[] }]));

  // 2. the copies, oldest first, N - K of them (the K templates are history too)
  const copies = Math.max(0, count - types.length);
  let logs = templateLogs.length;
  for (let from = 0; from < copies; from += BATCH) {
    if (Date.now() > deadline) throw new Error(`--history: wrote ${from} of ${copies} tasks in ${Math.round(timeLimitMs / 1000)} s, the time limit; ask for fewer`);
    const tasks: Doc[] = [];
    const lines: Doc[] = [];
    for (let i = from; i < Math.min(copies, from + BATCH); i++) {
      const type = types[i % types.length]!;
      const { task, logs: tLogs } = byType.get(type)!;
      const createdAt = (task.createdAt as Date).getTime();
      const shift = Date.now() - 60_000 - Math.round(((copies - i) / Math.max(1, copies)) * SPREAD_MS) - createdAt;
      const id = randomUUID();
      const tenantId = TENANTS[i % TENANTS.length]!;
      const doc = shiftDates(task, shift);
      doc._id = id;
      doc.tenantId = tenantId;
      doc.input = { ...(task.input as Doc), ms: 0, history: i, prompt: `history task ${i} of ${copies} (${type})` };
      if ('result' in task) doc.result = task.result === null || typeof task.result !== 'object' ? task.result : { ...(task.result as Doc), history: i };
      // the words of the input, as the gateway stores them for search
      if ('searchTerms' in task) doc.searchTerms = searchTermsOf(doc.input);
      if ('outbox' in task) doc.outbox = [];
      if ('lease' in task) doc.lease = null;
      for (const k of ['idemKey', 'idempotencyKey', 'batchId']) delete doc[k];
      tasks.push(doc);
      for (const l of tLogs) {
        const line = shiftDates(l, shift);
        delete line._id;
        line.taskId = id;
        line.tenantId = tenantId;
        lines.push(line);
      }
    }
    await Task.collection.insertMany(tasks as never[], { ordered: false });
    if (lines.length) await TaskLog.collection.insertMany(lines as never[], { ordered: false });
    logs += lines.length;
    if ((from / BATCH) % 10 === 9) console.log(`[bench] loom: history ${from + BATCH}/${copies}...`);
  }
  return { tasks: copies + templates.length, logs, seconds: Math.round((Date.now() - t0) / 100) / 10 };
}
