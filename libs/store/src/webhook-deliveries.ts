// Provider webhook deliveries already accepted, by delivery id: the replay memory of the
// gateway's webhook route. It lives in MongoDB, not in a process, so a restart or a second
// gateway replica still knows a replay (a unique _id is the whole mechanism; mongo-java-server
// honours it). Entries expire: past `expiresAt` the signature timestamp check refuses the
// delivery anyway; the TTL index lets a real MongoDB drop them, and `remember` overwrites an
// expired entry where no TTL monitor runs.
import { Schema, type Connection, type Model } from 'mongoose';

export interface WebhookDeliveryRecord {
  _id: string; // provider:deliveryId
  provider: string;
  acceptedAt: Date;
  expiresAt: Date;
}

const schema = new Schema<WebhookDeliveryRecord>(
  {
    _id: String,
    provider: { type: String, required: true },
    acceptedAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'webhook_deliveries', versionKey: false },
);
schema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export function createWebhookDeliveries(conn: Connection) {
  const Delivery: Model<WebhookDeliveryRecord> = conn.models.WebhookDelivery ?? conn.model<WebhookDeliveryRecord>('WebhookDelivery', schema);
  const key = (provider: string, deliveryId: string) => `${provider}:${deliveryId}`;

  return {
    model: Delivery,

    /** True when this delivery was accepted before and its entry has not expired (a replay). */
    async seen(provider: string, deliveryId: string): Promise<boolean> {
      const d = await Delivery.findById(key(provider, deliveryId), { expiresAt: 1 }).lean<WebhookDeliveryRecord>();
      return !!d && d.expiresAt.getTime() > Date.now();
    },

    /**
     * Records an accepted delivery for `ttlMs`. Called after the event was handed on, so a
     * delivery whose hand-over failed is not remembered and the provider's retry gets through.
     */
    async remember(provider: string, deliveryId: string, ttlMs: number): Promise<void> {
      const now = new Date();
      await Delivery.updateOne(
        { _id: key(provider, deliveryId) },
        { $set: { provider, acceptedAt: now, expiresAt: new Date(now.getTime() + ttlMs) } },
        { upsert: true },
      ).catch((err) => {
        // Two replicas remembering the same delivery at once: one upsert wins, which is all we need.
        if ((err as { code?: number }).code !== 11000) throw err;
      });
    },
  };
}

export type WebhookDeliveries = ReturnType<typeof createWebhookDeliveries>;
