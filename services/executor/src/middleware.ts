// The handler middleware chain (seed 004): before, after and on-error hooks that see the task
// context and can write its logs (RunLines). They run in order; an error in a hook is logged, not fatal.
import type { LogLevel } from '@loom/contracts';
import type { TaskContext } from '@loom/handlers';
import { startedLine } from '@loom/store';

/**
 * What a hook may write about the run besides the handler's own lines (ctx.log stores a line
 * now): `store` keeps a line in the task's log at `at` (default now), shown live as well.
 */
export interface RunLines {
  store(level: LogLevel, message: string, at?: Date): void;
}

export interface HandlerMiddleware {
  name: string;
  before?(ctx: TaskContext<unknown>, lines: RunLines): Promise<void> | void;
  after?(ctx: TaskContext<unknown>, result: unknown, durationMs: number, lines: RunLines): Promise<void> | void;
  onError?(ctx: TaskContext<unknown>, err: unknown, durationMs: number, lines: RunLines): Promise<void> | void;
}

/**
 * The start, end and failure of every run in the task's own log. A run that succeeds writes
 * nothing: its start and end are the task's startedAt and finishedAt, and the log read back
 * shows them as these lines (store/task-logs.ts runLinesOf), at those instants; viewers re-read
 * it on the task.started and task.succeeded events, so a live copy here would only show each
 * line twice. A run that fails stores both its lines, since the next attempt's start replaces
 * startedAt.
 */
export const taskLogMiddleware: HandlerMiddleware = {
  name: 'task-log',
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
