// The error every adapter throws for a failed provider call, classified so callers decide
// retry by `class` (and `retryAfterMs` for 429s), never by parsing messages.
import type { ProviderErrorClass } from './provider';

export class ProviderError extends Error {
  constructor(
    readonly provider: string,
    readonly errorClass: ProviderErrorClass,
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
    /**
     * True when the request may have reached the provider and been acted on although no answer
     * said so (a timeout or a connection broken after sending, a gateway's 502/504, a 2xx that is
     * not the API's): for a submit, a paid job may exist. False when the provider certainly did
     * nothing (the connection was refused, or it answered with a refusal).
     */
    readonly maybeAccepted = false,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
  get retryable(): boolean {
    return this.errorClass === 'rate_limited' || this.errorClass === 'transient';
  }
}

export function isProviderError(err: unknown): err is ProviderError {
  return typeof err === 'object' && err !== null && (err as Error).name === 'ProviderError' && 'errorClass' in err;
}

/** HTTP status -> class: 401/403 auth, 429 rate limited, other 4xx bad input, 5xx transient. */
export function classifyHttpStatus(status: number): ProviderErrorClass {
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'rate_limited';
  if (status === 408 || status >= 500) return 'transient';
  if (status >= 400) return 'bad_input';
  return 'permanent';
}
