// The task types this deployment accepts, joined with their handlers: what a submission is
// checked against (type known, input valid for the handler, timeout within bounds) and what
// GET /v1/task-types describes. Pure: built once at start-up from config/task-types.json.
import { z } from 'zod';
import type { TaskTypeConfig, TaskTypes } from '@loom/config';
import type { TaskHandler } from '@loom/handlers';
import { priceOf } from '@loom/billing';
import { UnknownTaskTypeError, ValidationError } from '../http/errors';
import type { TaskTypeInfo } from '../http/schemas';

export interface Submission {
  type: string;
  input: unknown;
  timeoutMs?: number;
}

/** What the store needs besides tenant, priority and idempotency key. */
export interface PreparedSubmission {
  type: string;
  input: unknown;
  timeoutMs: number;
  maxAttempts: number;
}

export interface TaskCatalog {
  has(type: string): boolean;
  /** Checks a submission; throws UnknownTaskTypeError (422) or ValidationError (400). */
  prepare(s: Submission): PreparedSubmission;
  describe(): TaskTypeInfo[];
  /** Credits a task of this type with this (prepared) input costs; 0 = free. */
  priceOf(type: string, input: unknown): number;
  /** Whether any type has a price (then the gateway needs billing). */
  hasPrices(): boolean;
}

export function createTaskCatalog(types: TaskTypes, handlers: Map<string, TaskHandler>): TaskCatalog {
  const entries = new Map<string, { config: TaskTypeConfig; handler: TaskHandler }>();
  for (const [type, config] of Object.entries(types)) {
    const handler = handlers.get(type);
    if (!handler) throw Object.assign(new Error(`task type ${type} has no handler`), { code: 'CONFIG_INVALID' });
    entries.set(type, { config, handler });
  }

  // Computed once: the JSON schema of what a client sends (`io: input` keeps defaulted fields optional).
  const described: TaskTypeInfo[] = [...entries].map(([type, { config, handler }]) => ({
    type,
    handler: config.handler,
    description: config.description || handler.description,
    concurrency: 1,
    timeoutMs: config.timeoutMs,
    maxTimeoutMs: config.maxTimeoutMs,
    maxAttempts: config.maxAttempts,
    rerunnable: config.rerunnable,
    price: config.price ?? null,
    inputSchema: z.toJSONSchema(handler.input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
  }));

  return {
    has: (type) => entries.has(type),

    prepare(s) {
      const entry = entries.get(s.type);
      if (!entry) {
        throw new UnknownTaskTypeError(`unknown task type "${s.type}"; known types: ${[...entries.keys()].join(', ') || '(none)'}`);
      }
      const { config, handler } = entry;
      const input = handler.input.safeParse(s.input);
      if (!input.success) throw ValidationError.fromZod(input.error, 'input');
      const timeoutMs = s.timeoutMs ?? config.timeoutMs;
      if (timeoutMs > config.maxTimeoutMs) {
        throw ValidationError.field('timeoutMs', `at most ${config.maxTimeoutMs} ms for type ${s.type}`);
      }
      return { type: s.type, input: input.data, timeoutMs, maxAttempts: config.maxAttempts };
    },

    describe: () => described,

    priceOf: (type, input) => priceOf(entries.get(type)?.config.price, input),

    hasPrices: () => [...entries.values()].some((e) => e.config.price !== undefined),
  };
}
