// Built-in handler `sleep`, for demos and tests: waits `ms`, reporting progress in steps;
// it can fail on purpose (`fail`), or fail only its first attempts (`failAttempts`), or play a
// badly written handler that ignores its AbortSignal (`ignoreAbort`).
import { z } from 'zod';
import { defineHandler } from './task-handler';
import { TaskFailure } from './task-failure';

export const sleepInput = z
  .object({
    ms: z.number().int().min(0).max(24 * 3600_000),
    progressSteps: z.number().int().min(0).max(100).default(0),
    /** 'permanent' fails at once; 'retryable' fails every attempt with a retryable error. */
    fail: z.enum(['permanent', 'retryable']).optional(),
    /** Fail (retryably) while attempt <= failAttempts, then succeed. */
    failAttempts: z.number().int().min(0).max(50).default(0),
    /** Write one text output of this content (exercises the output storage of local handlers). */
    writeOutput: z.string().max(64 * 1024).optional(),
    /** Sleep without looking at the AbortSignal (a handler that cannot be stopped), then log and write as usual. */
    ignoreAbort: z.boolean().optional(),
  })
  .strict();

export const sleepHandler = defineHandler({
  name: 'sleep',
  description: 'Sleeps for input.ms, reporting progress in input.progressSteps steps; can fail on purpose.',
  input: sleepInput,
  async run({ input, signal, progress, log, task, writeOutput }) {
    const steps = Math.max(1, input.progressSteps);
    const never = new AbortController().signal;
    for (let i = 1; i <= steps; i++) {
      await abortableDelay(input.ms / steps, input.ignoreAbort ? never : signal);
      if (input.progressSteps > 0) await progress(Math.round((i / steps) * 100), `step ${i} of ${steps}`);
    }
    if (input.fail === 'permanent') throw new TaskFailure('SLEEP_FAILED', 'failed on purpose (fail: permanent)', false);
    if (input.fail === 'retryable') throw new TaskFailure('SLEEP_FAILED', 'failed on purpose (fail: retryable)', true);
    if (task.attempt <= input.failAttempts) {
      throw new TaskFailure('SLEEP_FAILED', `attempt ${task.attempt} failed on purpose (failAttempts: ${input.failAttempts})`, true);
    }
    await log('info', `slept ${input.ms} ms`);
    if (input.writeOutput !== undefined) await writeOutput(input.writeOutput, 'text/plain');
    return { sleptMs: input.ms };
  },
});

export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    // No timer for no time: setTimeout(0) waits at least 1 ms (Node clamps it), which a type
    // of no-op tasks would pay once per task, in series.
    if (ms <= 0) return resolve();
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
