// The one interface every AI provider adapter implements. The platform (executor, gateway,
// status-sync) sees only this; only adapters know a provider's HTTP shapes.

/** Where a provider job stands, mapped onto the platform's terms. */
export type ProviderState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** Error classes drive retry: rate_limited and transient back off and retry; the rest fail at once. */
export type ProviderErrorClass = 'auth' | 'rate_limited' | 'bad_input' | 'transient' | 'permanent';

export interface ProviderOutput {
  /** Where to fetch the file (http/https); fetched by status-sync under the SSRF rules. */
  url: string;
  /** As the provider says, when it says (e.g. RunningHub fileType "mp4" -> "video/mp4"). */
  contentType?: string;
}

export interface ProviderStatus {
  externalId: string;
  state: ProviderState;
  /** 0-100 when the provider reports it. */
  progress?: number;
  message?: string;
  outputs?: ProviderOutput[];
  error?: { class: ProviderErrorClass; message: string };
}

export interface SubmitRequest {
  taskId: string;
  /** The task's input, already validated against the type's input schema. */
  input: Record<string, unknown>;
  /** Per-type provider settings from config/task-types.json (model, version, workflowId, ...). */
  settings: Record<string, unknown>;
  /** Absolute URL the provider should call back, or undefined for polling mode. */
  webhookUrl?: string;
  /**
   * Until when a callback URL issued for this task is accepted (adapters that bind the URL to
   * the task: RunningHub, Grsai). Default: 24 h after submit.
   */
  callbackExpiresAt?: Date;
  signal?: AbortSignal;
}

/**
 * What the receiving route knows besides headers and body. Optional, added for providers whose
 * real webhooks are unsigned (RunningHub, Grsai): they are authenticated by the `loom_token`
 * the adapter put in the callback URL at submit, so the route passes the URL it was called on.
 */
export interface WebhookContext {
  /** The request URL as received: path and query (e.g. `req.originalUrl`), or absolute. */
  url?: string;
}

/** A verified webhook, parsed: the job it is about and its status when the provider knows it. */
export interface ProviderWebhookEvent {
  /** Unique id of the delivery, for replay protection (Replicate's webhook-id); may be derived. */
  deliveryId: string;
  externalId: string;
  /**
   * Present only when the provider itself signed the body (Replicate): then it is the
   * provider's word. Providers that do not sign (RunningHub, Grsai) leave it out: their
   * callback is a hint, and status-sync asks getStatus before anything changes.
   */
  status?: ProviderStatus;
  /** The task the callback URL was issued for (URL-bound callbacks): the event may speak of that task's job only. */
  taskId?: string;
}

/** What a submit that may or may not have made a job was about (see Provider.findJob). */
export interface FindJobRequest extends Omit<SubmitRequest, 'signal' | 'callbackExpiresAt'> {
  /** When the submit began: a job it made was created after this. */
  since: Date;
  signal?: AbortSignal;
}

export interface Provider {
  readonly name: string;
  submit(req: SubmitRequest): Promise<{ externalId: string }>;
  /**
   * Optional, for providers whose API can tell: after a submit whose outcome is unknown (a
   * timeout, a broken connection, a crash mid-call), the job it made, or null when it certainly
   * made none. Throws when it cannot tell. Without it, the task type's onUnknownSubmit decides.
   */
  findJob?(req: FindJobRequest): Promise<{ externalId: string } | null>;
  getStatus(externalId: string, signal?: AbortSignal): Promise<ProviderStatus>;
  cancel(externalId: string, signal?: AbortSignal): Promise<void>;
  /**
   * Verifies a webhook's signature (throws ProviderError class 'auth' when forged or stale)
   * and parses it. `rawBody` is the exact bytes received. `context.url` is needed only for
   * unsigned providers' deliveries authenticated by a URL token (see WebhookContext).
   */
  verifyWebhook(
    headers: Record<string, string | string[] | undefined>,
    rawBody: Buffer,
    context?: WebhookContext,
  ): Promise<ProviderWebhookEvent>;
}
