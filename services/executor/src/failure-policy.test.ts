import { TaskFailure } from '@loom/handlers';
import { backoffMs, nextStep, toTaskError } from './failure-policy';

const policy = { baseMs: 1000, maxMs: 5000 };

describe('failure policy', () => {
  it('doubles the backoff per attempt up to the cap', () => {
    expect([1, 2, 3, 4, 5].map((a) => backoffMs(policy, a))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  it('retries a retryable error while attempts remain, then fails', () => {
    const err = toTaskError(new Error('boom'));
    expect(err).toEqual({ code: 'HANDLER_ERROR', message: 'boom', retryable: true });
    expect(nextStep(err, 1, 3, policy)).toEqual({ kind: 'retry', delayMs: 1000 });
    expect(nextStep(err, 3, 3, policy)).toEqual({ kind: 'fail' });
  });

  it('fails a non-retryable error at once', () => {
    const err = toTaskError(new TaskFailure('BAD_INPUT', 'no', false));
    expect(err.code).toBe('BAD_INPUT');
    expect(nextStep(err, 1, 5, policy)).toEqual({ kind: 'fail' });
  });
});
