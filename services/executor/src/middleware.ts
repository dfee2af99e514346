// The handler middleware chain (seed 004): before, after and on-error hooks that see the task
// context and can write its logs. They run in order; an error in a hook is logged, not fatal.
import type { TaskContext } from '@loom/handlers';

export interface HandlerMiddleware {
  name: string;
  before?(ctx: TaskContext<unknown>): Promise<void> | void;
  after?(ctx: TaskContext<unknown>, result: unknown, durationMs: number): Promise<void> | void;
  onError?(ctx: TaskContext<unknown>, err: unknown, durationMs: number): Promise<void> | void;
}

/** Writes the start, end and failure of every run into the task's own log. */
export const taskLogMiddleware: HandlerMiddleware = {
  name: 'task-log',
  before: (ctx) => ctx.log('info', `attempt ${ctx.task.attempt} of ${ctx.task.maxAttempts} started`),
  after: (ctx, _result, ms) => ctx.log('info', `finished in ${ms} ms`),
  onError: (ctx, err, ms) => ctx.log('error', `failed after ${ms} ms: ${err instanceof Error ? err.message : String(err)}`),
};

export async function runHooks(
  chain: HandlerMiddleware[],
  hook: 'before' | 'after' | 'onError',
  call: (m: HandlerMiddleware) => Promise<void> | void,
  onHookError: (m: HandlerMiddleware, err: unknown) => void,
): Promise<void> {
  for (const m of chain) {
    if (!m[hook]) continue;
    try {
      await call(m);
    } catch (err) {
      onHookError(m, err);
    }
  }
}
