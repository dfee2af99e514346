// POST /v1/webhooks/:provider: provider callbacks. The signature (or the task-bound callback
// URL token) is checked on the exact bytes received: forged, stale or unsigned is a 401 and a
// body that is not what the provider sends is a 400; nothing changes either way. A verified
// event goes to status-sync over RabbitMQ (published with a confirm before we answer 202),
// which applies it. A delivery accepted before (by this or any other replica, before or after
// a restart: the memory is in MongoDB) is answered 200 and not handed on again, so the
// provider stops retrying and nothing happens twice.
import express, { type Router } from 'express';
import { createEnvelope, ProviderCallbackV1 } from '@loom/contracts';
import type { Bus } from '@loom/messaging';
import { isProviderError, type Provider } from '@loom/providers';
import type { Logger } from '@loom/telemetry';

/** The replay memory the route needs (libs/store webhook-deliveries). */
export interface DeliveryLog {
  seen(provider: string, deliveryId: string): Promise<boolean>;
  remember(provider: string, deliveryId: string, ttlMs: number): Promise<void>;
}

export interface WebhookDeps {
  providers: (name: string) => Provider | undefined;
  bus: Pick<Bus, 'publish'>;
  deliveries: DeliveryLog;
  /**
   * How long a delivery id is remembered (default 1 h: well past the 5 min timestamp tolerance
   * either way, after which the signature check refuses a replay by itself).
   */
  rememberMs?: number;
  logger: Logger;
}

const fail = (status: number, code: string, message: string) => ({ status, body: { error: { code, message } } });

export function webhooksRouter(deps: WebhookDeps): Router {
  const r = express.Router();
  const rememberMs = deps.rememberMs ?? 3600_000;
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
        const f = err.errorClass === 'bad_input' ? fail(400, 'WEBHOOK_MALFORMED', err.message) : fail(401, 'WEBHOOK_REJECTED', err.message);
        return void res.status(f.status).json(f.body);
      }
      throw err;
    }
    if (await deps.deliveries.seen(name, event.deliveryId)) {
      deps.logger.debug({ provider: name, deliveryId: event.deliveryId }, 'webhook delivery already accepted; answered without handing it on');
      return void res.status(200).json({ accepted: true, duplicate: true });
    }
    const env = createEnvelope(
      ProviderCallbackV1,
      {
        provider: name,
        externalId: event.externalId,
        deliveryId: event.deliveryId,
        status: event.status,
        ...(event.taskId ? { taskId: event.taskId } : {}),
      },
      { tenantId: 'provider', messageId: `${name}:${event.deliveryId}` },
    );
    await deps.bus.publish([{ id: env.messageId, exchange: 'events', routingKey: ProviderCallbackV1.name, body: JSON.stringify(env), headers: {} }]);
    // Remembered only once handed on: a delivery whose hand-over failed gets through on the retry.
    await deps.deliveries.remember(name, event.deliveryId, rememberMs);
    res.status(202).json({ accepted: true });
  });
  return r;
}
