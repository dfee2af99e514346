// What a handler's error means for the task: its error shape, and whether (and when) it runs again.
import type { TaskTypeConfig } from '@loom/config';
import type { TaskErrorShape } from '@loom/contracts';
import { isTaskFailure } from '@loom/handlers';

export function toTaskError(err: unknown): TaskErrorShape {
  if (isTaskFailure(err)) return { code: err.code, message: err.message, retryable: err.retryable };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'HANDLER_ERROR', message, retryable: true };
}

/** Exponential backoff: base * 2^(attempt-1), capped; `attempt` is the attempt that failed. */
export function backoffMs(policy: TaskTypeConfig['retryBackoff'], attempt: number): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
}

export function nextStep(error: TaskErrorShape, attempt: number, maxAttempts: number, policy: TaskTypeConfig['retryBackoff']):
  | { kind: 'retry'; delayMs: number }
  | { kind: 'fail' } {
  return error.retryable && attempt < maxAttempts ? { kind: 'retry', delayMs: backoffMs(policy, attempt) } : { kind: 'fail' };
}
