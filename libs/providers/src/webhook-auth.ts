// Authenticating webhooks of providers whose real deliveries are unsigned (RunningHub, Grsai).
// Two ways in, either is enough:
//  1. Standard Webhooks headers signed with the provider's webhook secret (what the simulator,
//     or a signing proxy in front of Loom, sends): verified with replay protection.
//  2. A `loom_token` query parameter that submit() appended to the callback URL: an HMAC of the
//     provider's name keyed with the same secret, so only someone who was given the callback URL
//     can call it. The body itself is not signed: the route must pass the URL it was called on
//     (WebhookContext.url), and the delivery id is derived from the body.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookContext } from './provider';
import { StandardWebhookVerifier, webhookSecretKey, type HeaderBag } from './standard-webhooks';
import { WebhookVerificationError } from './webhook-verification-error';

export const WEBHOOK_TOKEN_PARAM = 'loom_token';

export function webhookUrlToken(secret: string, provider: string): string {
  return createHmac('sha256', webhookSecretKey(secret)).update(`loom-webhook-url-token:${provider}`).digest('base64url');
}

/** The callback URL with the provider's token added (replacing any there). */
export function addWebhookToken(url: string, secret: string, provider: string): string {
  const u = new URL(url);
  u.searchParams.set(WEBHOOK_TOKEN_PARAM, webhookUrlToken(secret, provider));
  return u.toString();
}

export function webhookTokenFromUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url, 'http://callback.invalid').searchParams.get(WEBHOOK_TOKEN_PARAM) ?? undefined;
  } catch {
    return undefined;
  }
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
}

/** Throws WebhookVerificationError unless one of the two ways authenticates; returns the signed delivery id, if any. */
export function authenticateSharedSecretWebhook(args: SharedSecretWebhookArgs): { deliveryId?: string } {
  const { provider, label, secret } = args;
  if (!secret) {
    throw new WebhookVerificationError(provider, 'no_secret', `cannot verify ${label} webhooks: set ${args.secretEnv}`);
  }
  if (StandardWebhookVerifier.isSigned(args.headers)) {
    return { deliveryId: args.verifier.verify(secret, args.headers, args.rawBody).id };
  }
  const given = webhookTokenFromUrl(args.context?.url);
  if (given === undefined) {
    throw new WebhookVerificationError(
      provider,
      'unsigned',
      `${label} webhook rejected: no webhook-signature header and no ${WEBHOOK_TOKEN_PARAM} in the URL (pass the request URL as context.url)`,
    );
  }
  const expected = Buffer.from(webhookUrlToken(secret, provider));
  const got = Buffer.from(given);
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
    throw new WebhookVerificationError(provider, 'forged', `${label} webhook rejected: ${WEBHOOK_TOKEN_PARAM} does not match`);
  }
  return {};
}
