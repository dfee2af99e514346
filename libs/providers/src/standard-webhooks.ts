// Standard Webhooks (standardwebhooks.com), the scheme Replicate signs with and the one Loom's
// simulator uses for every provider: headers webhook-id, webhook-timestamp (unix seconds) and
// webhook-signature ("v1,<base64>" entries, space-separated, any one may match); the signature
// is HMAC-SHA256 over `${id}.${timestamp}.${rawBody}` keyed with the secret's bytes.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookVerificationError } from './webhook-verification-error';

export type HeaderBag = Record<string, string | string[] | undefined>;

/** A header by lower-case name; repeated headers are joined with a space (as signature lists are). */
export function headerValue(headers: HeaderBag, name: string): string | undefined {
  let value = headers[name];
  if (value === undefined) {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
    if (key !== undefined) value = headers[key];
  }
  return Array.isArray(value) ? value.join(' ') : value;
}

/** `whsec_<base64>` decodes to its bytes (Standard Webhooks); any other string is used as UTF-8. */
export function webhookSecretKey(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
}

function hmac(secret: string, id: string, timestampSec: string, rawBody: Buffer | string): Buffer {
  // The prefix and the raw bytes are fed separately: the body is never decoded and re-encoded.
  return createHmac('sha256', webhookSecretKey(secret)).update(`${id}.${timestampSec}.`).update(rawBody).digest();
}

/** One `v1,<base64>` signature entry (what a sender puts in webhook-signature). */
export function signStandardWebhook(secret: string, id: string, timestampSec: number, rawBody: Buffer | string): string {
  return `v1,${hmac(secret, id, String(timestampSec), rawBody).toString('base64')}`;
}

/** The three headers of a signed delivery. */
export function standardWebhookHeaders(secret: string, id: string, rawBody: Buffer | string, now = Date.now()): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signStandardWebhook(secret, id, timestamp, rawBody) };
}

export interface StandardWebhookVerifierOptions {
  /** Largest accepted distance between webhook-timestamp and now, either way (default 5 min, Standard Webhooks' recommendation). */
  toleranceMs?: number;
  now?: () => number;
}

export interface VerifiedDelivery {
  id: string;
  /** webhook-timestamp, unix seconds. */
  timestamp: number;
}

/**
 * Verifies signed deliveries: signature and timestamp. Replays are NOT detected here: a memory
 * inside one adapter forgets on restart and is not shared by a second gateway, so the receiving
 * route keeps a durable, shared log of delivery ids (libs/store webhook-deliveries) and answers
 * a replay of an accepted delivery with 2xx (the provider then stops retrying).
 */
export class StandardWebhookVerifier {
  private readonly toleranceMs: number;
  private readonly now: () => number;

  constructor(
    private readonly provider: string,
    options: StandardWebhookVerifierOptions = {},
  ) {
    this.toleranceMs = options.toleranceMs ?? 300_000;
    this.now = options.now ?? Date.now;
  }

  /** True when the delivery carries a webhook-signature header (so `verify` applies). */
  static isSigned(headers: HeaderBag): boolean {
    return headerValue(headers, 'webhook-signature') !== undefined;
  }

  verify(secret: string, headers: HeaderBag, rawBody: Buffer): VerifiedDelivery {
    const reject = (reason: ConstructorParameters<typeof WebhookVerificationError>[1], message: string) =>
      new WebhookVerificationError(this.provider, reason, `${this.provider} webhook rejected: ${message}`);
    const id = headerValue(headers, 'webhook-id');
    const timestamp = headerValue(headers, 'webhook-timestamp');
    const signature = headerValue(headers, 'webhook-signature');
    if (!id || !timestamp || !signature) throw reject('unsigned', 'webhook-id, webhook-timestamp and webhook-signature headers are required');
    if (!/^\d{1,12}$/.test(timestamp.trim())) throw reject('malformed_headers', `webhook-timestamp "${timestamp.slice(0, 20)}" is not unix seconds`);
    const timestampSec = Number(timestamp.trim());
    const skewMs = Math.abs(this.now() - timestampSec * 1000);
    if (skewMs > this.toleranceMs) throw reject('stale', `timestamp is ${Math.round(skewMs / 1000)} s away from now (tolerance ${this.toleranceMs / 1000} s)`);

    const expected = hmac(secret, id, timestamp.trim(), rawBody);
    let matched = false;
    let entries = 0;
    for (const entry of signature.split(' ')) {
      const comma = entry.indexOf(',');
      if (comma < 0 || entry.slice(0, comma) !== 'v1') continue; // other versions (v1a: ed25519) are not ours
      entries++;
      const given = Buffer.from(entry.slice(comma + 1), 'base64');
      if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true;
    }
    if (entries === 0) throw reject('malformed_headers', 'webhook-signature has no v1 entry');
    if (!matched) throw reject('forged', 'no signature matches (wrong secret, or a modified body)');
    return { id, timestamp: timestampSec };
  }
}
