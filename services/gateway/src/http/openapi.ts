// The OpenAPI 3.1 document of the API (GET /v1/openapi.json), generated from the same zod
// schemas the routes validate with. Every path the routers answer is registered here (the
// drift test in test/gateway/openapi-drift.test.ts compares it with the express routes and
// with real answers). Given the configured task types, a submission's body is documented per
// type (selected by `type`, with that handler's input schema), as the gateway checks it.
import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  bulkCancelBody,
  bulkCancelResultSchema,
  cancelResultSchema,
  cleanupBody,
  cleanupResultSchema,
  errorSchema,
  listTasksQuery,
  liveEventSchema,
  liveHeaders,
  liveQuery,
  MAX_SUBMIT_MANY,
  submitManyBody,
  submitManyResultSchema,
  submitTaskBody,
  taskIdParams,
  taskLogLineSchema,
  taskPageSchema,
  taskSchema,
  taskTypeInfoSchema,
  type TaskTypeInfo,
} from './schemas';
import {
  accountSchema,
  batchCreatedSchema,
  batchIdParams,
  batchSchema,
  createdTenantSchema,
  createTenantBody,
  creditsBody,
  ledgerPageSchema,
  ledgerQuery,
  submitBatchBody,
  tenantIdParams,
} from './billing.schemas';
import { registerSessionCookie, registerTaskCenterPaths } from './openapi-center';
import { registerApiKeyPaths } from './openapi-keys';
import { tenantLimitsBody, tenantLimitsSchema } from './limits.schemas';

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

export interface OpenApiOptions {
  /** The configured task types (catalog.describe()): each gets its own submission schema. Without them `input` is any object. */
  taskTypes?: TaskTypeInfo[];
}

const json = (schema: z.ZodType, description: string): ResponseConfig => ({
  description,
  content: { 'application/json': { schema } },
});
const error = (description: string): ResponseConfig => json(errorSchema, description);

/** One event of the SSE stream, in the OpenAPI form for text/event-stream: its fields, `data` the LiveEvent as JSON. */
const sseEventSchema = z
  .object({
    id: z.string().openapi({ description: 'Send it back as Last-Event-ID to resume after this event.' }),
    event: z.string().openapi({ example: 'task.progress', description: 'The LiveEvent name (task.*, task.snapshot, stream.reset).' }),
    data: z.string().openapi({ contentMediaType: 'application/json', contentSchema: { $ref: '#/components/schemas/LiveEvent' } } as never),
  })
  .openapi('SseEvent');

const webhookAcceptedSchema = z.object({ accepted: z.literal(true), duplicate: z.literal(true).optional() }).openapi('WebhookAccepted');

const common = {
  401: error('Missing or unknown API key (UNAUTHENTICATED).'),
};
/** 429 of the tenant's submission limits: nothing was created; Retry-After says when to try again. */
const limited = (what: string): ResponseConfig => ({
  ...error(
    `${what} is over one of the tenant's limits; nothing was created. SUBMIT_RATE_LIMITED: more than submitsPerSecond (details {limit, submitsPerSecond, burst, retryAfterSeconds}); ` +
      'TOO_MANY_WAITING_TASKS: maxWaiting tasks are already unfinished (details {limit, maxWaiting, waiting, retryAfterSeconds}). GET /v1/account/limits shows the limits.',
  ),
  headers: {
    'Retry-After': { description: 'Whole seconds (at least 1) to wait before sending it again.', required: true, schema: { type: 'integer', minimum: 1 } },
  },
});
const taskLookup = {
  400: error('A malformed task id (VALIDATION_FAILED).'),
  ...common,
  404: error("No such task for this caller (TASK_NOT_FOUND); another tenant's task is not found, never 403."),
};

export function buildOpenApiDocument(opts: OpenApiOptions = {}): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key: `Authorization: Bearer <key>`. Role user sees its tenant; role operator sees all tenants.',
  });
  const security = [{ [bearer.name]: [] }, { [registerSessionCookie(registry)]: [] }];
  const path = (route: RouteConfig) => registry.registerPath({ security, ...route });
  // Referenced from the SSE event's data (contentSchema), which the generator does not follow.
  registry.register('LiveEvent', liveEventSchema);

  path({
    method: 'post',
    path: '/v1/tasks',
    summary: 'Submit a task',
    description: 'Answers 202 with the new pending task; a repeated idempotencyKey answers 200 with the task it created first.',
    request: { body: { required: true, content: { 'application/json': { schema: submitTaskBody } } } },
    responses: {
      202: json(taskSchema, 'Accepted: the task is pending.'),
      200: json(taskSchema, 'The idempotency key was used before: the task it created.'),
      400: error('Invalid body or input (VALIDATION_FAILED, details name each field), or malformed JSON (MALFORMED_JSON).'),
      ...common,
      402: error('The balance does not cover the price (INSUFFICIENT_CREDITS, details {balance, price}); nothing was created.'),
      413: error('Body larger than the limit (PAYLOAD_TOO_LARGE).'),
      422: error('Unknown task type (UNKNOWN_TASK_TYPE), or idempotency key reused for a different request (IDEMPOTENCY_KEY_REUSED).'),
      429: limited('The submission'),
    },
  });
  path({
    method: 'post',
    path: '/v1/tasks/bulk',
    summary: 'Submit many tasks in one request',
    description: [
      `Up to ${MAX_SUBMIT_MANY} tasks, of any types, each as POST /v1/tasks takes it. Whatever can refuse the request is decided for all of them before anything is written,`,
      'so a 400, 402, 422 or 429 creates nothing: each body is checked (details name `tasks.<i>.<field>`), a repeated idempotency key answers with its first task,',
      'the limits admit all the new tasks or none, and every price is held or none. Then the tasks are written together, and each item answers on its own.',
    ].join(' '),
    request: { body: { required: true, content: { 'application/json': { schema: submitManyBody } } } },
    responses: {
      202: json(submitManyResultSchema, 'Every item has its task (created, or the first task of its idempotency key).'),
      207: json(submitManyResultSchema, 'Some item could not be written (its item is an Error); the others have their tasks.'),
      400: error('Invalid body or input of some item (VALIDATION_FAILED, details name each field as tasks.<i>.<field>; a key repeated inside the request is one), or malformed JSON.'),
      ...common,
      402: error('The balance does not cover the prices of the new tasks together (INSUFFICIENT_CREDITS, details {balance, price}); nothing was created.'),
      413: error('Body larger than the limit (PAYLOAD_TOO_LARGE).'),
      422: error(
        'An unknown task type, or an idempotency key reused for a different request; the message names the item (tasks.<i>). ' +
          "Or more new tasks than the tenant's burst or maxWaiting could ever admit at once (LIMIT_TOO_LOW, details {limit, burst or maxWaiting, requested}).",
      ),
      429: limited('The submission'),
    },
  });
  path({
    method: 'get',
    path: '/v1/tasks',
    summary: 'List tasks, newest first',
    request: { query: listTasksQuery },
    responses: { 200: json(taskPageSchema, 'One page of tasks.'), 400: error('Bad query (VALIDATION_FAILED).'), ...common },
  });
  path({
    method: 'get',
    path: '/v1/tasks/{id}',
    summary: 'Get a task',
    description: 'A queued task carries `queue`: its position, what blocks it and an estimated start.',
    request: { params: taskIdParams },
    responses: { 200: json(taskSchema, 'The task.'), ...taskLookup },
  });
  path({
    method: 'delete',
    path: '/v1/tasks/{id}',
    summary: 'Delete a finished task and its logs',
    request: { params: taskIdParams },
    responses: { 204: { description: 'Deleted.' }, ...taskLookup, 409: error('Still waiting or running: cancel it first (TASK_NOT_FINISHED).') },
  });
  path({
    method: 'get',
    path: '/v1/tasks/{id}/logs',
    summary: "A task's log lines, oldest first",
    request: { params: taskIdParams },
    responses: { 200: json(z.array(taskLogLineSchema), 'Log lines.'), ...taskLookup },
  });
  path({
    method: 'post',
    path: '/v1/tasks/{id}/cancel',
    summary: 'Cancel a task',
    request: { params: taskIdParams },
    responses: {
      200: json(cancelResultSchema, 'It was waiting and is cancelled.'),
      202: json(cancelResultSchema, 'It is running: its executor was asked to stop (status cancelling).'),
      ...taskLookup,
      409: error('It has already finished (TASK_FINISHED).'),
    },
  });
  path({
    method: 'post',
    path: '/v1/tasks/cancel',
    summary: 'Cancel tasks by ids, by types, or all',
    request: { body: { required: true, content: { 'application/json': { schema: bulkCancelBody } } } },
    responses: {
      200: json(bulkCancelResultSchema, 'What was cancelled and what was not found.'),
      400: error('Bad body (VALIDATION_FAILED), or malformed JSON (MALFORMED_JSON).'),
      ...common,
    },
  });
  path({
    method: 'post',
    path: '/v1/tasks/{id}/retry',
    summary: 'Retry a failed or cancelled task as a new attempt',
    request: { params: taskIdParams },
    responses: {
      202: json(taskSchema, 'The task, pending again.'),
      ...taskLookup,
      402: error('A priced task is held again for a manual retry: the balance does not cover it (INSUFFICIENT_CREDITS).'),
      409: error('Neither failed nor cancelled (TASK_NOT_RETRYABLE), or a batch item whose batch has not settled yet (BATCH_NOT_SETTLED).'),
      422: error('Its type is no longer configured (UNKNOWN_TASK_TYPE).'),
      429: limited('The retry (a new run counts as a submission)'),
    },
  });
  path({
    method: 'post',
    path: '/v1/tasks/cleanup',
    summary: 'Delete finished tasks older than a date or an age',
    description: "Users clean their tenant's tasks; operators every tenant's.",
    request: { body: { required: true, content: { 'application/json': { schema: cleanupBody } } } },
    responses: { 200: json(cleanupResultSchema, 'How many were deleted.'), 400: error('Bad body (VALIDATION_FAILED), or malformed JSON (MALFORMED_JSON).'), ...common },
  });
  path({
    method: 'get',
    path: '/v1/task-types',
    summary: 'The configured task types, their price and the JSON schema of their input',
    responses: { 200: json(z.array(taskTypeInfoSchema), 'Task types.'), ...common },
  });
  path({
    method: 'get',
    path: '/v1/events',
    summary: 'Live task events (Server-Sent Events)',
    description:
      'Each event is `id: <event id>` + `event: <name>` + `data: <LiveEvent JSON>`; a comment heartbeat every 15 s. ' +
      "The caller's tenant's tasks (operators: all); with taskId, that task only, starting with a task.snapshot event. " +
      'A client that reconnects with `Last-Event-ID` (header, or the lastEventId query parameter) gets the events it missed ' +
      'from this gateway; when they are no longer known (another replica, a restart, too long away) it gets a fresh ' +
      'task.snapshot instead (with taskId), or a stream.reset event (without), and should read the current state again. ' +
      'The same events come over a WebSocket at /v1/ws (one LiveEvent JSON per text frame, same query and auth, the session cookie ' +
      'only with an Origin of this gateway, else 403; not described here, since OpenAPI cannot describe a WebSocket: a GET ' +
      'without the upgrade answers 426 UPGRADE_REQUIRED). Either closes within 5 s of its API key being revoked or its session ending.',
    request: { query: liveQuery, headers: liveHeaders },
    responses: {
      200: { description: 'The stream: one SSE event per LiveEvent.', content: { 'text/event-stream': { schema: sseEventSchema } } },
      ...taskLookup,
    },
  });
  registerBillingPaths(path);
  registerTaskCenterPaths(registry, path);
  registerApiKeyPaths(path);
  registry.registerPath({
    method: 'post',
    path: '/v1/webhooks/{provider}',
    summary: "A provider's callback (signed by the provider, not by an API key)",
    description:
      'Verified by the provider adapter (Standard Webhooks signature, or the task-bound loom_token of the callback URL), ' +
      'handed on to status-sync, and answered once per delivery id.',
    request: {
      params: z.object({ provider: z.string().openapi({ param: { description: 'replicate, runninghub or grsai' } }) }),
      body: { required: true, content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } },
    },
    responses: {
      202: json(webhookAcceptedSchema, 'Accepted and handed on.'),
      200: json(webhookAcceptedSchema, 'This delivery was accepted before (duplicate: true); nothing is handed on again.'),
      400: error('A body the provider adapter cannot read (WEBHOOK_MALFORMED).'),
      401: error('A missing or wrong signature or token (WEBHOOK_REJECTED).'),
      404: error('No provider by this name (UNKNOWN_PROVIDER).'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/openapi.json',
    summary: 'This document',
    responses: { 200: { description: 'OpenAPI 3 document.' } },
  });
  registry.registerPath({
    method: 'get',
    path: '/healthz',
    summary: 'Liveness',
    responses: { 200: { description: 'The process is alive.' } },
  });
  registry.registerPath({
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: MongoDB and RabbitMQ connected',
    responses: { 200: { description: 'Ready.' }, 503: { description: 'Not ready.' } },
  });

  const doc = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Loom task API',
      version: '1.0.0',
      description: 'Submit long-running AI tasks, follow them live, cancel, retry and clean them up. Errors are `{error: {code, message, details?}}`.',
    },
    servers: [{ url: '/' }],
  });
  if (opts.taskTypes) documentPerType(doc, opts.taskTypes);
  boundIntegers(doc);
  return doc;
}

/**
 * zod's int() accepts only safe integers (|n| <= 2^53 - 1); the generator does not say so, and
 * a client that sends 1e20 where the document allows any integer would be refused unexpectedly.
 * Every integer without its own bound gets that one.
 */
function boundIntegers(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(boundIntegers);
  if (!node || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  const type = o.type;
  if (type === 'integer' || (Array.isArray(type) && type.includes('integer'))) {
    if (o.minimum === undefined && o.exclusiveMinimum === undefined) o.minimum = Number.MIN_SAFE_INTEGER;
    if (o.maximum === undefined && o.exclusiveMaximum === undefined) o.maximum = Number.MAX_SAFE_INTEGER;
  }
  for (const v of Object.values(o)) boundIntegers(v);
}

type SchemaObject = Record<string, unknown> & { properties?: Record<string, unknown>; required?: string[] };

/**
 * SubmitTask and SubmitBatch become one variant per task type, selected by `type`: the type's
 * name as a constant, its handler's input schema (the JSON Schema of GET /v1/task-types, which
 * the gateway checks against), `input` required when that schema needs fields, and timeoutMs
 * bounded by the type's maxTimeoutMs. A request valid by the document is one the gateway accepts.
 */
function documentPerType(doc: OpenApiDocument, types: TaskTypeInfo[]): void {
  const schemas = (doc.components!.schemas ??= {}) as Record<string, SchemaObject>;
  const variants = (base: SchemaObject, name: string, inputField: 'input' | 'items') => {
    const mapping: Record<string, string> = {};
    for (const t of types) {
      const inputName = `Input.${t.type}`;
      schemas[inputName] = { ...hoistDefs(t.inputSchema, inputName, schemas), description: `The input of a ${t.type} task.` };
      const ref = { $ref: `#/components/schemas/${inputName}` };
      const props = { ...base.properties };
      props.type = { type: 'string', const: t.type, description: t.description };
      props.timeoutMs = { ...(props.timeoutMs as object), maximum: t.maxTimeoutMs };
      const required = new Set(base.required ?? []);
      if (inputField === 'input') {
        props.input = ref;
        if (needsFields(t.inputSchema)) required.add('input');
        else required.delete('input');
      } else {
        props.items = { ...(props.items as object), items: ref };
      }
      const variant = `${name}.${t.type}`;
      schemas[variant] = { ...base, properties: props, required: [...required] };
      mapping[t.type] = `#/components/schemas/${variant}`;
    }
    schemas[name] = {
      description: base.description,
      oneOf: Object.values(mapping).map(($ref) => ({ $ref })),
      discriminator: { propertyName: 'type', mapping },
    };
  };
  variants(schemas.SubmitTask!, 'SubmitTask', 'input');
  if (schemas.SubmitBatch) variants(schemas.SubmitBatch, 'SubmitBatch', 'items');
}

/**
 * A JSON Schema's own `$defs` (recursive inputs) become components named `<name>.<def>`, and its
 * `#/$defs/...` references point there: inside the document, `#` is the document's root.
 */
function hoistDefs(schema: Record<string, unknown>, name: string, schemas: Record<string, SchemaObject>): SchemaObject {
  const { $schema: _dialect, $defs, ...rest } = schema as { $schema?: unknown; $defs?: Record<string, unknown> };
  const rewrite = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rewrite);
    if (!v || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, k === '$ref' && typeof x === 'string' && x.startsWith('#/$defs/') ? `#/components/schemas/${name}.${x.slice(8)}` : rewrite(x)]),
    );
  };
  for (const [def, body] of Object.entries($defs ?? {})) schemas[`${name}.${def}`] = rewrite(body) as SchemaObject;
  return rewrite(rest) as SchemaObject;
}

/** Whether an input schema refuses `{}` (then the submission must carry `input`). */
function needsFields(schema: Record<string, unknown>): boolean {
  return Array.isArray(schema.required) && schema.required.length > 0;
}

const insufficient = error('The balance does not cover the price (INSUFFICIENT_CREDITS, details {balance, price}); nothing was created.');
const operatorOnly = { ...common, 403: error('Not an operator key (FORBIDDEN).') };
const badTenantId = error('A malformed tenant id (VALIDATION_FAILED).');

/** Credits, the ledger, tenants and batches. */
function registerBillingPaths(path: (route: RouteConfig) => void): void {
  path({
    method: 'post',
    path: '/v1/batches',
    summary: 'Submit a batch of tasks of one type',
    description:
      'Every item is checked like a task input (a failing field is named items.<i>.<field>). The sum of the prices is held up front; ' +
      'when every item is terminal the batch is settled in one step: successes captured, the rest released (task.settled + batch.settled events).',
    request: { body: { required: true, content: { 'application/json': { schema: submitBatchBody } } } },
    responses: {
      202: json(batchCreatedSchema, 'Accepted: the batch and its pending tasks.'),
      200: json(batchCreatedSchema, 'The idempotency key was used before: the batch it created.'),
      400: error('Invalid body or item (VALIDATION_FAILED).'),
      ...common,
      402: insufficient,
      422: error(
        'Unknown task type (UNKNOWN_TASK_TYPE), idempotency key reused for a different request (IDEMPOTENCY_KEY_REUSED), ' +
          "or more items than the tenant's burst or maxWaiting could ever admit at once (LIMIT_TOO_LOW).",
      ),
      429: limited('The batch (each item counts as a submission)'),
    },
  });
  path({
    method: 'get',
    path: '/v1/batches/{id}',
    summary: 'A batch: its items per status and its settlement',
    request: { params: batchIdParams },
    responses: {
      200: json(batchSchema, 'The batch.'),
      400: error('A malformed batch id (VALIDATION_FAILED).'),
      ...common,
      404: error('No such batch for this caller (BATCH_NOT_FOUND).'),
    },
  });
  path({
    method: 'get',
    path: '/v1/account',
    summary: "The caller's credits: balance and held",
    description: 'A tenant without an account has 0 and 0 (it can run only types without a price).',
    responses: { 200: json(accountSchema, 'The account.'), ...common },
  });
  path({
    method: 'get',
    path: '/v1/account/limits',
    summary: "The caller's submission limits",
    description: 'Submissions per second (with a burst) and unfinished tasks at most; over either, a submission is answered 429 with Retry-After.',
    responses: { 200: json(tenantLimitsSchema, 'The limits in effect.'), ...common },
  });
  path({
    method: 'get',
    path: '/v1/account/ledger',
    summary: "The caller's ledger, newest first",
    request: { query: ledgerQuery },
    responses: { 200: json(ledgerPageSchema, 'One page of ledger entries.'), 400: error('Bad query (VALIDATION_FAILED).'), ...common },
  });
  path({
    method: 'post',
    path: '/v1/admin/tenants',
    summary: 'Create a tenant (operators)',
    description: 'Opens an account with balance 0 and issues its first user API key, shown once.',
    request: { body: { required: true, content: { 'application/json': { schema: createTenantBody } } } },
    responses: { 201: json(createdTenantSchema, 'The tenant and its API key.'), 400: error('Bad body (VALIDATION_FAILED).'), ...operatorOnly },
  });
  path({
    method: 'get',
    path: '/v1/admin/tenants/{tenantId}',
    summary: "A tenant's credits (operators)",
    request: { params: tenantIdParams },
    responses: { 200: json(accountSchema, 'The account.'), 400: badTenantId, ...operatorOnly, 404: error('No account for this tenant (TENANT_NOT_FOUND).') },
  });
  path({
    method: 'post',
    path: '/v1/admin/tenants/{tenantId}/credits',
    summary: "Grant or deduct a tenant's credits (operators)",
    description: 'One ledger entry (grant or deduct). Opens the account on first use. With idempotencyKey, a repeated request changes nothing.',
    request: { params: tenantIdParams, body: { required: true, content: { 'application/json': { schema: creditsBody } } } },
    responses: {
      200: json(accountSchema, 'The account after the change.'),
      400: error('Bad body (VALIDATION_FAILED).'),
      ...operatorOnly,
      409: error('A deduction larger than the balance (BALANCE_TOO_LOW, details {balance, amount}).'),
    },
  });
  path({
    method: 'get',
    path: '/v1/admin/tenants/{tenantId}/limits',
    summary: "A tenant's submission limits (operators)",
    request: { params: tenantIdParams },
    responses: { 200: json(tenantLimitsSchema, 'The limits in effect and the tenant’s own overrides.'), 400: badTenantId, ...operatorOnly },
  });
  path({
    method: 'put',
    path: '/v1/admin/tenants/{tenantId}/limits',
    summary: "Set a tenant's submission limits (operators)",
    description: 'Sets the given overrides (null: back to the default); fields left out stay. Every gateway replica applies them within seconds.',
    request: { params: tenantIdParams, body: { required: true, content: { 'application/json': { schema: tenantLimitsBody } } } },
    responses: { 200: json(tenantLimitsSchema, 'The limits now in effect.'), 400: error('A malformed tenant id or a bad body (VALIDATION_FAILED).'), ...operatorOnly },
  });
  path({
    method: 'get',
    path: '/v1/admin/tenants/{tenantId}/ledger',
    summary: "Any tenant's ledger, newest first (operators)",
    request: { params: tenantIdParams, query: ledgerQuery },
    responses: {
      200: json(ledgerPageSchema, 'One page of ledger entries.'),
      400: error('A malformed tenant id or a bad query (VALIDATION_FAILED).'),
      ...operatorOnly,
      404: error('No account for this tenant (TENANT_NOT_FOUND).'),
    },
  });
}
