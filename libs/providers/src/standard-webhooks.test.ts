import { createHmac, randomBytes } from 'node:crypto';
import { signStandardWebhook, standardWebhookHeaders, StandardWebhookVerifier, webhookSecretKey } from './standard-webhooks';

const secret = `whsec_${randomBytes(24).toString('base64')}`;
const body = Buffer.from(JSON.stringify({ id: 'p1', status: 'succeeded', output: 'https://x.test/a.png' }));
const NOW = 1_750_000_000_000;

function verifier(overrides: { now?: () => number } = {}) {
  return new StandardWebhookVerifier('replicate', { toleranceMs: 300_000, now: () => NOW, ...overrides });
}

function rejection(fn: () => unknown): { errorClass?: string; reason?: string; message?: string } {
  try {
    fn();
  } catch (err) {
    return err as { errorClass: string; reason: string; message: string };
  }
  throw new Error('expected a rejection');
}

describe('Standard Webhooks signatures', () => {
  it('signs what the specification signs: HMAC-SHA256 of id.timestamp.body keyed with the decoded secret', () => {
    const key = Buffer.from(secret.slice(6), 'base64');
    const expected = createHmac('sha256', key).update(`msg_1.1750000000.${body.toString()}`).digest('base64');
    expect(signStandardWebhook(secret, 'msg_1', 1_750_000_000, body)).toBe(`v1,${expected}`);
    expect(webhookSecretKey(secret).equals(key)).toBe(true);
    expect(webhookSecretKey('plain-shared-secret').toString()).toBe('plain-shared-secret');
  });

  it('accepts a correctly signed delivery and returns its id', () => {
    const headers = standardWebhookHeaders(secret, 'msg_ok', body, NOW);
    expect(verifier().verify(secret, headers, body)).toEqual({ id: 'msg_ok', timestamp: NOW / 1000 });
  });

  it('accepts when any of several space-separated entries matches (secret rotation)', () => {
    const headers = standardWebhookHeaders(secret, 'msg_multi', body, NOW);
    const other = signStandardWebhook(`whsec_${randomBytes(24).toString('base64')}`, 'msg_multi', NOW / 1000, body);
    headers['webhook-signature'] = `v1a,Zm9v ${other} ${headers['webhook-signature']}`;
    expect(verifier().verify(secret, headers, body).id).toBe('msg_multi');
  });

  it('accepts repeated signature headers (arrays) and any header-name casing', () => {
    const h = standardWebhookHeaders(secret, 'msg_arr', body, NOW);
    const headers = { 'Webhook-Id': h['webhook-id'], 'WEBHOOK-TIMESTAMP': h['webhook-timestamp'], 'webhook-signature': ['v1,AAAA', h['webhook-signature']!] };
    expect(verifier().verify(secret, headers, body).id).toBe('msg_arr');
  });

  it('rejects a forged signature, a modified body and a wrong secret as forged (class auth)', () => {
    const headers = standardWebhookHeaders(secret, 'msg_f', body, NOW);
    const forged = { ...headers, 'webhook-signature': `v1,${randomBytes(32).toString('base64')}` };
    expect(rejection(() => verifier().verify(secret, forged, body))).toMatchObject({ errorClass: 'auth', reason: 'forged' });
    const modified = Buffer.from(body.toString().replace('succeeded', 'failed'));
    expect(rejection(() => verifier().verify(secret, headers, modified))).toMatchObject({ reason: 'forged' });
    expect(rejection(() => verifier().verify(`whsec_${randomBytes(24).toString('base64')}`, headers, body))).toMatchObject({ reason: 'forged' });
    // a truncated signature (different length) must not throw from timingSafeEqual
    const short = { ...headers, 'webhook-signature': 'v1,AAAA' };
    expect(rejection(() => verifier().verify(secret, short, body))).toMatchObject({ reason: 'forged' });
  });

  it('rejects stale and future timestamps outside the window, and accepts inside it', () => {
    const old = standardWebhookHeaders(secret, 'msg_old', body, NOW - 301_000);
    expect(rejection(() => verifier().verify(secret, old, body))).toMatchObject({ errorClass: 'auth', reason: 'stale' });
    const future = standardWebhookHeaders(secret, 'msg_future', body, NOW + 301_000);
    expect(rejection(() => verifier().verify(secret, future, body))).toMatchObject({ reason: 'stale' });
    const recent = standardWebhookHeaders(secret, 'msg_recent', body, NOW - 299_000);
    expect(verifier().verify(secret, recent, body).id).toBe('msg_recent');
  });

  it('verifies a repeated delivery again (replays are the receiving route\'s durable log to answer)', () => {
    const v = verifier();
    const headers = standardWebhookHeaders(secret, 'msg_replay', body, NOW);
    expect(v.verify(secret, headers, body).id).toBe('msg_replay');
    expect(v.verify(secret, headers, body).id).toBe('msg_replay');
  });

  it('rejects missing headers, malformed timestamps and headers without a v1 entry', () => {
    const headers = standardWebhookHeaders(secret, 'msg_m', body, NOW);
    expect(rejection(() => verifier().verify(secret, {}, body))).toMatchObject({ reason: 'unsigned' });
    expect(rejection(() => verifier().verify(secret, { ...headers, 'webhook-timestamp': '2025-01-01' }, body))).toMatchObject({ reason: 'malformed_headers' });
    expect(rejection(() => verifier().verify(secret, { ...headers, 'webhook-signature': 'v2,abc' }, body))).toMatchObject({ reason: 'malformed_headers' });
  });

  it('detects signed deliveries', () => {
    expect(StandardWebhookVerifier.isSigned(standardWebhookHeaders(secret, 'x', body))).toBe(true);
    expect(StandardWebhookVerifier.isSigned({ 'content-type': 'application/json' })).toBe(false);
  });
});
