// Per task type: what runs now, how many wait, and how the last hour went (finished per minute,
// failure rate, duration percentiles). Read by GET /v1/queues for the task center's queues view.
// Every query is bounded: counts and the running tasks use the (type, status, queuedAt) index,
// the last hour one range read on (status, finishedAt) with a projection and a cap.
import type { StoreModels, TaskRecord } from './models';

/** Finished tasks read for one answer at most: beyond it the hour's figures are a sample of its newest. */
export const QUEUE_STATS_MAX_FINISHED = 50_000;
const WINDOW_MS = 3_600_000;
const MINUTE_MS = 60_000;

export interface MinuteBucket {
  /** Start of the minute (UTC). */
  minute: Date;
  succeeded: number;
  failed: number;
  cancelled: number;
  /** Median and p90 duration of the minute's successes, null when none succeeded in it. */
  p50Ms: number | null;
  p90Ms: number | null;
}

export interface TypeQueueStats {
  type: string;
  /** Tasks of this type running now (serial per type: 0 or 1, more only while a cancel or lease hand-over settles). */
  running: { taskId: string; tenantId: string; startedAt: Date | null; progress: number }[];
  /** pending + queued + delayed. */
  waiting: number;
  /** Median duration (startedAt..finishedAt) of the hour's successes, else null. */
  typicalDurationMs: number | null;
  finishedLastHour: number;
  /** failed / (succeeded + failed) over the hour; null when nothing finished. */
  failureRate: number | null;
  /** The last 60 minutes, oldest first. */
  perMinute: MinuteBucket[];
  /** Percentiles of the hour's successes' durations, null when there were none. */
  durationMs: { p50: number; p90: number; p99: number } | null;
}

export interface QueueStats {
  generatedAt: Date;
  windowMs: number;
  /** True when more than QUEUE_STATS_MAX_FINISHED finished in the hour and only the newest were read. */
  sampled: boolean;
  types: TypeQueueStats[];
}

/** Nearest-rank percentile of sorted numbers. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function createQueueStats({ Task }: StoreModels) {
  return {
    async forTypes(types: string[], now = new Date()): Promise<QueueStats> {
      const since = new Date(now.getTime() - WINDOW_MS);
      // 60 buckets, the last one the minute now is in.
      const currentMinute = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS;
      const finished = await Task.find(
        { status: { $in: ['succeeded', 'failed', 'cancelled'] }, finishedAt: { $gte: since } },
        { _id: 0, type: 1, status: 1, startedAt: 1, finishedAt: 1 },
      )
        .sort({ finishedAt: -1 })
        .limit(QUEUE_STATS_MAX_FINISHED)
        .lean<Pick<TaskRecord, 'type' | 'status' | 'startedAt' | 'finishedAt'>[]>();
      const byType = new Map<string, typeof finished>();
      for (const t of finished) {
        const list = byType.get(t.type) ?? [];
        list.push(t);
        byType.set(t.type, list);
      }
      const all = [...new Set([...types, ...byType.keys()])].sort();
      const rows = await Promise.all(
        all.map(async (type): Promise<TypeQueueStats> => {
          const [waiting, running] = await Promise.all([
            Task.countDocuments({ type, status: { $in: ['pending', 'queued', 'delayed'] } }),
            Task.find({ type, status: 'running' }, { _id: 1, tenantId: 1, startedAt: 1, progress: 1 }).limit(5).lean<TaskRecord[]>(),
          ]);
          const done = byType.get(type) ?? [];
          const perMinute: MinuteBucket[] = Array.from({ length: 60 }, (_, i) => ({
            minute: new Date(currentMinute - (59 - i) * MINUTE_MS),
            succeeded: 0,
            failed: 0,
            cancelled: 0,
            p50Ms: null,
            p90Ms: null,
          }));
          const minuteDurations: number[][] = perMinute.map(() => []);
          const durations: number[] = [];
          let succeeded = 0;
          let failed = 0;
          for (const t of done) {
            const at = t.finishedAt!.getTime();
            const index = 59 - (currentMinute - Math.floor(at / MINUTE_MS) * MINUTE_MS) / MINUTE_MS;
            const bucket = perMinute[index];
            if (t.status === 'succeeded' || t.status === 'failed' || t.status === 'cancelled') {
              if (bucket) bucket[t.status] += 1;
            }
            if (t.status === 'succeeded') {
              succeeded += 1;
              if (t.startedAt) {
                durations.push(at - t.startedAt.getTime());
                minuteDurations[index]?.push(at - t.startedAt.getTime());
              }
            } else if (t.status === 'failed') failed += 1;
          }
          durations.sort((a, b) => a - b);
          minuteDurations.forEach((ds, i) => {
            if (!ds.length) return;
            ds.sort((a, b) => a - b);
            perMinute[i]!.p50Ms = percentile(ds, 50);
            perMinute[i]!.p90Ms = percentile(ds, 90);
          });
          return {
            type,
            running: running.map((r) => ({ taskId: r._id, tenantId: r.tenantId, startedAt: r.startedAt ?? null, progress: r.progress ?? 0 })),
            waiting,
            typicalDurationMs: durations.length ? percentile(durations, 50) : null,
            finishedLastHour: done.length,
            failureRate: succeeded + failed > 0 ? failed / (succeeded + failed) : null,
            perMinute,
            durationMs: durations.length ? { p50: percentile(durations, 50), p90: percentile(durations, 90), p99: percentile(durations, 99) } : null,
          };
        }),
      );
      return { generatedAt: now, windowMs: WINDOW_MS, sampled: finished.length >= QUEUE_STATS_MAX_FINISHED, types: rows };
    },
  };
}

export type QueueStatsQueries = ReturnType<typeof createQueueStats>;
