// Provider jobs and provider limits: what the platform has running at each provider (so a
// job whose task ended or vanished after a crash is found and cancelled: a job left running
// costs money), the submissions begun (recorded BEFORE the provider is called, so a run that
// died or timed out mid-call leaves evidence that a paid job may exist), the per-provider
// limits every replica shares (in flight, calls per second, and a pause after a 429 that slows
// only that provider), and the webhook deliveries accepted.
//
// In-flight slots are self-healing: a slot is not a counter but an entry naming the task (and
// attempt) that holds it, in an array on the provider's limit document, taken by one
// conditional $push that matches only while fewer than `max` entries exist. A slot whose holder
// died is therefore recognisable: `healSlots` drops entries whose task has ended or moved to
// another attempt, so a crash between taking a slot and recording the job cannot leak it.
import { Schema, type Connection, type Model } from 'mongoose';
import { createWebhookDeliveries } from './webhook-deliveries';

export interface ProviderJobRecord {
  _id: string; // provider:externalId
  provider: string;
  externalId: string;
  taskId: string;
  tenantId: string;
  /** The task attempt that submitted it (absent on jobs recorded before attempts were kept). */
  attempt?: number;
  open: boolean;
  createdAt: Date;
  closedAt?: Date | null;
}

export interface SlotHolder {
  /** The task holding the slot (one slot per task: a takeover of the same run reuses it). */
  taskId: string;
  attempt: number;
  at: Date;
}

/** A submission begun: the provider may have a job for this task attempt from this moment on. */
export interface ProviderSubmissionRecord {
  _id: string; // taskId:attempt
  provider: string;
  taskId: string;
  tenantId: string;
  attempt: number;
  startedAt: Date;
  /** Set once the provider's answer named the job. */
  externalId?: string | null;
}

export interface ProviderLimitRecord {
  _id: string; // provider name
  /** Who holds the in-flight slots; its length is the provider's count in flight. */
  holders: SlotHolder[];
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
    attempt: Number,
    open: { type: Boolean, required: true },
    createdAt: { type: Date, required: true },
    closedAt: Date,
  },
  { collection: 'provider_jobs', versionKey: false },
);
jobSchema.index({ open: 1, createdAt: 1 });

const limitSchema = new Schema<ProviderLimitRecord>(
  { _id: String, holders: { type: Schema.Types.Mixed, default: [] }, window: Number, calls: Number, pausedUntil: Date },
  { collection: 'provider_limits', versionKey: false },
);

const submissionSchema = new Schema<ProviderSubmissionRecord>(
  {
    _id: String,
    provider: { type: String, required: true },
    taskId: { type: String, required: true },
    tenantId: { type: String, required: true },
    attempt: { type: Number, required: true },
    startedAt: { type: Date, required: true },
    externalId: String,
  },
  { collection: 'provider_submissions', versionKey: false },
);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createProviderJobs(conn: Connection) {
  const Job: Model<ProviderJobRecord> = conn.models.ProviderJob ?? conn.model<ProviderJobRecord>('ProviderJob', jobSchema);
  const Limit: Model<ProviderLimitRecord> = conn.models.ProviderLimit ?? conn.model<ProviderLimitRecord>('ProviderLimit', limitSchema);
  const Submission: Model<ProviderSubmissionRecord> =
    conn.models.ProviderSubmission ?? conn.model<ProviderSubmissionRecord>('ProviderSubmission', submissionSchema);
  const submissionId = (taskId: string, attempt: number) => `${taskId}:${attempt}`;

  async function ensureLimitDoc(provider: string): Promise<void> {
    await Limit.updateOne(
      { _id: provider },
      { $setOnInsert: { holders: [], window: 0, calls: 0, pausedUntil: new Date(0) } },
      { upsert: true },
    ).catch((err) => {
      if ((err as { code?: number }).code !== 11000) throw err;
    });
  }

  return {
    models: { Job, Limit, Submission },
    /** Webhook deliveries already accepted (the gateway's durable, shared replay memory). */
    deliveries: createWebhookDeliveries(conn),

    /** The provider named the job: record it as open (and on its submission, if one was begun). */
    async opened(j: Omit<ProviderJobRecord, '_id' | 'open' | 'createdAt'>): Promise<void> {
      await Job.updateOne(
        { _id: `${j.provider}:${j.externalId}` },
        { $setOnInsert: { ...j, open: true, createdAt: new Date() } },
        { upsert: true },
      );
      if (j.attempt !== undefined) await Submission.updateOne({ _id: submissionId(j.taskId, j.attempt) }, { $set: { externalId: j.externalId } });
    },

    /** Closes a job once; returns true for the call that closed it (it frees its task's in-flight slot). */
    async close(provider: string, externalId: string): Promise<boolean> {
      const closed = await Job.findOneAndUpdate(
        { _id: `${provider}:${externalId}`, open: true },
        { $set: { open: false, closedAt: new Date() } },
        { projection: { taskId: 1, attempt: 1 } },
      ).lean<ProviderJobRecord>();
      if (!closed) return false;
      // Only the slot of the attempt that made this job: a later run of the task (a manual retry
      // after a cancel whose provider call failed) keeps its own.
      const holder = closed.attempt === undefined ? { taskId: closed.taskId } : { taskId: closed.taskId, attempt: closed.attempt };
      await Limit.updateOne({ _id: provider }, { $pull: { holders: holder } });
      return true;
    },

    // ---- Submissions: the intent, written before the provider is called ----

    /** Records that this task attempt is about to call the provider's submit. */
    async beginSubmission(s: Omit<ProviderSubmissionRecord, '_id' | 'startedAt' | 'externalId'>): Promise<ProviderSubmissionRecord> {
      const doc: ProviderSubmissionRecord = { _id: submissionId(s.taskId, s.attempt), ...s, startedAt: new Date() };
      await Submission.updateOne({ _id: doc._id }, { $set: { ...s, startedAt: doc.startedAt } }, { upsert: true });
      return doc;
    },

    /** A submission an earlier run of this task attempt began (it died, or never learnt the answer). */
    submission(taskId: string, attempt: number): Promise<ProviderSubmissionRecord | null> {
      return Submission.findById(submissionId(taskId, attempt)).lean<ProviderSubmissionRecord>().exec();
    },

    /** The provider answered that it made no job (a definite refusal): nothing is left to find. */
    async submissionRefused(taskId: string, attempt: number): Promise<void> {
      await Submission.deleteOne({ _id: submissionId(taskId, attempt), externalId: null });
    },

    openJobs(limit = 200): Promise<ProviderJobRecord[]> {
      return Job.find({ open: true }).sort({ createdAt: 1 }).limit(limit).lean<ProviderJobRecord[]>().exec();
    },

    /**
     * Takes one of the provider's `max` in-flight slots for `holder.taskId`, waiting (up to the
     * signal) while all are taken. Shared by every replica through one conditional $push; a task
     * that already holds one (a takeover of the same run) keeps it.
     */
    async acquireSlot(provider: string, max: number, holder: { taskId: string; attempt: number }, signal?: AbortSignal): Promise<void> {
      await ensureLimitDoc(provider);
      for (;;) {
        const entry: SlotHolder = { taskId: holder.taskId, attempt: holder.attempt, at: new Date() };
        const kept = await Limit.updateOne({ _id: provider, 'holders.taskId': holder.taskId }, { $set: { 'holders.$': entry } });
        if (kept.matchedCount === 1) return;
        const r = await Limit.updateOne(
          { _id: provider, 'holders.taskId': { $ne: holder.taskId }, [`holders.${max - 1}`]: { $exists: false } },
          { $push: { holders: entry } },
        );
        if (r.modifiedCount === 1) return;
        signal?.throwIfAborted();
        await sleep(250);
      }
    },

    async releaseSlot(provider: string, taskId: string): Promise<void> {
      await Limit.updateOne({ _id: provider }, { $pull: { holders: { taskId } } });
    },

    /** Who holds the provider's slots now (the count in flight is its length). */
    async slotHolders(provider: string): Promise<SlotHolder[]> {
      return (await Limit.findById(provider, { holders: 1 }).lean<ProviderLimitRecord>())?.holders ?? [];
    },

    /**
     * Drops slots whose holder is gone: `isLive(holder)` false (its task ended, vanished or moved
     * to another attempt). Entries younger than `minAgeMs` are left alone (their holder may not
     * have written anything yet). Returns how many were freed.
     */
    async healSlots(isLive: (provider: string, holder: SlotHolder) => Promise<boolean>, minAgeMs = 10_000): Promise<number> {
      let freed = 0;
      for (const limit of await Limit.find({}, { holders: 1 }).lean<ProviderLimitRecord[]>()) {
        for (const h of limit.holders ?? []) {
          if (Date.now() - new Date(h.at).getTime() < minAgeMs || (await isLive(limit._id, h))) continue;
          // Conditional on the very entry read: a holder that re-took its slot meanwhile keeps it.
          const r = await Limit.updateOne({ _id: limit._id }, { $pull: { holders: { taskId: h.taskId, attempt: h.attempt, at: h.at } } });
          freed += r.modifiedCount;
        }
      }
      return freed;
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
