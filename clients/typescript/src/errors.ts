// The one error the client throws for an answer that is not a success: the API's stable `code`
// (VALIDATION_FAILED, TASK_NOT_FOUND, ...), the HTTP status and the `details` the API gave
// (the failing fields, {balance, price}, ...). Branch on `code`; `isLoomApiError` recognises it
// without instanceof (two copies of the package can coexist, e.g. under jest).
import type { SubmitManyOutcome } from './client';

export class LoomApiError extends Error {
  readonly isLoomApiError = true;
  /**
   * Only from tasks.submitMany of more than one request's worth (500): the outcomes of the
   * requests before the one that failed, in order. Items 0 to submittedBefore.length - 1 have
   * their answers (their tasks exist); none from there on was created, except that a NETWORK
   * failure leaves the fate of the request it cut unknown.
   */
  readonly submittedBefore?: SubmitManyOutcome[];
  constructor(
    /** The API's error code, or HTTP_<status> when the answer had no error body, NETWORK when there was no answer. */
    readonly code: string,
    /** The HTTP status; 0 when no answer came. */
    readonly status: number,
    message: string,
    readonly details?: unknown,
    /**
     * How long to wait before sending it again, from the answer's `Retry-After` (a 429 of the
     * tenant's limits: SUBMIT_RATE_LIMITED, TOO_MANY_WAITING_TASKS); undefined when it gave none.
     */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'LoomApiError';
  }

  /** From an error answer: its `{error: {code, message, details}}` body when it has one, and its Retry-After. */
  static fromResponse(status: number, body: unknown, what: string, headers?: Headers): LoomApiError {
    const retryAfterMs = retryAfterOf(headers?.get('retry-after'));
    const e = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
    if (e && typeof e.code === 'string') return new LoomApiError(e.code, status, `${what}: ${String(e.message ?? e.code)}`, e.details, retryAfterMs);
    return new LoomApiError(`HTTP_${status}`, status, `${what}: HTTP ${status}`, undefined, retryAfterMs);
  }
}

export function isLoomApiError(err: unknown): err is LoomApiError {
  return (err as { isLoomApiError?: unknown } | null)?.isLoomApiError === true;
}

/** Retry-After (RFC 9110): delay-seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function retryAfterOf(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
