// What a task handler is: a name, the schema of its input (checked by the gateway at
// submission, so bad input is a 400 before anything is stored) and a run function that gets
// the task context: its input, an AbortSignal (cancel, timeout, shutdown), progress and logs.
import type { LogLevel } from '@loom/contracts';
import type { z } from 'zod';

export interface TaskContext<I> {
  task: { id: string; type: string; tenantId: string; attempt: number; maxAttempts: number };
  input: I;
  /** Aborted on cancel, timeout, lost lease or shutdown; `signal.reason` says which. */
  signal: AbortSignal;
  progress(percent: number, message?: string): Promise<void>;
  log(level: LogLevel, message: string, data?: unknown): Promise<void>;
  /** The job id at an outside system (provider) recorded by an earlier run of this task, if any. */
  externalId?: string;
  /** Records the outside job this task now waits on, fenced by the lease; false if the lease is gone. */
  recordExternalJob(provider: string, externalId: string): Promise<boolean>;
  /**
   * Streams one output of a local handler into storage (tenant/task/index, like provider
   * outputs); it is recorded on the task when the handler succeeds.
   */
  writeOutput(body: NodeJS.ReadableStream | Buffer | string, contentType: string): Promise<{ key: string; size: number; sha256: string }>;
}

/** Returned by a handler whose task was ended by another service (status-sync for provider jobs). */
export const FINISHED_ELSEWHERE: unique symbol = Symbol.for('loom.finished-elsewhere');

export interface TaskHandler<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  input: S;
  run(ctx: TaskContext<z.infer<S>>): Promise<unknown>;
  /**
   * True when run() itself settles soon after the signal fires, and only once everything it
   * started has stopped (a sandboxed handler, ended after its grace): the executor then awaits
   * it. Otherwise (default) a handler still running abortGraceMs after the signal is abandoned.
   */
  settlesOnAbort?: boolean;
}

export function defineHandler<S extends z.ZodType>(h: TaskHandler<S>): TaskHandler<S> {
  return h;
}
