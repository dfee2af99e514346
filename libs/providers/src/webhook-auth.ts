// Authenticating webhooks of providers whose real deliveries are unsigned (RunningHub, Grsai).
// Two ways in, either is enough:
//  1. Standard Webhooks headers signed with the provider's webhook secret (what the simulator,
//     or a signing proxy in front of Loom, sends).
//  2. A callback URL that submit() issued for ONE task, until an expiry: `loom_task`,
//     `loom_exp` (unix seconds) and `loom_token`, an HMAC of provider, task and expiry keyed
//     with the same secret. Holding one task's URL lets a caller speak about that task only,
//     and only until the URL expires.
// Either way the body is not the provider's word (nobody but Loom signed it), so these adapters
// hand back no status: a callback is a hint, and status-sync confirms the job's state and
// outputs from the provider's own API before anything changes (see ProviderWebhookEvent).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookContext } from './provider';
import { StandardWebhookVerifier, webhookSecretKey, type HeaderBag } from './standard-webhooks';
import { WebhookVerificationError } from './webhook-verification-error';

export const WEBHOOK_TOKEN_PARAM = 'loom_token';
export const WEBHOOK_TASK_PARAM = 'loom_task';
export const WEBHOOK_EXPIRY_PARAM = 'loom_exp';

/** How long a callback URL lasts when submit() is given no expiry (24 h: longer than any provider keeps retrying). */
export const DEFAULT_CALLBACK_TTL_MS = 24 * 3600_000;

export interface CallbackBinding {
  taskId: string;
  /** Unix seconds after which the URL is refused. */
  expiresAtSec: number;
}

export function webhookUrlToken(secret: string, provider: string, binding: CallbackBinding): string {
  return createHmac('sha256', webhookSecretKey(secret))
    .update(`loom-webhook-url-token:v2:${provider}:${binding.taskId}:${binding.expiresAtSec}`)
    .digest('base64url');
}

/** The callback URL bound to one task until `expiresAt` (replacing any binding already there). */
export function addWebhookToken(url: string, secret: string, provider: string, taskId: string, expiresAt: Date): string {
  const u = new URL(url);
  const binding = { taskId, expiresAtSec: Math.floor(expiresAt.getTime() / 1000) };
  u.searchParams.set(WEBHOOK_TASK_PARAM, binding.taskId);
  u.searchParams.set(WEBHOOK_EXPIRY_PARAM, String(binding.expiresAtSec));
  u.searchParams.set(WEBHOOK_TOKEN_PARAM, webhookUrlToken(secret, provider, binding));
  return u.toString();
}

function paramsOf(url: string | undefined): URLSearchParams | undefined {
  if (!url) return undefined;
  try {
    return new URL(url, 'http://callback.invalid').searchParams;
  } catch {
    return undefined;
  }
}

export function webhookTokenFromUrl(url: string | undefined): string | undefined {
  return paramsOf(url)?.get(WEBHOOK_TOKEN_PARAM) ?? undefined;
}

/** A stable id for a delivery that has none: the same body about the same job gets the same id. */
export function derivedDeliveryId(provider: string, externalId: string, rawBody: Buffer): string {
  return `${provider}:${externalId}:${createHash('sha256').update(rawBody).digest('hex').slice(0, 32)}`;
}

export interface SharedSecretWebhookArgs {
  provider: string;
  label: string;
  /** The variable that holds the secret, for the message when it is missing. */
  secretEnv: string;
  secret: string | undefined;
  verifier: StandardWebhookVerifier;
  headers: HeaderBag;
  rawBody: Buffer;
  context?: WebhookContext;
  now?: () => number;
}

/**
 * Throws WebhookVerificationError unless one of the two ways authenticates. Returns the signed
 * delivery id (way 1) or the task the URL was issued for (way 2).
 */
export function authenticateSharedSecretWebhook(args: SharedSecretWebhookArgs): { deliveryId?: string; taskId?: string } {
  const { provider, label, secret } = args;
  if (!secret) {
    throw new WebhookVerificationError(provider, 'no_secret', `cannot verify ${label} webhooks: set ${args.secretEnv}`);
  }
  if (StandardWebhookVerifier.isSigned(args.headers)) {
    return { deliveryId: args.verifier.verify(secret, args.headers, args.rawBody).id };
  }
  const params = paramsOf(args.context?.url);
  const given = params?.get(WEBHOOK_TOKEN_PARAM);
  if (!params || !given) {
    throw new WebhookVerificationError(
      provider,
      'unsigned',
      `${label} webhook rejected: no webhook-signature header and no ${WEBHOOK_TOKEN_PARAM} in the URL (pass the request URL as context.url)`,
    );
  }
  const taskId = params.get(WEBHOOK_TASK_PARAM) ?? '';
  const exp = params.get(WEBHOOK_EXPIRY_PARAM) ?? '';
  if (!taskId || !/^\d{1,12}$/.test(exp)) {
    throw new WebhookVerificationError(provider, 'forged', `${label} webhook rejected: the callback URL is not bound to a task (${WEBHOOK_TASK_PARAM}, ${WEBHOOK_EXPIRY_PARAM})`);
  }
  const binding = { taskId, expiresAtSec: Number(exp) };
  const expected = Buffer.from(webhookUrlToken(secret, provider, binding));
  const got = Buffer.from(given);
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
    throw new WebhookVerificationError(provider, 'forged', `${label} webhook rejected: ${WEBHOOK_TOKEN_PARAM} does not match`);
  }
  // Checked after the HMAC, so the answer tells a guesser nothing about the expiry.
  if (binding.expiresAtSec * 1000 < (args.now ?? Date.now)()) {
    throw new WebhookVerificationError(provider, 'stale', `${label} webhook rejected: the callback URL expired at ${new Date(binding.expiresAtSec * 1000).toISOString()}`);
  }
  return { taskId };
}
