// Schema of GET /v1/queues (per task type: running, waiting, the last hour), for the route's
// presenter and the OpenAPI document.
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

const dateTime = z.iso.datetime({ offset: true });

export const queueTypeSchema = z
  .object({
    type: z.string(),
    running: z
      .array(
        z.object({
          taskId: z.string().nullable().openapi({ description: "null when it is another tenant's task." }),
          startedAt: dateTime.nullable(),
          progress: z.number(),
        }),
      )
      .openapi({ description: 'Running now (one at a time per type).' }),
    waiting: z.number().int().openapi({ description: 'Pending, queued and delayed tasks of every tenant: the line a new task joins.' }),
    typicalDurationMs: z.number().nullable().openapi({ description: "Median duration of the hour's successes." }),
    finishedLastHour: z.number().int(),
    failureRate: z.number().nullable().openapi({ description: 'failed / (succeeded + failed) over the last hour; null when none finished.' }),
    perMinute: z
      .array(
        z.object({
          minute: dateTime,
          succeeded: z.number().int(),
          failed: z.number().int(),
          cancelled: z.number().int(),
          p50Ms: z.number().nullable().openapi({ description: "Median duration of the minute's successes." }),
          p90Ms: z.number().nullable(),
        }),
      )
      .openapi({ description: 'Finished tasks per minute and their duration percentiles, the last 60 minutes, oldest first.' }),
    durationMs: z
      .object({ p50: z.number(), p90: z.number(), p99: z.number() })
      .nullable()
      .openapi({ description: "Percentiles of the hour's successes' durations (nearest rank)." }),
  })
  .openapi('QueueType');

export const queueStatsSchema = z
  .object({
    generatedAt: dateTime,
    windowMs: z.number().int().openapi({ description: 'The window of the hour figures (3,600,000).' }),
    sampled: z.boolean().openapi({ description: 'True when more tasks finished in the window than are read per answer: the figures are of the newest.' }),
    types: z.array(queueTypeSchema),
  })
  .openapi('QueueStats');
export type QueueStatsJson = z.infer<typeof queueStatsSchema>;
