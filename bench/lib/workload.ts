// The workload every system gets, and the figures computed from what each task went through.
// Timestamps are milliseconds since the epoch (Date.now()): submission time is taken client-side
// just before the submit call; start and end come from inside the handler (peers) or from the
// task documents (Loom: startedAt, finishedAt).

export type Arrival = 'burst' | 'rate';

export interface Scenario {
  /** e.g. "noop/burst" */
  name: string;
  /** The handler's work: 0 = no-op, else a fixed sleep of this many ms. */
  sleepMs: number;
  arrival: Arrival;
  /** burst: all N submitted at once with `concurrency` calls in flight; rate: N at `rate`/s. */
  rate: number;
  concurrency: number;
  tasks: number;
  types: string[];
}

export function scenarioName(sleepMs: number, arrival: Arrival, rate: number): string {
  return `${sleepMs === 0 ? 'noop' : `sleep${sleepMs}`}/${arrival === 'burst' ? 'burst' : `${rate}/s`}`;
}

/** Tasks of one warm-up round: a burst no bigger than a measured one (and within a tenant's submit burst). */
export const WARMUP_ROUND = 1000;

/**
 * The warm-up every system gets before it is measured (--warmup): `tasks` no-op tasks over the
 * scenario's types through the same processes, not counted, as bursts of WARMUP_ROUND, each
 * finished before the next. V8 (and the MongoDB stand-in's JVM) compile hot code on first use;
 * a measured scenario shows the steady state.
 */
export function warmupRounds(s: Scenario, tasks: number): Scenario[] {
  const rounds: Scenario[] = [];
  for (let left = tasks; left > 0; left -= WARMUP_ROUND) rounds.push({ ...s, name: 'warm-up', sleepMs: 0, arrival: 'burst', tasks: Math.min(WARMUP_ROUND, left) });
  return rounds;
}

export interface TaskTiming {
  type: string;
  submitAt: number;
  startAt: number;
  endAt: number;
}

/**
 * Submits scenario.tasks tasks, task i of type types[i % K]: all at once (at most `concurrency`
 * calls in flight) or at a steady rate (each call starts at t0 + i/rate whatever the previous
 * ones are doing, with at most 1024 in flight). Resolves when every call has returned.
 */
export async function drive(s: Scenario, submit: (i: number, type: string) => Promise<void>): Promise<{ seconds: number }> {
  const t0 = Date.now();
  const K = s.types.length;
  if (s.arrival === 'burst') {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(s.concurrency, s.tasks) }, async () => {
        while (next < s.tasks) {
          const i = next++;
          await submit(i, s.types[i % K]!);
        }
      }),
    );
  } else {
    const inFlight = new Set<Promise<void>>();
    let failure: unknown;
    for (let i = 0; i < s.tasks; i++) {
      if (failure) break;
      const due = t0 + (i * 1000) / s.rate;
      const wait = due - Date.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      while (inFlight.size >= 1024) await Promise.race(inFlight);
      const p: Promise<void> = submit(i, s.types[i % K]!).then(
        () => void inFlight.delete(p),
        (err) => {
          inFlight.delete(p);
          failure ??= err;
        },
      );
      inFlight.add(p);
    }
    await Promise.all(inFlight);
    if (failure) throw failure;
  }
  return { seconds: (Date.now() - t0) / 1000 };
}

export function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export interface Figures {
  submitted: number;
  completed: number;
  /** completed / (last end - first submission) */
  tasksPerSecond: number;
  submitToStartMs: { p50: number; p95: number; p99: number };
  /**
   * Same-type gap: for each task after the first of its type (in start order), its start minus
   * the moment it could have started: max(end of the previous task of its type, its own
   * submission). For a backlog (burst) this is end-of-one to start-of-next.
   */
  sameTypeGapMs: { p50: number; p99: number };
  /** Tasks that started before an earlier-started task of the same type had ended. */
  serialViolations: number;
}

export function figures(timings: TaskTiming[], submitted: number): Figures {
  const r1 = (x: number) => Math.round(x * 10) / 10;
  if (timings.length === 0) {
    return { submitted, completed: 0, tasksPerSecond: 0, submitToStartMs: { p50: NaN, p95: NaN, p99: NaN }, sameTypeGapMs: { p50: NaN, p99: NaN }, serialViolations: 0 };
  }
  const first = Math.min(...timings.map((t) => t.submitAt));
  const last = Math.max(...timings.map((t) => t.endAt));
  const lat = timings.map((t) => t.startAt - t.submitAt);
  const gaps: number[] = [];
  let violations = 0;
  const byType = new Map<string, TaskTiming[]>();
  for (const t of timings) (byType.get(t.type) ?? byType.set(t.type, []).get(t.type)!).push(t);
  for (const ts of byType.values()) {
    ts.sort((a, b) => a.startAt - b.startAt || a.endAt - b.endAt);
    let maxEnd = -Infinity;
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i]!;
      if (t.startAt < maxEnd) violations++;
      if (i > 0) gaps.push(t.startAt - Math.max(ts[i - 1]!.endAt, t.submitAt));
      maxEnd = Math.max(maxEnd, t.endAt);
    }
  }
  return {
    submitted,
    completed: timings.length,
    tasksPerSecond: r1(timings.length / Math.max(0.001, (last - first) / 1000)),
    submitToStartMs: { p50: pct(lat, 50), p95: pct(lat, 95), p99: pct(lat, 99) },
    sameTypeGapMs: { p50: pct(gaps, 50), p99: pct(gaps, 99) },
    serialViolations: violations,
  };
}
