// The OpenAPI 3 document of the API (GET /v1/openapi.json), generated from the same zod
// schemas the routes validate with. Every path the routers answer is registered here.
import { OpenAPIRegistry, OpenApiGeneratorV3, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
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
  liveQuery,
  submitTaskBody,
  taskIdParams,
  taskLogLineSchema,
  taskPageSchema,
  taskSchema,
  taskTypeInfoSchema,
} from './schemas';

type OpenApiDocument = ReturnType<OpenApiGeneratorV3['generateDocument']>;

const json = (schema: z.ZodType, description: string): ResponseConfig => ({
  description,
  content: { 'application/json': { schema } },
});
const error = (description: string): ResponseConfig => json(errorSchema, description);

const common = {
  401: error('Missing or unknown API key (UNAUTHENTICATED).'),
};
const taskLookup = {
  ...common,
  404: error("No such task for this caller (TASK_NOT_FOUND); another tenant's task is not found, never 403."),
};

export function buildOpenApiDocument(): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key: `Authorization: Bearer <key>`. Role user sees its tenant; role operator sees all tenants.',
  });
  const security = [{ [bearer.name]: [] }];
  const path = (route: RouteConfig) => registry.registerPath({ security, ...route });

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
      413: error('Body larger than the limit (PAYLOAD_TOO_LARGE).'),
      422: error('Unknown task type (UNKNOWN_TASK_TYPE), or idempotency key reused for a different request (IDEMPOTENCY_KEY_REUSED).'),
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
    responses: { 200: json(bulkCancelResultSchema, 'What was cancelled and what was not found.'), 400: error('Bad body.'), ...common },
  });
  path({
    method: 'post',
    path: '/v1/tasks/{id}/retry',
    summary: 'Retry a failed or cancelled task as a new attempt',
    request: { params: taskIdParams },
    responses: {
      202: json(taskSchema, 'The task, pending again.'),
      ...taskLookup,
      409: error('Neither failed nor cancelled (TASK_NOT_RETRYABLE).'),
      422: error('Its type is no longer configured (UNKNOWN_TASK_TYPE).'),
    },
  });
  path({
    method: 'post',
    path: '/v1/tasks/cleanup',
    summary: 'Delete finished tasks older than a date or an age',
    description: "Users clean their tenant's tasks; operators every tenant's.",
    request: { body: { required: true, content: { 'application/json': { schema: cleanupBody } } } },
    responses: { 200: json(cleanupResultSchema, 'How many were deleted.'), 400: error('Bad body.'), ...common },
  });
  path({
    method: 'get',
    path: '/v1/task-types',
    summary: 'The configured task types and the JSON schema of their input',
    responses: { 200: json(z.array(taskTypeInfoSchema), 'Task types.'), ...common },
  });
  path({
    method: 'get',
    path: '/v1/events',
    summary: 'Live task events (Server-Sent Events)',
    description:
      'Each event is `event: <name>` + `data: <LiveEvent JSON>`; a comment heartbeat every 15 s. ' +
      "The caller's tenant's tasks (operators: all); with taskId, that task only, starting with a task.snapshot event.",
    request: { query: liveQuery },
    responses: {
      200: { description: 'The stream.', content: { 'text/event-stream': { schema: liveEventSchema } } },
      ...taskLookup,
    },
  });
  path({
    method: 'get',
    path: '/v1/ws',
    summary: 'Live task events (WebSocket)',
    description: 'Upgrade to a WebSocket; each text frame is one LiveEvent JSON. Same filters and auth as /v1/events.',
    request: { query: liveQuery },
    responses: { 101: { description: 'Switching protocols.' }, ...taskLookup },
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

  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: {
      title: 'Loom task API',
      version: '1.0.0',
      description: 'Submit long-running AI tasks, follow them live, cancel, retry and clean them up. Errors are `{error: {code, message, details?}}`.',
    },
    servers: [{ url: '/' }],
  });
}
