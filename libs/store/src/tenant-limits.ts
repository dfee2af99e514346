// Per-tenant submission limits, shared by every gateway replica: one small document per tenant
// in `tenant_limits` (written by the gateway only) holding the tenant's limit overrides (set by
// operators; absent fields take the deployment's defaults) and the shared state of its two
// limits:
//
// - `fullAt`: the submissions-per-second token bucket as one number (the gateway's
//   limits/token-bucket.ts explains it); a take is one conditional update.
// - `waiting`: an estimate of the tenant's unfinished tasks that never scans on the hot path.
//   Every accepted submission adds to it in the same update that takes its token; nothing
//   subtracts when a task ends (that would add a write to every task's finish). Instead it is
//   recounted from the tasks collection when it would refuse (at most once per recount
//   interval, by one replica), so it only ever errs high between recounts, which is the safe
//   side, and heals whatever a crash left. `epoch` counts recounts: a replica giving back
//   slots it reserved but did not use does so only if no recount happened since (the recount
//   already dropped them).
//
// The collection stays small (a document per tenant that submitted), so the stand-in's scan
// of it for a conditional update costs little.
import { Schema, type Connection, type Model } from 'mongoose';

/** Per-tenant overrides; a missing field means the deployment default. */
export interface TenantLimitOverrides {
  submitsPerSecond?: number;
  burst?: number;
  maxWaiting?: number;
}

export interface TenantLimitRecord {
  _id: string; // tenant id
  limits: TenantLimitOverrides;
  /** Epoch ms when the submissions bucket is full again (<= now: full). */
  fullAt: number;
  /** Estimated unfinished tasks (errs high between recounts). */
  waiting: number;
  /** Epoch ms of the last recount (0: never, or the estimate must be recounted before use). */
  countedAt: number;
  epoch: number;
  updatedAt: Date;
}

/** One conditional take: the bucket step (when the rate is limited) and the slots reserved. */
export interface TenantLimitTake {
  bucket?: { fullAtAbove?: number; fullAtAtMost: number; setFullAt?: number; incFullAt?: number };
  /** Slots added to `waiting`; with `waitingAtMost`, only while waiting is at most that. */
  reserve: number;
  waitingAtMost?: number;
  /** Marks the estimate stale (countedAt 0): waiting is unlimited, so nothing keeps it meanwhile. */
  staleCount?: boolean;
}

const schema = new Schema<TenantLimitRecord>(
  {
    _id: String,
    limits: { type: Schema.Types.Mixed, default: {} },
    fullAt: { type: Number, default: 0 },
    waiting: { type: Number, default: 0 },
    countedAt: { type: Number, default: 0 },
    epoch: { type: Number, default: 0 },
    updatedAt: Date,
  },
  { collection: 'tenant_limits', versionKey: false, minimize: false },
);

const FRESH = { limits: {}, fullAt: 0, waiting: 0, countedAt: 0, epoch: 0 };
const isDuplicate = (err: unknown) => (err as { code?: number }).code === 11000;

export function createTenantLimits(conn: Connection) {
  const Limits: Model<TenantLimitRecord> = conn.models.TenantLimit ?? conn.model<TenantLimitRecord>('TenantLimit', schema);

  /** Creates the tenant's document when missing (two replicas may race: one insert wins). */
  async function ensure(tenantId: string): Promise<void> {
    await Limits.updateOne({ _id: tenantId }, { $setOnInsert: { ...FRESH, updatedAt: new Date() } }, { upsert: true }).catch((err) => {
      if (!isDuplicate(err)) throw err;
    });
  }

  return {
    model: Limits,

    /** The tenant's document, created (no overrides, empty state) when missing. */
    async read(tenantId: string): Promise<TenantLimitRecord> {
      const doc = await Limits.findById(tenantId).lean<TenantLimitRecord>();
      if (doc) return doc;
      await ensure(tenantId);
      return (await Limits.findById(tenantId).lean<TenantLimitRecord>())!;
    },

    /** One conditional update; the document after it, or null when its conditions did not hold (or there is no document). */
    take(tenantId: string, t: TenantLimitTake): Promise<TenantLimitRecord | null> {
      const filter: Record<string, unknown> = { _id: tenantId };
      const update: { $inc: Record<string, number>; $set?: Record<string, number> } = { $inc: {} };
      if (t.bucket) {
        filter.fullAt = { ...(t.bucket.fullAtAbove !== undefined ? { $gt: t.bucket.fullAtAbove } : {}), $lte: t.bucket.fullAtAtMost };
        if (t.bucket.setFullAt !== undefined) update.$set = { fullAt: t.bucket.setFullAt };
        else update.$inc.fullAt = t.bucket.incFullAt ?? 0;
      }
      if (t.staleCount) update.$set = { ...update.$set, countedAt: 0 };
      if (t.waitingAtMost !== undefined) filter.waiting = { $lte: t.waitingAtMost };
      if (t.reserve) update.$inc.waiting = t.reserve;
      const { $inc, $set } = update;
      return Limits.findOneAndUpdate(filter, { ...(Object.keys($inc).length ? { $inc } : {}), ...($set ? { $set } : {}) }, { returnDocument: 'after' }).lean<TenantLimitRecord>().exec();
    },

    /** Returns reserved slots that were not used, unless a recount happened since they were taken. */
    async giveBack(tenantId: string, slots: number, epoch: number): Promise<void> {
      if (slots > 0) await Limits.updateOne({ _id: tenantId, epoch }, { $inc: { waiting: -slots } });
    },

    /**
     * Claims the tenant's recount when the last one is older than `countedBefore` (one replica
     * wins). Returns the document as it was at the claim (its `waiting` is what the count
     * corrects), or null when someone counted since.
     */
    claimRecount(tenantId: string, now: number, countedBefore: number): Promise<TenantLimitRecord | null> {
      return Limits.findOneAndUpdate({ _id: tenantId, countedAt: { $lt: countedBefore } }, { $set: { countedAt: now }, $inc: { epoch: 1 } }, { returnDocument: 'before' })
        .lean<TenantLimitRecord>()
        .exec();
    },

    /**
     * Ends a recount: `counted` unfinished tasks were found where the estimate said
     * `estimateAtClaim`. Applied as a difference, so the reservations made meanwhile stay.
     */
    async finishRecount(tenantId: string, estimateAtClaim: number, counted: number): Promise<TenantLimitRecord | null> {
      return Limits.findOneAndUpdate({ _id: tenantId }, { $inc: { waiting: counted - estimateAtClaim } }, { returnDocument: 'after' }).lean<TenantLimitRecord>().exec();
    },

    /**
     * Sets (a number) or clears (null) the tenant's overrides; fields not given stay. The
     * estimate is marked for a recount, since it is not kept while waiting is unlimited.
     */
    async setOverrides(tenantId: string, changes: { [K in keyof TenantLimitOverrides]?: number | null }): Promise<TenantLimitRecord> {
      await ensure(tenantId);
      const $set: Record<string, unknown> = { countedAt: 0, updatedAt: new Date() };
      const $unset: Record<string, ''> = {};
      for (const [k, v] of Object.entries(changes)) {
        if (v === null) $unset[`limits.${k}`] = '';
        else if (v !== undefined) $set[`limits.${k}`] = v;
      }
      const doc = await Limits.findOneAndUpdate({ _id: tenantId }, { $set, ...(Object.keys($unset).length ? { $unset } : {}) }, { returnDocument: 'after' }).lean<TenantLimitRecord>();
      return doc!;
    },
  };
}

export type TenantLimits = ReturnType<typeof createTenantLimits>;
