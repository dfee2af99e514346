// The OpenAPI paths the task center added: sign-in sessions, bulk retry, queue statistics and
// the page itself. Registered by openapi.ts next to the others, from the same zod schemas.
import type { OpenAPIRegistry, ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { accountSchema } from './billing.schemas';
import { queueStatsSchema } from './queues.schemas';
import { bulkRetryBody, bulkRetryResultSchema, errorSchema } from './schemas';
import { sessionSchema, signInBody } from './session.schemas';
import { CSRF_HEADER, SESSION_COOKIE } from './session-auth';

const json = (schema: z.ZodType, description: string): ResponseConfig => ({ description, content: { 'application/json': { schema } } });
const error = (description: string): ResponseConfig => json(errorSchema, description);
const unauthenticated = { 401: error('Missing or unknown API key, or no live session (UNAUTHENTICATED).') };
const csrf = error(`A cookie-authenticated write without the ${CSRF_HEADER} header, or from another origin (CSRF_REJECTED).`);

/** The cookie security scheme: every /v1 route also takes the task center's session cookie. */
export function registerSessionCookie(registry: OpenAPIRegistry): string {
  return registry.registerComponent('securitySchemes', 'sessionCookie', {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description: `The task center's session (POST /v1/session). Writes with it need the ${CSRF_HEADER} header and a same-origin request.`,
  }).name;
}

export function registerTaskCenterPaths(registry: OpenAPIRegistry, path: (route: RouteConfig) => void): void {
  registry.registerPath({
    method: 'post',
    path: '/v1/session',
    summary: 'Sign in to the task center with an API key',
    description: `Sets an HttpOnly, SameSite=Strict session cookie (${SESSION_COOKIE}, path /v1, 12 h); the key itself is not kept by the browser. Needs the ${CSRF_HEADER} header.`,
    request: { body: { required: true, content: { 'application/json': { schema: signInBody } } } },
    responses: {
      201: { ...json(sessionSchema, 'Signed in; the cookie is set.'), headers: { 'Set-Cookie': { description: `${SESSION_COOKIE}=<token>; Path=/v1; HttpOnly; SameSite=Strict`, schema: { type: 'string' } } } },
      400: error('Bad body (VALIDATION_FAILED), or malformed JSON (MALFORMED_JSON).'),
      401: error('Unknown API key (UNAUTHENTICATED).'),
      403: error(`Without the ${CSRF_HEADER} header, or from another origin (CSRF_REJECTED).`),
      413: error('Body larger than 4 kB (PAYLOAD_TOO_LARGE).'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/session',
    summary: 'The session the cookie stands for',
    security: [{ sessionCookie: [] }],
    responses: { 200: json(sessionSchema, 'The live session.'), 401: error('No cookie, or the session has ended or expired (UNAUTHENTICATED).') },
  });
  registry.registerPath({
    method: 'delete',
    path: '/v1/session',
    summary: 'Sign out: end the session on the server and clear the cookie',
    // The cookie is optional: without a session it still answers 204, never 401.
    security: [{}, { sessionCookie: [] }],
    responses: { 204: { description: 'Signed out (also when there was no session).' }, 403: error(`Without the ${CSRF_HEADER} header, or from another origin (CSRF_REJECTED).`) },
  });
  path({
    method: 'post',
    path: '/v1/tasks/retry',
    summary: 'Retry failed and cancelled tasks by ids or by filter',
    description: 'Each task as POST /v1/tasks/{id}/retry would (a priced task is held again). dryRun answers `matched` and changes nothing.',
    request: { body: { required: true, content: { 'application/json': { schema: bulkRetryBody } } } },
    responses: {
      200: json(bulkRetryResultSchema, 'What was retried and what could not be, with why.'),
      400: error('Bad body (VALIDATION_FAILED), or malformed JSON (MALFORMED_JSON).'),
      ...unauthenticated,
      403: csrf,
      413: error('Body larger than the limit (PAYLOAD_TOO_LARGE).'),
      422: error('The filter matches more than 10,000 tasks (BULK_TOO_LARGE, details {matched, limit}).'),
    },
  });
  path({
    method: 'get',
    path: '/v1/queues',
    summary: 'Per task type: running now, waiting, and the last hour',
    description:
      "Counts are platform-wide (a type runs one task at a time across tenants); a running task's id is shown to its own tenant and to operators only. " +
      'The hour: finished per minute, failure rate and duration percentiles of successes.',
    responses: { 200: json(queueStatsSchema, 'Queue statistics.'), ...unauthenticated },
  });
  path({
    method: 'get',
    path: '/v1/admin/tenants',
    summary: 'Every tenant with an account (operators)',
    responses: { 200: json(z.array(accountSchema), 'The tenants, by id.'), ...unauthenticated, 403: error('Not an operator key (FORBIDDEN).') },
  });
  registry.registerPath({
    method: 'get',
    path: '/',
    summary: 'The task center page (HTML)',
    responses: { 200: { description: 'The page.', content: { 'text/html': { schema: { type: 'string' } } } }, 503: { description: 'The page is not built.', content: { 'text/plain': { schema: { type: 'string' } } } } },
  });
  registry.registerPath({
    method: 'get',
    path: '/app/{file}',
    summary: "The task center's script and styles",
    request: { params: z.object({ file: z.string().openapi({ example: 'main.js' }) }) },
    responses: { 200: { description: 'main.js or main.css.', content: { 'text/javascript': { schema: { type: 'string' } }, 'text/css': { schema: { type: 'string' } } } }, 404: error('No such file (ROUTE_NOT_FOUND).') },
  });
}
