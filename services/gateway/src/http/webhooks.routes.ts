// POST /v1/webhooks/:provider: provider callbacks. The signature is checked on the exact bytes
// received (forged or stale: 401, nothing changes); a verified event goes to status-sync over
// RabbitMQ (published with a confirm before we answer 202), which applies it.
import express, { type Router } from 'express';
import { createEnvelope, ProviderCallbackV1 } from '@loom/contracts';
import type { Bus } from '@loom/messaging';
import { isProviderError, type Provider } from '@loom/providers';
import type { Logger } from '@loom/telemetry';

export interface WebhookDeps {
  providers: (name: string) => Provider | undefined;
  bus: Pick<Bus, 'publish'>;
  logger: Logger;
}

const fail = (status: number, code: string, message: string) => ({ status, body: { error: { code, message } } });

export function webhooksRouter(deps: WebhookDeps): Router {
  const r = express.Router();
  r.post('/:provider', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
    const name = String(req.params.provider);
    const provider = deps.providers(name);
    if (!provider) {
      const f = fail(404, 'UNKNOWN_PROVIDER', `no provider named ${name}`);
      return void res.status(f.status).json(f.body);
    }
    let event;
    try {
      event = await provider.verifyWebhook(req.headers, Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), { url: req.originalUrl });
    } catch (err) {
      if (isProviderError(err) && (err.errorClass === 'auth' || err.errorClass === 'bad_input')) {
        deps.logger.warn({ provider: name, err: err.message }, 'webhook refused');
        const f = fail(401, 'WEBHOOK_REJECTED', err.message);
        return void res.status(f.status).json(f.body);
      }
      throw err;
    }
    const env = createEnvelope(
      ProviderCallbackV1,
      { provider: name, externalId: event.externalId, deliveryId: event.deliveryId, status: event.status },
      { tenantId: 'provider', messageId: `${name}:${event.deliveryId}` },
    );
    await deps.bus.publish([{ id: env.messageId, exchange: 'events', routingKey: ProviderCallbackV1.name, body: JSON.stringify(env), headers: {} }]);
    res.status(202).json({ accepted: true });
  });
  return r;
}
