// Every environment variable the services read, with its default and its reason, parsed once
// at start-up: a missing or malformed value stops the process with a sentence naming it.
import { z } from 'zod';

const int = (def: number) => z.coerce.number().int().nonnegative().default(def);

export const envSchema = z.object({
  /** RabbitMQ; `npm start` and `npm test` provide a local broker when unset. */
  AMQP_URL: z.string().url().default('amqp://guest:guest@127.0.0.1:5672'),
  /** MongoDB; the database name in the path is used, `loom` when none. */
  MONGO_URL: z.string().default('mongodb://127.0.0.1:27017/loom'),
  /** Prefix of every exchange and queue, so several deployments (or test runs) share a broker. */
  LOOM_NAMESPACE: z.string().regex(/^[a-z0-9][a-z0-9-]*$/).default('loom'),
  /** JSON file declaring the task types (config/task-types.json when unset). */
  LOOM_TASK_TYPES_FILE: z.string().optional(),
  /** The instance name in logs, leases and traces (hostname + pid when unset). */
  LOOM_INSTANCE_ID: z.string().optional(),
  /** gateway: where a task's trace is shown, with `{traceId}` for its id (task JSON `traceUrl`; `npm start` sets its Zipkin's). */
  LOOM_TRACE_URL: z.string().optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),

  /** gateway: port of the public HTTP API. */
  GATEWAY_PORT: int(8080),
  /** gateway: biggest accepted JSON body; larger bodies get 413. */
  GATEWAY_BODY_LIMIT: z.string().default('256kb'),
  /**
   * gateway: the default limits of every tenant (an operator overrides them per tenant, PUT
   * /v1/admin/tenants/:tenantId/limits). Submissions per second (0: no limit; fractions allowed,
   * 0.5 = one every 2 s), shared by every gateway replica. Generous by default: a multi-tenant
   * service wants a ceiling, and 1000/s with a burst of 2000 never slows one tenant's benchmark.
   */
  TENANT_SUBMITS_PER_SECOND: z.coerce.number().min(0).max(1_000_000).default(1000),
  /** gateway: the default burst in seconds of a tenant's rate: burst = ceil(rate x this), unless the tenant sets its own. */
  TENANT_SUBMIT_BURST_SECONDS: z.coerce.number().positive().max(3600).default(2),
  /** gateway: the default most unfinished tasks (pending, queued, delayed, running) per tenant (0: no limit). */
  TENANT_MAX_WAITING: int(100_000),
  /**
   * gateway: least time between two recounts of a tenant's unfinished tasks (a count query, a
   * scan on the local stand-in), made only when its estimate would refuse a submission. A
   * tenant at its waiting limit is told to retry after this.
   */
  TENANT_WAITING_RECOUNT_MS: z.coerce.number().int().min(100).max(600_000).default(1_000),
  /** Port of the health endpoints of the services other than gateway (0: any free port). */
  HEALTH_PORT: int(0),

  /** executor: how long a task lease lasts without a heartbeat before another executor may take the task over. */
  LEASE_MS: int(15_000),
  /** executor: how often a running task's lease is renewed (a third of the lease by default). */
  HEARTBEAT_MS: int(5_000),
  /** executor: on SIGTERM, how long a running task may take to finish before it is handed back. */
  EXECUTOR_DRAIN_MS: int(25_000),
  /** executor: comma-separated task types this replica consumes (all configured types when unset). */
  EXECUTOR_TYPES: z.string().optional(),

  /**
   * scheduler: how often it looks for lost leases, overdue retries, stale pending tasks and
   * expired tasks. Each look is an indexed query on MongoDB, but a scan on the local stand-in
   * (its non-unique indexes are ignored), and nothing it finds is urgent: a lost lease is only
   * found two lease lengths late anyway.
   */
  SCHEDULER_SWEEP_MS: int(30_000),
  /** scheduler: how long terminal tasks are kept before deletion (7 days). */
  RETENTION_MS: int(7 * 24 * 3600_000),
  /** status-sync: pause between poll rounds (each task is polled at its provider's pollEveryMs). */
  STATUS_SYNC_TICK_MS: int(1_000),
  /**
   * status-sync: with no task known to wait on a provider, how often it still looks (a lost
   * task.awaiting_provider hint, tasks left by a crash). Rounds read the tasks collection, so
   * idle ones are kept rare.
   */
  STATUS_SYNC_IDLE_CHECK_MS: int(30_000),
  /** status-sync: how long a claim to copy a job's outputs lasts without renewal (a crashed copier's lapses). */
  INGEST_LEASE_MS: int(30_000),
  /** status-sync: how often it looks for provider jobs whose task ended or vanished, to cancel them. */
  ORPHAN_SWEEP_MS: int(60_000),
  /** Public base URL of the gateway as providers reach it; set = webhook mode, unset = polling mode. */
  PUBLIC_BASE_URL: z.string().url().optional(),
  /** settlement: how often it repairs half-done ledger movements and settles holds whose terminal event never came. */
  SETTLEMENT_SWEEP_MS: int(30_000),
  /**
   * settlement: age after which an open hold with nothing left to wait for is settled by the sweep
   * (its task finished or vanished, or its gateway died between the hold and the task). Long
   * enough that no request in flight is still between its hold and its task write.
   */
  SETTLEMENT_STALE_HOLD_MS: int(10 * 60_000),
  /**
   * Every writer of tasks: how long its outbox heartbeat may be silent before another process
   * takes it for dead and republishes its unconfirmed entries (libs/store outbox-publisher.ts).
   * Long enough that a GC pause or a slow MongoDB does not trigger it; a false alarm only
   * republishes (consumers are idempotent).
   */
  OUTBOX_WRITER_DEAD_MS: int(10_000),
  /**
   * The broker's consumer_timeout (config/rabbitmq/rabbitmq.conf; the same value must be set
   * there): an executor holds every delivery it prefetched unacked until its task ends, so the
   * work-queue prefetch and the longest allowed task timeout are derived from it
   * (libs/messaging serial-per-type.ts).
   */
  CONSUMER_TIMEOUT_MS: int(25_200_000),
});

export type LoomEnv = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}

export function loadEnv(source: NodeJS.ProcessEnv = process.env): LoomEnv {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${issues}`);
  }
  return parsed.data;
}
