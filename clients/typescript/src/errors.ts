// The one error the client throws for an answer that is not a success: the API's stable `code`
// (VALIDATION_FAILED, TASK_NOT_FOUND, ...), the HTTP status and the `details` the API gave
// (the failing fields, {balance, price}, ...). Branch on `code`; `isLoomApiError` recognises it
// without instanceof (two copies of the package can coexist, e.g. under jest).
export class LoomApiError extends Error {
  readonly isLoomApiError = true;
  constructor(
    /** The API's error code, or HTTP_<status> when the answer had no error body, NETWORK when there was no answer. */
    readonly code: string,
    /** The HTTP status; 0 when no answer came. */
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'LoomApiError';
  }

  /** From an error answer: its `{error: {code, message, details}}` body when it has one. */
  static fromResponse(status: number, body: unknown, what: string): LoomApiError {
    const e = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
    if (e && typeof e.code === 'string') return new LoomApiError(e.code, status, `${what}: ${String(e.message ?? e.code)}`, e.details);
    return new LoomApiError(`HTTP_${status}`, status, `${what}: HTTP ${status}`);
  }
}

export function isLoomApiError(err: unknown): err is LoomApiError {
  return (err as { isLoomApiError?: unknown } | null)?.isLoomApiError === true;
}
