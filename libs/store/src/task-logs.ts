// A task's levelled, timestamped log lines (seed 004's execution logs).
//
// Lines written while a task runs are batched: `write` buffers the line and one insertMany per
// `flushEveryMs` (or per `maxBatch` lines) stores the lines of every task of this process, so a
// busy executor pays a fraction of a write per line instead of an awaited insert each. The price:
// a process killed within that window loses its last lines (the task's state is not affected;
// it lives in the task document). `flush()` on shutdown stores what is buffered.
import type { LogLevel } from '@loom/contracts';
import type { StoreModels, TaskLogRecord, TaskRecord } from './models';

export interface TaskLogsOptions {
  /** How long a line may wait in the buffer (default 20 ms). */
  flushEveryMs?: number;
  /** A buffer this full is written at once (default 500 lines). */
  maxBatch?: number;
}

/** The line a run's start writes (the executor's task-log middleware). */
export const startedLine = (attempt: number, maxAttempts: number) => `attempt ${attempt} of ${maxAttempts} started`;
/** The line a run's success writes. */
export const finishedLine = (ms: number) => `finished in ${ms} ms`;

/**
 * The start and end lines of the task's current attempt, from its document: a running or
 * succeeded attempt's lines are not stored (the executor only shows them live), since the
 * document has them already; a failed attempt stores its own (the next start replaces startedAt).
 */
export function runLinesOf(task: Pick<TaskRecord, '_id' | 'tenantId' | 'status' | 'attempt' | 'maxAttempts' | 'startedAt' | 'finishedAt'>): TaskLogRecord[] {
  if ((task.status !== 'running' && task.status !== 'succeeded') || !task.startedAt) return [];
  const base = { taskId: task._id, tenantId: task.tenantId, level: 'info' as const };
  const lines: TaskLogRecord[] = [{ ...base, timestamp: task.startedAt, message: startedLine(task.attempt, task.maxAttempts) }];
  if (task.status === 'succeeded' && task.finishedAt) {
    lines.push({ ...base, timestamp: task.finishedAt, message: finishedLine(task.finishedAt.getTime() - task.startedAt.getTime()) });
  }
  return lines;
}

export function createTaskLogs({ TaskLog }: StoreModels, opts: TaskLogsOptions = {}) {
  const flushEveryMs = opts.flushEveryMs ?? 20;
  const maxBatch = opts.maxBatch ?? 500;
  let buffer: Omit<TaskLogRecord, '_id'>[] = [];
  let timer: NodeJS.Timeout | null = null;
  let writing: Promise<void> = Promise.resolve();
  const clean = (line: Omit<TaskLogRecord, '_id'>) => Object.fromEntries(Object.entries(line).filter(([, v]) => v !== undefined));

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    if (buffer.length === 0) return writing;
    const batch = buffer.map(clean);
    buffer = [];
    // Ordered false: one bad line does not hold back the others.
    writing = writing.then(() => TaskLog.collection.insertMany(batch as never[], { ordered: false }).then(() => undefined)).catch(() => undefined);
    return writing;
  }

  return {
    /** Stores one line now (an awaited insert): for writers outside the hot path. */
    async append(line: Omit<TaskLogRecord, '_id'>): Promise<void> {
      await TaskLog.collection.insertOne(clean(line) as never);
    },
    /** Buffers one line; it is stored with the other lines of this process within flushEveryMs. */
    write(line: Omit<TaskLogRecord, '_id'>): void {
      buffer.push(line);
      if (buffer.length >= maxBatch) void flush();
      else if (!timer) {
        timer = setTimeout(() => void flush(), flushEveryMs);
        timer.unref();
      }
    },
    /** Stores every buffered line (shutdown). */
    flush,
    list(taskId: string, limit = 1000): Promise<TaskLogRecord[]> {
      return TaskLog.find({ taskId }, { _id: 0, taskId: 0, tenantId: 0 }).sort({ timestamp: 1, _id: 1 }).limit(limit).lean<TaskLogRecord[]>().exec();
    },
  };
}
export type TaskLogs = ReturnType<typeof createTaskLogs>;
export type { LogLevel };
