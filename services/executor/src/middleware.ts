// The handler middleware chain (seed 004): before, after and on-error hooks that see the task
// context and can write its logs (RunLines). They run in order; an error in a hook is logged, not fatal.
import type { LogLevel } from '@loom/contracts';
import type { TaskContext } from '@loom/handlers';
import { finishedLine, startedLine } from '@loom/store';

/**
 * What a hook may write about the run besides the handler's own lines (ctx.log stores and
 * shows a line). `announce` shows a line to live viewers only: for what the task document
 * records anyway, so the log read back derives it (store/task-logs.ts runLinesOf) instead of a
 * write per line. `store` keeps a line in the task's log, at `at` (default now).
 */
export interface RunLines {
  announce(level: LogLevel, message: string): void;
  store(level: LogLevel, message: string, at?: Date): void;
}

export interface HandlerMiddleware {
  name: string;
  before?(ctx: TaskContext<unknown>, lines: RunLines): Promise<void> | void;
  after?(ctx: TaskContext<unknown>, result: unknown, durationMs: number, lines: RunLines): Promise<void> | void;
  onError?(ctx: TaskContext<unknown>, err: unknown, durationMs: number, lines: RunLines): Promise<void> | void;
}

/**
 * The start, end and failure of every run in the task's own log. A run that succeeds stores
 * nothing: its start and end are the task's startedAt and finishedAt, and the log read back
 * shows them as these same lines. A run that fails stores both its lines, since the next
 * attempt's start replaces startedAt.
 */
export const taskLogMiddleware: HandlerMiddleware = {
  name: 'task-log',
  before: (ctx, lines) => lines.announce('info', startedLine(ctx.task.attempt, ctx.task.maxAttempts)),
  after: (_ctx, _result, ms, lines) => lines.announce('info', finishedLine(ms)),
  onError: (ctx, err, ms, lines) => {
    lines.store('info', startedLine(ctx.task.attempt, ctx.task.maxAttempts), new Date(Date.now() - ms));
    lines.store('error', `failed after ${ms} ms: ${err instanceof Error ? err.message : String(err)}`);
  },
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
