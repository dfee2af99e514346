// Standard Webhooks signing, written here on its own (not imported from libs/providers) so the
// adapters' verifier is tested against an independent implementation of the scheme.
import { createHmac, randomUUID } from 'node:crypto';

export function signedHeaders(secret: string, body: string, now = Date.now(), id = `msg_${randomUUID().replace(/-/g, '')}`): Record<string, string> {
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8');
  const timestamp = Math.floor(now / 1000);
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${signature}` };
}
