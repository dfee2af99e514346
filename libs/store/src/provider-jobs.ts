// Provider jobs and provider limits: what the platform has running at each provider (so a
// job whose task ended or vanished after a crash is found and cancelled: a job left running
// costs money), the per-provider limits every replica shares (in flight, calls per second,
// and a pause after a 429 that slows only that provider), and the webhook deliveries accepted.
import { Schema, type Connection, type Model } from 'mongoose';
import { createWebhookDeliveries } from './webhook-deliveries';

export interface ProviderJobRecord {
  _id: string; // provider:externalId
  provider: string;
  externalId: string;
  taskId: string;
  tenantId: string;
  open: boolean;
  createdAt: Date;
  closedAt?: Date | null;
}

export interface ProviderLimitRecord {
  _id: string; // provider name
  inFlight: number;
  window: number; // epoch second of the current call window
  calls: number;
  pausedUntil: Date;
}

const jobSchema = new Schema<ProviderJobRecord>(
  {
    _id: String,
    provider: { type: String, required: true },
    externalId: { type: String, required: true },
    taskId: { type: String, required: true },
    tenantId: { type: String, required: true },
    open: { type: Boolean, required: true },
    createdAt: { type: Date, required: true },
    closedAt: Date,
  },
  { collection: 'provider_jobs', versionKey: false },
);
jobSchema.index({ open: 1, createdAt: 1 });

const limitSchema = new Schema<ProviderLimitRecord>(
  { _id: String, inFlight: Number, window: Number, calls: Number, pausedUntil: Date },
  { collection: 'provider_limits', versionKey: false },
);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createProviderJobs(conn: Connection) {
  const Job: Model<ProviderJobRecord> = conn.models.ProviderJob ?? conn.model<ProviderJobRecord>('ProviderJob', jobSchema);
  const Limit: Model<ProviderLimitRecord> = conn.models.ProviderLimit ?? conn.model<ProviderLimitRecord>('ProviderLimit', limitSchema);

  async function ensureLimitDoc(provider: string): Promise<void> {
    await Limit.updateOne(
      { _id: provider },
      { $setOnInsert: { inFlight: 0, window: 0, calls: 0, pausedUntil: new Date(0) } },
      { upsert: true },
    ).catch((err) => {
      if ((err as { code?: number }).code !== 11000) throw err;
    });
  }

  return {
    models: { Job, Limit },
    /** Webhook deliveries already accepted (the gateway's durable, shared replay memory). */
    deliveries: createWebhookDeliveries(conn),

    async opened(j: Omit<ProviderJobRecord, '_id' | 'open' | 'createdAt'>): Promise<void> {
      await Job.updateOne(
        { _id: `${j.provider}:${j.externalId}` },
        { $setOnInsert: { ...j, open: true, createdAt: new Date() } },
        { upsert: true },
      );
    },

    /** Closes a job once; returns true for the call that closed it (it frees the in-flight slot). */
    async close(provider: string, externalId: string): Promise<boolean> {
      const r = await Job.updateOne({ _id: `${provider}:${externalId}`, open: true }, { $set: { open: false, closedAt: new Date() } });
      if (r.modifiedCount === 1) {
        await Limit.updateOne({ _id: provider, inFlight: { $gt: 0 } }, { $inc: { inFlight: -1 } });
        return true;
      }
      return false;
    },

    openJobs(limit = 200): Promise<ProviderJobRecord[]> {
      return Job.find({ open: true }).sort({ createdAt: 1 }).limit(limit).lean<ProviderJobRecord[]>().exec();
    },

    /**
     * Takes one of the provider's `max` in-flight slots, waiting (up to the signal) while all
     * are taken. Shared by every replica through one conditional $inc.
     */
    async acquireSlot(provider: string, max: number, signal?: AbortSignal): Promise<void> {
      await ensureLimitDoc(provider);
      for (;;) {
        const r = await Limit.updateOne({ _id: provider, inFlight: { $lt: max } }, { $inc: { inFlight: 1 } });
        if (r.modifiedCount === 1) return;
        signal?.throwIfAborted();
        await sleep(250);
      }
    },

    async releaseSlot(provider: string): Promise<void> {
      await Limit.updateOne({ _id: provider, inFlight: { $gt: 0 } }, { $inc: { inFlight: -1 } });
    },

    /**
     * Waits for permission to make one call to the provider: at most `perSecond` calls in a
     * one-second window across all replicas, and none while a 429's Retry-After pause lasts.
     */
    async acquireCall(provider: string, perSecond: number, signal?: AbortSignal): Promise<void> {
      await ensureLimitDoc(provider);
      for (;;) {
        const now = Date.now();
        const second = Math.floor(now / 1000);
        const taken =
          (await Limit.updateOne({ _id: provider, window: second, calls: { $lt: perSecond }, pausedUntil: { $lte: new Date(now) } }, { $inc: { calls: 1 } }))
            .modifiedCount === 1 ||
          (await Limit.updateOne({ _id: provider, window: { $lt: second }, pausedUntil: { $lte: new Date(now) } }, { $set: { window: second, calls: 1 } }))
            .modifiedCount === 1;
        if (taken) return;
        signal?.throwIfAborted();
        const limit = await Limit.findById(provider).lean<ProviderLimitRecord>();
        const pausedFor = limit ? limit.pausedUntil.getTime() - now : 0;
        await sleep(Math.max(20, Math.min(pausedFor > 0 ? pausedFor : 1000 - (now % 1000), 5000)));
      }
    },

    /** A 429 with Retry-After: every replica holds its calls to this provider until then. */
    async pause(provider: string, ms: number): Promise<void> {
      await ensureLimitDoc(provider);
      await Limit.updateOne({ _id: provider }, { $max: { pausedUntil: new Date(Date.now() + ms) } });
    },
  };
}

export type ProviderJobs = ReturnType<typeof createProviderJobs>;
