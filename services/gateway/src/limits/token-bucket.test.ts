// The token bucket's arithmetic on a fake clock: a burst, then one token per interval, and the
// two conditional steps of a take (exactly one matches any state).
import { applyStep, available, takeSteps, waitForTokensMs, type RatePolicy } from './token-bucket';

const p: RatePolicy = { submitsPerSecond: 5, burst: 5 };

/** Takes n tokens at `now` the way the store does: the first step whose conditions hold. */
function take(fullAt: number, n: number, now: number): number | null {
  for (const step of takeSteps(p, n, now, fullAt)) {
    const next = applyStep(fullAt, step);
    if (next !== null) return next;
  }
  return null;
}

describe('token bucket (GCRA)', () => {
  it('lets a full bucket give its burst at once, then refuses the next in the same instant', () => {
    let fullAt = 0;
    const now = 1_000_000;
    for (let i = 0; i < 5; i++) {
      const next = take(fullAt, 1, now);
      expect(next).not.toBeNull();
      fullAt = next!;
    }
    expect(available(p, fullAt, now)).toBe(0);
    expect(take(fullAt, 1, now)).toBeNull();
    // One token comes back every 200 ms.
    expect(waitForTokensMs(p, fullAt, 1, now)).toBe(200);
    expect(take(fullAt, 1, now + 199)).toBeNull();
    expect(take(fullAt, 1, now + 200)).not.toBeNull();
  });

  it('never holds more than the burst, however long it was idle', () => {
    expect(available(p, 0, 10_000_000)).toBe(5);
    expect(take(0, 6, 10_000_000)).toBeNull();
    expect(take(0, 5, 10_000_000)).toBe(10_000_000 + 1000);
  });

  it('takes n at once only when n tokens are there', () => {
    const now = 50_000;
    const afterThree = take(0, 3, now)!;
    expect(available(p, afterThree, now)).toBe(2);
    expect(take(afterThree, 3, now)).toBeNull();
    expect(waitForTokensMs(p, afterThree, 3, now)).toBe(200);
    expect(take(afterThree, 2, now)).toBe(now + 1000);
  });

  it('offers the likelier step first and exactly one of them matches', () => {
    const now = 7_000;
    const [first] = takeSteps(p, 1, now, now + 400);
    expect(first!.incFullAt).toBe(200); // the bucket was draining: $inc
    const [firstWhenFull] = takeSteps(p, 1, now, 0);
    expect(firstWhenFull!.setFullAt).toBe(now + 200); // the bucket was full: $set
    for (const fullAt of [0, now, now + 1, now + 400, now + 800, now + 801]) {
      const matching = takeSteps(p, 1, now, fullAt).filter((s) => applyStep(fullAt, s) !== null);
      expect(matching.length).toBe(fullAt <= now + 800 ? 1 : 0);
    }
  });

  it('handles rates below one per second', () => {
    const slow: RatePolicy = { submitsPerSecond: 0.5, burst: 1 };
    const fullAt = applyStep(0, takeSteps(slow, 1, 1000)[0]!)!;
    expect(fullAt).toBe(3000);
    expect(waitForTokensMs(slow, fullAt, 1, 1000)).toBe(2000);
  });
});
