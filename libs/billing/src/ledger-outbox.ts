// The ledger's outbox: events stored in the entry of the movement they announce, published
// (with confirms) once it applied, then removed. A relay republishes what stayed behind (the
// broker was down, or settlement died between the write and the publish). Consumers are
// idempotent by message id, so an event published twice changes nothing twice.
import type { OutboxPublish } from '@loom/store';
import type { Ledger } from './ledger';
import type { BillingModels, LedgerEntryRecord } from './models';

export function createLedgerOutbox(models: BillingModels, ledger: Ledger, publish?: OutboxPublish) {
  const { LedgerEntry } = models;

  async function flush(entry: Pick<LedgerEntryRecord, '_id' | 'outbox'>): Promise<void> {
    if (!publish || !entry.outbox?.length) return;
    try {
      await publish(entry.outbox);
    } catch {
      return; // the relay publishes them later
    }
    const ids = entry.outbox.map((e) => e.id);
    await LedgerEntry.updateOne({ _id: entry._id }, { $pull: { outbox: { id: { $in: ids } } } }).catch(() => undefined);
  }

  /** Publishes entries whose events are older than `olderThanMs`; how many events went out. */
  async function relayOnce(olderThanMs: number): Promise<number> {
    const cutoff = new Date(Date.now() - olderThanMs);
    const stale = await LedgerEntry.find({ 'outbox.createdAt': { $lt: cutoff } }, { outbox: 1, tenantId: 1 }).limit(200).lean<LedgerEntryRecord[]>();
    let published = 0;
    for (const e of stale) {
      // Announce only what the account shows: finish a half-done movement first.
      await ledger.catchUp(e.tenantId);
      const due = e.outbox.filter((o) => o.createdAt < cutoff);
      await flush({ _id: e._id, outbox: due });
      published += due.length;
    }
    return published;
  }

  return { flush, relayOnce };
}
export type LedgerOutbox = ReturnType<typeof createLedgerOutbox>;

export function startLedgerRelay(opts: {
  outbox: LedgerOutbox;
  everyMs: number;
  olderThanMs: number;
  onError?: (err: unknown) => void;
}): { stop(): Promise<void> } {
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    running ??= opts.outbox
      .relayOnce(opts.olderThanMs)
      .catch((err) => opts.onError?.(err))
      .finally(() => (running = null));
  }, opts.everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
