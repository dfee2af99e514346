import { createHmac } from 'node:crypto';
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
  const NOW = 1_760_000_000_000;
  const later = new Date(NOW + 3600_000);
  const at = (now: number) => () => now;

  it('binds the callback URL to one task and an expiry, keeping its query', () => {
    const url = addWebhookToken('https://loom.example/v1/webhooks/runninghub?x=1', secret, 'runninghub', 'task-1', later);
    const u = new URL(url);
    expect(u.searchParams.get('x')).toBe('1');
    expect(u.searchParams.get('loom_task')).toBe('task-1');
    expect(u.searchParams.get('loom_exp')).toBe(String(Math.floor(later.getTime() / 1000)));
    const binding = { taskId: 'task-1', expiresAtSec: Math.floor(later.getTime() / 1000) };
    expect(u.searchParams.get('loom_token')).toBe(webhookUrlToken(secret, 'runninghub', binding));
    expect(webhookUrlToken(secret, 'runninghub', binding)).not.toBe(webhookUrlToken(secret, 'grsai', binding));
    expect(webhookUrlToken(secret, 'runninghub', binding)).not.toBe(webhookUrlToken(secret, 'runninghub', { ...binding, taskId: 'task-2' }));
    expect(webhookTokenFromUrl(`/v1/webhooks/runninghub?loom_token=abc`)).toBe('abc');
  });

  it('accepts the URL (relative or absolute) until it expires, and says which task it was issued for', () => {
    const url = addWebhookToken('https://loom.example/v1/webhooks/runninghub', secret, 'runninghub', 'task-1', later);
    expect(authenticateSharedSecretWebhook(args({ context: { url }, now: at(NOW) }))).toEqual({ taskId: 'task-1' });
    const relative = url.slice('https://loom.example'.length);
    expect(authenticateSharedSecretWebhook(args({ context: { url: relative }, now: at(NOW) }))).toEqual({ taskId: 'task-1' });
    expect(rejection(() => authenticateSharedSecretWebhook(args({ context: { url }, now: at(later.getTime() + 1000) })))).toMatchObject({ errorClass: 'auth', reason: 'stale' });
  });

  it('rejects a wrong token, a URL moved to another task or expiry, another provider\'s URL, the old unbound token, and no token', () => {
    const url = new URL(addWebhookToken('https://h/cb', secret, 'runninghub', 'task-1', later));
    const forged = (u: URL) => rejection(() => authenticateSharedSecretWebhook(args({ context: { url: u.toString() }, now: at(NOW) })));
    expect(rejection(() => authenticateSharedSecretWebhook(args({ context: { url: '/cb?loom_token=nope' } })))).toMatchObject({ errorClass: 'auth', reason: 'forged' });
    const moved = new URL(url);
    moved.searchParams.set('loom_task', 'task-2');
    expect(forged(moved)).toMatchObject({ reason: 'forged' });
    const extended = new URL(url);
    extended.searchParams.set('loom_exp', String(Number(url.searchParams.get('loom_exp')) + 86_400));
    expect(forged(extended)).toMatchObject({ reason: 'forged' });
    expect(forged(new URL(addWebhookToken('https://h/cb', secret, 'grsai', 'task-1', later)))).toMatchObject({ reason: 'forged' });
    // The pre-binding scheme: one token per provider, for every task, forever.
    const unbound = createHmac('sha256', Buffer.from(secret)).update('loom-webhook-url-token:runninghub').digest('base64url');
    expect(forged(new URL(`https://h/cb?loom_token=${unbound}`))).toMatchObject({ reason: 'forged' });
    expect(rejection(() => authenticateSharedSecretWebhook(args()))).toMatchObject({ errorClass: 'auth', reason: 'unsigned' });
  });

  it('accepts Standard Webhooks headers signed with the shared secret (replays are the route\'s to answer)', () => {
    const verifier = new StandardWebhookVerifier('runninghub');
    const headers = standardWebhookHeaders(secret, 'sim_1', body);
    expect(authenticateSharedSecretWebhook(args({ verifier, headers }))).toEqual({ deliveryId: 'sim_1' });
    expect(rejection(() => authenticateSharedSecretWebhook(args({ verifier, headers: { ...headers, 'webhook-signature': 'v1,AAAA' } })))).toMatchObject({ reason: 'forged' });
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
