// The gateway's error vocabulary: one class per intent, each with a stable `code` that clients
// branch on and the HTTP status it answers with; and the middleware that turns any thrown
// error into the one error shape `{error: {code, message, details?}}`.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { z } from 'zod';
import type { Logger } from '@loom/telemetry';

export interface FieldIssue {
  /** Dotted path of the failing field as the client sent it (`input.ms`, `ids.2`), `(root)` for the whole body. */
  path: string;
  message: string;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export abstract class ApiError extends Error {
  /** Marks the errors this file defines, so they are recognised without instanceof. */
  readonly isApiError = true;
  abstract readonly code: string;
  abstract readonly status: number;
  constructor(
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 400: the request does not match its schema; `details` lists each failing field. */
export class ValidationError extends ApiError {
  readonly code = 'VALIDATION_FAILED';
  readonly status = 400;
  constructor(readonly issues: FieldIssue[]) {
    super(`invalid request: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }

  static fromZod(error: z.ZodError, prefix = ''): ValidationError {
    return new ValidationError(zodIssues(error, prefix));
  }

  static field(path: string, message: string): ValidationError {
    return new ValidationError([{ path, message }]);
  }
}

/** 400: the body is not parseable JSON. */
export class MalformedJsonError extends ApiError {
  readonly code = 'MALFORMED_JSON';
  readonly status = 400;
}

/** 413: the body is larger than GATEWAY_BODY_LIMIT. */
export class PayloadTooLargeError extends ApiError {
  readonly code = 'PAYLOAD_TOO_LARGE';
  readonly status = 413;
}

/** 401: no API key, or one we do not know. */
export class UnauthenticatedError extends ApiError {
  readonly code = 'UNAUTHENTICATED';
  readonly status = 401;
}

/** 404: no such task for this caller. Another tenant's task is also "not found", never 403. */
export class TaskNotFoundError extends ApiError {
  readonly code = 'TASK_NOT_FOUND';
  readonly status = 404;
  constructor(readonly taskId: string) {
    super(`task ${taskId} not found`);
  }
}

/** 404: no route answers this method and path. */
export class RouteNotFoundError extends ApiError {
  readonly code = 'ROUTE_NOT_FOUND';
  readonly status = 404;
}

/** 405: the path exists, the method does not; the answer's `Allow` header lists the methods it has. */
export class MethodNotAllowedError extends ApiError {
  readonly code = 'METHOD_NOT_ALLOWED';
  readonly status = 405;
}

/** 426: a WebSocket endpoint asked without `Upgrade: websocket`. */
export class UpgradeRequiredError extends ApiError {
  readonly code = 'UPGRADE_REQUIRED';
  readonly status = 426;
}

/** 409: cancelling a task that already finished. */
export class TaskFinishedError extends ApiError {
  readonly code = 'TASK_FINISHED';
  readonly status = 409;
}

/** 409: retrying a task that is neither failed nor cancelled. */
export class TaskNotRetryableError extends ApiError {
  readonly code = 'TASK_NOT_RETRYABLE';
  readonly status = 409;
}

/** 409: deleting a task that is still waiting or running. */
export class TaskNotFinishedError extends ApiError {
  readonly code = 'TASK_NOT_FINISHED';
  readonly status = 409;
}

/** 422: the task type is not configured. */
export class UnknownTaskTypeError extends ApiError {
  readonly code = 'UNKNOWN_TASK_TYPE';
  readonly status = 422;
}

/** 422: an idempotency key used again with a different type or input (IETF idempotency-key draft). */
export class IdempotencyKeyReusedError extends ApiError {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  readonly status = 422;
}

/** 402: the tenant's balance does not cover the price; nothing was created. `details` = {balance, price}. */
export class InsufficientCreditsError extends ApiError {
  readonly code = 'INSUFFICIENT_CREDITS';
  readonly status = 402;
  constructor(balance: number, price: number) {
    super(`insufficient credits: the price is ${price}, the balance ${balance}`, { balance, price });
  }
}

/** 403: the endpoint is for operators (operator API key). */
export class ForbiddenError extends ApiError {
  readonly code = 'FORBIDDEN';
  readonly status = 403;
}

/** 404: no such batch for this caller (another tenant's is not found either). */
export class BatchNotFoundError extends ApiError {
  readonly code = 'BATCH_NOT_FOUND';
  readonly status = 404;
  constructor(readonly batchId: string) {
    super(`batch ${batchId} not found`);
  }
}

/** 404: no account for this tenant id. */
export class TenantNotFoundError extends ApiError {
  readonly code = 'TENANT_NOT_FOUND';
  readonly status = 404;
  constructor(readonly tenantId: string) {
    super(`tenant ${tenantId} has no account`);
  }
}

/** 404: no API key with this id. */
export class ApiKeyNotFoundError extends ApiError {
  readonly code = 'API_KEY_NOT_FOUND';
  readonly status = 404;
  constructor(readonly keyId: string) {
    super(`API key ${keyId} not found`);
  }
}

/** 409: a batch item can be retried by hand only after its batch has settled. */
export class BatchNotSettledError extends ApiError {
  readonly code = 'BATCH_NOT_SETTLED';
  readonly status = 409;
}

/** 409: a deduction larger than the balance. `details` = {balance, amount}. */
export class BalanceTooLowError extends ApiError {
  readonly code = 'BALANCE_TOO_LOW';
  readonly status = 409;
  constructor(balance: number, amount: number) {
    super(`cannot deduct ${-amount} credits from a balance of ${balance}`, { balance, amount });
  }
}

/** 422: a bulk action by filter that matches more tasks than one request may act on. `details` = {matched, limit}. */
export class BulkTooLargeError extends ApiError {
  readonly code = 'BULK_TOO_LARGE';
  readonly status = 422;
}

/**
 * 429: the tenant submitted faster than its submissions-per-second limit allows; nothing was
 * created. The answer carries `Retry-After` (whole seconds). `details` = {limit, submitsPerSecond,
 * burst, retryAfterSeconds}.
 */
export class SubmitRateLimitedError extends ApiError {
  readonly code = 'SUBMIT_RATE_LIMITED';
  readonly status = 429;
  constructor(tenantId: string, submitsPerSecond: number, burst: number, readonly retryAfterSeconds: number) {
    super(
      `tenant ${tenantId} may submit ${submitsPerSecond} tasks per second (burst ${burst}); nothing was created: retry after ${retryAfterSeconds} s, or ask an operator to raise submitsPerSecond`,
      { limit: 'submitsPerSecond', submitsPerSecond, burst, retryAfterSeconds },
    );
  }
}

/**
 * 429: the tenant already has as many unfinished tasks (pending, queued, delayed, running) as
 * its limit allows; nothing was created. `Retry-After` says when to ask again. `details` =
 * {limit, maxWaiting, waiting, retryAfterSeconds}.
 */
export class TooManyWaitingTasksError extends ApiError {
  readonly code = 'TOO_MANY_WAITING_TASKS';
  readonly status = 429;
  constructor(tenantId: string, maxWaiting: number, waiting: number, readonly retryAfterSeconds: number) {
    super(
      `tenant ${tenantId} already has its limit of ${maxWaiting} tasks waiting or running (maxWaiting ${maxWaiting}); nothing was created: retry after ${retryAfterSeconds} s once some have finished, cancel some, or ask an operator to raise maxWaiting`,
      { limit: 'maxWaiting', maxWaiting, waiting, retryAfterSeconds },
    );
  }
}

/** 422: one request asks for more tasks than the tenant's limits could ever admit at once (a batch above the burst or maxWaiting). */
export class LimitTooLowError extends ApiError {
  readonly code = 'LIMIT_TOO_LOW';
  readonly status = 422;
}

/** 403: a cookie-authenticated write without the task center's CSRF header, or from another origin. */
export class CsrfRejectedError extends ApiError {
  readonly code = 'CSRF_REJECTED';
  readonly status = 403;
}

/** 500: anything unexpected; the message never leaks internals. */
export class InternalError extends ApiError {
  readonly code = 'INTERNAL';
  readonly status = 500;
}

/** Flattens zod issues into field paths; an unknown key is reported at its own path. */
export function zodIssues(error: z.ZodError, prefix = ''): FieldIssue[] {
  const out: FieldIssue[] = [];
  const join = (path: PropertyKey[]) => [prefix, ...path.map(String)].filter(Boolean).join('.') || '(root)';
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: join([...issue.path, key]), message: 'unknown field' });
    } else {
      out.push({ path: join(issue.path), message: issue.message });
    }
  }
  return out;
}

/**
 * Maps anything thrown to a status and the error body. Recognises errors by shape, not
 * instanceof (two copies of a module can coexist under jest), including body-parser's own
 * errors (`type` entity.too.large / entity.parse.failed).
 */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody } {
  const e = err as { isApiError?: unknown; code?: unknown; status?: unknown; type?: unknown; message?: unknown; details?: unknown } | null;
  if (e?.isApiError === true && typeof e.code === 'string' && typeof e.status === 'number') {
    const body: ErrorBody = { error: { code: e.code, message: String(e.message) } };
    if (e.details !== undefined) body.error.details = e.details;
    return { status: e.status, body };
  }
  if (e?.type === 'entity.too.large') return toErrorResponse(new PayloadTooLargeError('request body is too large'));
  if (e?.type === 'entity.parse.failed') return toErrorResponse(new MalformedJsonError('request body is not valid JSON'));
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    return toErrorResponse(ValidationError.field('(body)', String(e.message)));
  }
  return toErrorResponse(new InternalError('internal error'));
}

export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const { status, body } = toErrorResponse(err);
    if (status >= 500) logger.error({ err, method: req.method, path: req.path }, 'request failed');
    // A limit's refusal says when to come back (RFC 9110 Retry-After, whole seconds).
    const retryAfter = (err as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
    if (status === 429 && typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
    res.status(status).json(body);
  };
}

export const notFoundMiddleware: RequestHandler = (req, _res, next) => {
  next(new RouteNotFoundError(`no route for ${req.method} ${req.path}`));
};
