import { standardWebhookHeaders, StandardWebhookVerifier } from './standard-webhooks';
import { addWebhookToken, authenticateSharedSecretWebhook, derivedDeliveryId, webhookTokenFromUrl, webhookUrlToken } from './webhook-auth';

const secret = 'a-shared-secret-of-some-length';
const body = Buffer.from('{"taskId":"1","event":"TASK_END"}');

function args(over: Partial<Parameters<typeof authenticateSharedSecretWebhook>[0]> = {}) {
  return {
    provider: 'runninghub',
    label: 'RunningHub',
    secretEnv: 'RUNNINGHUB_WEBHOOK_SECRET',
    secret,
    verifier: new StandardWebhookVerifier('runninghub'),
    headers: {},
    rawBody: body,
    ...over,
  };
}

function rejection(fn: () => unknown): Record<string, unknown> {
  try {
    fn();
  } catch (err) {
    return err as Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}

describe('shared-secret webhooks of unsigned providers', () => {
  it('adds a per-provider token to the callback URL, keeping its query', () => {
    const url = addWebhookToken('https://loom.example/v1/webhooks/runninghub?x=1', secret, 'runninghub');
    const u = new URL(url);
    expect(u.searchParams.get('x')).toBe('1');
    expect(u.searchParams.get('loom_token')).toBe(webhookUrlToken(secret, 'runninghub'));
    expect(webhookUrlToken(secret, 'runninghub')).not.toBe(webhookUrlToken(secret, 'grsai'));
    expect(webhookTokenFromUrl(`/v1/webhooks/runninghub?loom_token=abc`)).toBe('abc');
  });

  it('accepts the URL token (relative or absolute URL) and derives no id', () => {
    const url = addWebhookToken('https://loom.example/v1/webhooks/runninghub', secret, 'runninghub');
    expect(authenticateSharedSecretWebhook(args({ context: { url } }))).toEqual({});
    const relative = url.slice('https://loom.example'.length);
    expect(authenticateSharedSecretWebhook(args({ context: { url: relative } }))).toEqual({});
  });

  it('rejects a wrong token, another provider\'s token, and no token at all', () => {
    expect(rejection(() => authenticateSharedSecretWebhook(args({ context: { url: '/cb?loom_token=nope' } })))).toMatchObject({ errorClass: 'auth', reason: 'forged' });
    const grsai = addWebhookToken('https://h/cb', secret, 'grsai');
    expect(rejection(() => authenticateSharedSecretWebhook(args({ context: { url: grsai } })))).toMatchObject({ reason: 'forged' });
    expect(rejection(() => authenticateSharedSecretWebhook(args()))).toMatchObject({ errorClass: 'auth', reason: 'unsigned' });
  });

  it('accepts Standard Webhooks headers signed with the shared secret, with replay protection', () => {
    const verifier = new StandardWebhookVerifier('runninghub');
    const headers = standardWebhookHeaders(secret, 'sim_1', body);
    expect(authenticateSharedSecretWebhook(args({ verifier, headers }))).toEqual({ deliveryId: 'sim_1' });
    expect(rejection(() => authenticateSharedSecretWebhook(args({ verifier, headers })))).toMatchObject({ reason: 'replayed' });
  });

  it('says which variable to set when no secret is configured', () => {
    const err = rejection(() => authenticateSharedSecretWebhook(args({ secret: undefined })));
    expect(err).toMatchObject({ errorClass: 'auth', reason: 'no_secret' });
    expect(String(err.message)).toContain('RUNNINGHUB_WEBHOOK_SECRET');
  });

  it('derives stable delivery ids from the body', () => {
    expect(derivedDeliveryId('grsai', 'j1', body)).toBe(derivedDeliveryId('grsai', 'j1', Buffer.from(body)));
    expect(derivedDeliveryId('grsai', 'j1', body)).not.toBe(derivedDeliveryId('grsai', 'j1', Buffer.from('{}')));
  });
});
