// The zod schemas of every request the API accepts and every response it gives. Requests are
// validated with them; responses are typed by them (the presenter returns these types); and
// openapi.ts documents both from the same objects, so the document cannot drift from the code.
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { TASK_STATUSES, logLevelSchema, taskErrorSchema } from '@loom/contracts';
import { priceInfoSchema } from './billing.schemas';
import { pageParam } from './pagination.schemas';

extendZodWithOpenApi(z);

const FINISHED = ['succeeded', 'failed', 'cancelled'] as const;
const dateTime = z.iso.datetime({ offset: true });
const idString = z.string().min(1).max(200);

// ---- requests ----------------------------------------------------------------------------

export const taskIdParams = z.object({ id: idString.openapi({ param: { description: 'Task id' } }) });

export const submitTaskBody = z
  .object({
    type: z.string().min(1).max(64).openapi({ description: 'A configured task type (GET /v1/task-types).', example: 'demo.image' }),
    input: z
      .unknown()
      .default({})
      .openapi({ type: 'object', description: "Checked against the type's inputSchema; stored with its defaults applied.", example: { ms: 2000 } }),
    idempotencyKey: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .openapi({ description: 'Per tenant. A repeated key returns the task it created first (200 instead of 202).' }),
    timeoutMs: z
      .number()
      .int()
      .positive()
      .optional()
      .openapi({ description: "Defaults to the type's timeoutMs; may not exceed its maxTimeoutMs." }),
    priority: z
      .number()
      .int()
      .min(-100)
      .max(100)
      .default(0)
      .openapi({ description: 'Stored and reported with the task (higher = more urgent). Default 0. Tasks of one type still start in the order they were admitted.' }),
  })
  .strict()
  .openapi('SubmitTask');
export type SubmitTaskBody = z.infer<typeof submitTaskBody>;

/** Most tasks one POST /v1/tasks/bulk may submit. */
export const MAX_SUBMIT_MANY = 500;

export const submitManyBody = z
  .object({
    tasks: z
      .array(submitTaskBody)
      .min(1)
      .max(MAX_SUBMIT_MANY)
      .openapi({ description: `1 to ${MAX_SUBMIT_MANY} tasks, each as POST /v1/tasks takes it; they may be of different types.` }),
  })
  .strict()
  .openapi('SubmitTasks');
export type SubmitManyBody = z.infer<typeof submitManyBody>;

/** Which tasks: the task center's filters and search, shared by the list and the bulk actions. */
const taskFilterFields = {
  status: z.enum(TASK_STATUSES).optional(),
  type: z.string().min(1).max(64).optional(),
  batchId: idString.optional(),
  q: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: 'Search: the task id, its idempotency key, or words of its input (every word, whole words, any case).', example: 'fox' }),
  createdAfter: dateTime.optional().openapi({ description: 'Created at or after this instant.' }),
  createdBefore: dateTime.optional().openapi({ description: 'Created strictly before this instant.' }),
};

export const taskFilterSchema = z.object(taskFilterFields).strict().openapi('TaskFilter', { description: 'Every field given narrows the selection.' });
export type TaskFilterBody = z.infer<typeof taskFilterSchema>;

export const listTasksQuery = z.object({
  ...taskFilterFields,
  page: pageParam,
  pageSize: z.coerce.number().int().min(1).max(100).default(20).openapi({ type: 'integer', minimum: 1, maximum: 100, description: 'Default 20, at most 100.' }),
});
export type ListTasksQuery = z.infer<typeof listTasksQuery>;

const dryRunField = z
  .boolean()
  .optional()
  .openapi({ description: 'Change nothing; answer how many tasks the request would act on (`matched`), for a confirmation.' });

export const bulkCancelBody = z
  .object({
    ids: z.array(idString).min(1).max(1000).optional(),
    types: z.array(z.string().min(1)).min(1).max(100).optional(),
    all: z.literal(true).optional(),
    filter: taskFilterSchema.optional().openapi({ description: 'The unfinished tasks matching this filter (at most 10,000).' }),
    dryRun: dryRunField,
  })
  .strict()
  .refine((b) => [b.ids, b.types, b.all, b.filter].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of ids, types, all or filter',
  })
  .openapi('BulkCancel', {
    description: 'Exactly one of ids, types, all or filter; dryRun to count first.',
    oneOf: ['ids', 'types', 'all', 'filter'].map((k) => ({ required: [k] })),
  });
export type BulkCancelBody = z.infer<typeof bulkCancelBody>;

export const bulkRetryBody = z
  .object({
    ids: z.array(idString).min(1).max(1000).optional(),
    filter: taskFilterSchema.optional().openapi({ description: 'The failed and cancelled tasks matching this filter (at most 10,000).' }),
    dryRun: dryRunField,
  })
  .strict()
  .refine((b) => [b.ids, b.filter].filter((x) => x !== undefined).length === 1, { message: 'give exactly one of ids or filter' })
  .openapi('BulkRetry', { description: 'Exactly one of ids or filter; dryRun to count first.', oneOf: ['ids', 'filter'].map((k) => ({ required: [k] })) });
export type BulkRetryBody = z.infer<typeof bulkRetryBody>;

export const cleanupBody = z
  .object({
    statuses: z.array(z.enum(FINISHED)).min(1),
    olderThan: z.union([
      dateTime.openapi({ description: 'Tasks that finished before this instant.' }),
      z
        .number()
        .int()
        .nonnegative()
        // The whole range of a date: an older cutoff is no instant at all.
        .max(8.64e15)
        .openapi({ description: 'Tasks that finished more than this many ms ago (at most 8.64e15, the range of a date).' }),
    ]),
  })
  .strict()
  .openapi('Cleanup');
export type CleanupBody = z.infer<typeof cleanupBody>;

export const liveQuery = z.object({
  taskId: idString.optional().openapi({ description: 'Only the events of this task (a snapshot of it comes first).' }),
  apiKey: z.string().optional().openapi({ description: 'For browsers, which cannot set the Authorization header on EventSource/WebSocket.' }),
  lastEventId: z
    .string()
    .max(200)
    .optional()
    .openapi({ description: 'Resume after this event id (as the Last-Event-ID header, for clients that cannot set it on a new stream).' }),
});

export const liveHeaders = z.object({
  'last-event-id': z.string().max(200).optional().openapi({ description: 'Resume after this event id: EventSource sends it when it reconnects.' }),
});

// ---- responses ---------------------------------------------------------------------------

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'VALIDATION_FAILED' }),
      message: z.string(),
      details: z
        .union([
          z.array(z.object({ path: z.string().openapi({ example: 'input.ms' }), message: z.string() })),
          z.record(z.string(), z.unknown()),
        ])
        .optional()
        .openapi({ description: 'For VALIDATION_FAILED: each failing field. For INSUFFICIENT_CREDITS: {balance, price}.' }),
    }),
  })
  .openapi('Error');

export const queueInfoSchema = z
  .object({
    position: z.number().int().openapi({ description: '1 = next to run.' }),
    blockedBy: z.string().nullable().openapi({ description: 'The task of this type running now.' }),
    typicalDurationMs: z.number().nullable(),
    estimatedStartInMs: z.number().nullable(),
  })
  .openapi('QueueInfo');

export const taskSchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    type: z.string(),
    status: z.enum(TASK_STATUSES),
    progress: z.number(),
    message: z.string().nullable(),
    input: z.unknown(),
    outputs: z.array(z.unknown()),
    result: z.unknown().nullable(),
    error: taskErrorSchema.nullable(),
    attempts: z.number().int().openapi({ description: 'The current attempt, from 1.' }),
    maxAttempts: z.number().int(),
    priority: z.number().int(),
    timeoutMs: z.number().int(),
    idempotencyKey: z.string().nullable(),
    batchId: z.string().nullable(),
    price: z.number().int().openapi({ description: 'Credits this task costs, fixed at submission (0 = free).' }),
    createdAt: dateTime,
    queuedAt: dateTime.nullable(),
    startedAt: dateTime.nullable(),
    finishedAt: dateTime.nullable(),
    nextAttemptAt: dateTime.nullable().openapi({ description: 'When a delayed task is retried.' }),
    cancelRequested: z.boolean(),
    provider: z.string().nullable().openapi({ description: 'The provider a provider task runs at (replicate, runninghub, grsai, ...).' }),
    providerJobId: z.string().nullable().openapi({ description: "The job's id at the provider, once submitted." }),
    phase: z.enum(['awaiting_provider', 'ingesting']).nullable().openapi({ description: 'Of a running provider task: waiting at the provider, or copying its outputs.' }),
    traceId: z
      .string()
      .regex(/^[0-9a-f]{32}$/)
      .nullable()
      .openapi({ description: "The W3C trace id of the task's trace (submit request, every message hop, provider calls, uploads, settlement); null when tracing was off at submit." }),
    traceUrl: z
      .string()
      .nullable()
      .openapi({ description: "Where the task's trace is shown (LOOM_TRACE_URL with the trace id filled in, e.g. the local Zipkin); null when not configured or not traced." }),
    queue: queueInfoSchema.optional().openapi({ description: 'Only on GET /v1/tasks/{id} of a queued task.' }),
  })
  .openapi('Task');
export type TaskJson = z.infer<typeof taskSchema>;

export const taskPageSchema = z
  .object({ items: z.array(taskSchema), page: z.number().int(), pageSize: z.number().int(), total: z.number().int() })
  .openapi('TaskPage');

export const taskLogLineSchema = z
  .object({ timestamp: dateTime, level: logLevelSchema, message: z.string(), data: z.unknown().optional() })
  .openapi('TaskLogLine');
export type TaskLogLineJson = z.infer<typeof taskLogLineSchema>;

export const cancelResultSchema = z
  .object({ id: z.string(), status: z.enum(['cancelled', 'cancelling']) })
  .openapi('CancelResult');

const matchedField = z.number().int().openapi({
  description: 'How many tasks the request addresses: the distinct ids given, or the tasks matching the selector that it can act on (for a dry run, with ids too).',
});

export const bulkCancelResultSchema = z
  .object({
    dryRun: z.boolean(),
    matched: matchedField,
    cancelled: z.array(z.string()).openapi({ description: 'Cancelled now, or (running tasks) asked to stop. Empty for a dry run.' }),
    notFound: z.array(z.string()).openapi({ description: 'Unknown to this caller, or already finished. Empty for a dry run.' }),
  })
  .openapi('BulkCancelResult');

export const bulkRetryResultSchema = z
  .object({
    dryRun: z.boolean(),
    matched: matchedField,
    retried: z.array(z.string()).openapi({ description: 'Pending again, as their next attempt. Empty for a dry run.' }),
    notRetried: z
      .array(z.object({ id: z.string(), code: z.string().openapi({ example: 'TASK_NOT_RETRYABLE' }), message: z.string() }))
      .openapi({ description: 'Each task that could not be retried, with the error a single retry would have answered.' }),
  })
  .openapi('BulkRetryResult');

export const cleanupResultSchema = z.object({ deleted: z.number().int() }).openapi('CleanupResult');

export const taskTypeInfoSchema = z
  .object({
    type: z.string(),
    handler: z.string(),
    description: z.string(),
    concurrency: z.literal(1).openapi({ description: 'Tasks of one type run one at a time.' }),
    timeoutMs: z.number().int(),
    maxTimeoutMs: z.number().int(),
    maxAttempts: z.number().int(),
    rerunnable: z.boolean(),
    price: priceInfoSchema.nullable(),
    inputSchema: z.record(z.string(), z.unknown()).openapi({ description: 'JSON Schema of the input.' }),
  })
  .openapi('TaskType');
export type TaskTypeInfo = z.infer<typeof taskTypeInfoSchema>;

export const liveEventSchema = z
  .object({
    event: z.string().openapi({ example: 'task.progress', description: 'The routing key of the event, or task.snapshot.' }),
    taskId: z.string().nullable(),
    tenantId: z.string(),
    occurredAt: dateTime,
    payload: z.unknown(),
  })
  .openapi('LiveEvent');
export type LiveEvent = z.infer<typeof liveEventSchema>;

export const submitManyResultSchema = z
  .object({
    items: z
      .array(
        z.union([
          z.object({ created: z.boolean().openapi({ description: 'false: its idempotency key was used before, and this is the task it created.' }), task: taskSchema }).strict(),
          errorSchema,
        ]),
      )
      .openapi({ description: 'One per submitted task, in the order given: the task, or the error this item alone met while being written.' }),
  })
  .openapi('SubmitTasksResult');
