// A webhook the adapter refused: still a ProviderError (class 'auth', or 'bad_input' for a
// body that verified but cannot be parsed), with a stable `reason` so the receiving route can
// answer a malformed body (400) differently from a forgery (401) without parsing messages.
import { ProviderError } from './provider-error';

export type WebhookRejection =
  /** No secret configured, so nothing can be verified (the message names the variable). */
  | 'no_secret'
  /** Neither signature headers nor a URL token. */
  | 'unsigned'
  /** Signature headers present but unusable (bad timestamp, no v1 entry). */
  | 'malformed_headers'
  /** Timestamp outside the tolerance window. */
  | 'stale'
  /** No signature entry (or URL token) matches. */
  | 'forged'
  /** Authentic, but the body is not what this provider sends. */
  | 'malformed_body';

export class WebhookVerificationError extends ProviderError {
  constructor(
    provider: string,
    readonly reason: WebhookRejection,
    message: string,
  ) {
    super(provider, reason === 'malformed_body' ? 'bad_input' : 'auth', message, reason === 'malformed_body' ? 400 : 401);
  }
}
