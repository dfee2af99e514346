import { assertTimeoutsFit, MAX_WORK_BUNDLE, MAX_WORK_PREFETCH, prefetchFor, takeoverSlackMs, tasksHeldAtMost, workBundleFor, workPrefetchFor } from './serial-per-type';

const limits = { consumerTimeoutMs: 7 * 3600_000, leaseMs: 15_000, heartbeatMs: 5_000 };

describe('serial per type: limits derived from consumer_timeout', () => {
  it('gives a long-task type one delivery at a time, and short-task types a deep window', () => {
    expect(prefetchFor(6 * 3600_000, limits)).toBe(1);
    expect(prefetchFor(3 * 3600_000, limits)).toBe(2);
    expect(prefetchFor(60_000, limits)).toBe(MAX_WORK_PREFETCH);
  });

  it('keeps the worst unacked time of the last prefetched delivery under consumer_timeout', () => {
    for (const max of [60_000, 10 * 60_000, 45 * 60_000, 2 * 3600_000, 6 * 3600_000]) {
      const k = prefetchFor(max, limits);
      expect(k * (max + takeoverSlackMs(limits))).toBeLessThanOrEqual(limits.consumerTimeoutMs);
    }
  });

  it("counts a run's stop grace (abortGraceMs) into its longest hold", () => {
    const tight = { consumerTimeoutMs: 60_000, leaseMs: 2_000, heartbeatMs: 400 };
    expect(prefetchFor(10_000, tight)).toBe(4);
    expect(prefetchFor(10_000, tight, 5_000)).toBe(3);
    expect(() => assertTimeoutsFit({ 'demo.edge': { maxTimeoutMs: 55_000 } }, tight)).not.toThrow();
    expect(() => assertTimeoutsFit({ 'demo.edge': { maxTimeoutMs: 55_000, abortGraceMs: 5_000 } }, tight)).toThrow(
      "task type demo.edge: maxTimeoutMs 55000 plus abortGraceMs 5000 plus a takeover's 2800 ms exceeds the broker's consumer_timeout",
    );
  });

  it('refuses a type whose longest timeout cannot fit, naming it', () => {
    expect(() => assertTimeoutsFit({ 'demo.ok': { maxTimeoutMs: 6 * 3600_000 } }, limits)).not.toThrow();
    expect(() => assertTimeoutsFit({ 'demo.long': { maxTimeoutMs: 7 * 3600_000 } }, limits)).toThrow(/task type demo.long: maxTimeoutMs/);
  });

  it('splits the tasks an executor may hold into bundles and a prefetch that never hold more than that', () => {
    // 7 h / (60 s + a takeover's 25 s) = 296 tasks: full bundles, and a full prefetch of them.
    expect([tasksHeldAtMost(60_000, limits), workBundleFor(60_000, limits), workPrefetchFor(60_000, limits)]).toEqual([296, MAX_WORK_BUNDLE, MAX_WORK_PREFETCH]);
    expect([workBundleFor(6 * 3600_000, limits), workPrefetchFor(6 * 3600_000, limits)]).toEqual([1, 1]);
    const tight = { consumerTimeoutMs: 60_000, leaseMs: 2_000, heartbeatMs: 400 };
    expect([tasksHeldAtMost(10_000, tight), workBundleFor(10_000, tight), workPrefetchFor(10_000, tight)]).toEqual([4, 2, 2]);
    for (const max of [60_000, 20 * 60_000, 45 * 60_000, 2 * 3600_000, 3 * 3600_000, 6 * 3600_000]) {
      expect(workBundleFor(max, limits) * workPrefetchFor(max, limits)).toBeLessThanOrEqual(tasksHeldAtMost(max, limits));
    }
  });
});
