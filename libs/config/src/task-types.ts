// Which task types exist, which handler runs each, and its policy (timeout, retries,
// re-run after an executor died). Read from a JSON file so a deployment changes types
// without code; the default file is config/task-types.json.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from './env';

/**
 * What one task of a type costs, in whole credits, fixed on the task when it is submitted.
 * `credits` is the price; with `perInputField`, the value of that input field (after the
 * handler applied its defaults; a dotted path such as "options.model") picks the price from
 * `values`, and a value not listed costs `credits`. A type without `price` is free: its tasks
 * need no account and move no credits.
 *
 *   { "credits": 5 }
 *   { "credits": 20, "perInputField": { "field": "model", "values": { "veo3.1-fast": 20, "veo3.1-pro": 60 } } }
 */
export const priceSchema = z
  .object({
    credits: z.number().int().nonnegative(),
    perInputField: z
      .object({ field: z.string().min(1), values: z.record(z.string(), z.number().int().nonnegative()) })
      .strict()
      .optional(),
  })
  .strict();
export type PriceRule = z.infer<typeof priceSchema>;

export const taskTypeSchema = z.object({
  /** Name of the handler in the executor's registry (e.g. "sleep"). */
  handler: z.string().min(1),
  description: z.string().default(''),
  /** Default per-task timeout; a submission may ask for less or more up to maxTimeoutMs. */
  timeoutMs: z.number().int().positive().default(10 * 60_000),
  maxTimeoutMs: z.number().int().positive().default(6 * 3600_000),
  /** Total attempts for retryable failures (1 = no retry). */
  maxAttempts: z.number().int().min(1).max(50).default(3),
  /** Exponential backoff: base * 2^(attempt-1), capped at maxMs. */
  retryBackoff: z
    .object({ baseMs: z.number().int().positive().default(1_000), maxMs: z.number().int().positive().default(5 * 60_000) })
    .default({ baseMs: 1_000, maxMs: 5 * 60_000 }),
  /**
   * Whether the task may be started again from the beginning when its executor died mid-run.
   * False for handlers with side effects that must not repeat: such a task fails with
   * EXECUTOR_LOST instead, for a person to decide.
   */
  rerunnable: z.boolean().default(true),
  /**
   * Where the handler runs. "inline" (default): in the executor's own event loop, the
   * cheapest; a handler that ignores its AbortSignal is abandoned after abortGraceMs (its later
   * writes are dropped) but keeps running. "worker_thread" or "child_process": in a thread or
   * process of its own per run (BullMQ's sandboxed processors), which the executor ends
   * (worker.terminate(), SIGKILL) abortGraceMs after the signal fired, so even such a handler
   * has stopped before the next task of its type starts. Its context calls (progress, log,
   * writeOutput, recordExternalJob) are proxied to the executor, which fences them as usual.
   * Not for handler "provider", which needs the executor's store and adapters.
   */
  isolation: z.enum(['inline', 'worker_thread', 'child_process']).default('inline'),
  /**
   * How long a handler may take to stop once its signal fired (cancel, timeout, shutdown; a
   * lost lease gets none), e.g. to cancel its job somewhere; the task's status is written
   * after it stopped or after this grace. Default 5 s: long enough for one outside call, short
   * enough that an unstoppable handler holds its type only briefly. At most 10 s: on SIGTERM it
   * comes after EXECUTOR_DRAIN_MS (25 s), and both must fit in the stop grace compose (40 s)
   * and k8s/ (45 s) give an executor before they kill it.
   */
  abortGraceMs: z.number().int().min(0).max(10_000).default(5_000),
  /**
   * For handler "provider": which provider runs the task and with what settings (model,
   * version, workflowId, ...), passed to the adapter as they are.
   */
  provider: z
    .object({
      name: z.string().min(1),
      settings: z.record(z.string(), z.unknown()).default({}),
      /**
       * When a submit's outcome is unknown (it timed out or broke after it may have reached the
       * provider, or the executor died mid-call) and the provider offers no way to find the job:
       * "fail" (default) fails the task rather than risk a second paid job; "resubmit" submits
       * again (for cheap or idempotent work, where a duplicate costs less than a failure).
       */
      onUnknownSubmit: z.enum(['fail', 'resubmit']).default('fail'),
    })
    .optional(),
  /** What a task of this type costs (see priceSchema); absent = free. */
  price: priceSchema.optional(),
  /**
   * Says a type without a price is free on purpose. Required of provider types that have no
   * price: their jobs cost the platform money, so "free" must be a decision, not a default.
   */
  free: z.literal(true).optional(),
});

export const taskTypesFileSchema = z.object({
  types: z
    .record(z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'type names are lowercase letters, digits, ".", "_" or "-"'), taskTypeSchema)
    .superRefine((types, ctx) => {
      for (const [name, t] of Object.entries(types)) {
        if (t.price !== undefined && t.free) {
          ctx.addIssue({ code: 'custom', path: [name, 'free'], message: 'a type with a price is not free: remove one of price and free' });
        }
        if (t.handler === 'provider' && t.isolation !== 'inline') {
          ctx.addIssue({
            code: 'custom',
            path: [name, 'isolation'],
            message: 'handler "provider" runs inline only (it needs the executor\'s store and provider adapters); a provider call is stopped through its AbortSignal and cancelled at the provider',
          });
        }
        if (t.handler === 'provider' && t.price === undefined && !t.free) {
          ctx.addIssue({
            code: 'custom',
            path: [name, 'price'],
            message: 'a provider type must declare a price ({"credits": N}) or say "free": true: its provider jobs cost money, and without a price every tenant runs them at the platform\'s cost',
          });
        }
      }
    }),
});

export type TaskTypeConfig = z.infer<typeof taskTypeSchema>;
export type TaskTypes = Record<string, TaskTypeConfig>;

export function defaultTaskTypesFile(): string {
  return path.resolve(__dirname, '..', '..', '..', 'config', 'task-types.json');
}

export function loadTaskTypes(file = process.env.LOOM_TASK_TYPES_FILE ?? defaultTaskTypesFile()): TaskTypes {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read task types from ${file}: ${(err as Error).message}`);
  }
  const parsed = taskTypesFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid task types in ${file}: ${issues}`);
  }
  return parsed.data.types;
}
