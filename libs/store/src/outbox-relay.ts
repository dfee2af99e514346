// The outbox relay: every writer of tasks runs one. It republishes outbox entries that stayed
// unpublished (the broker was down, or the process died between write and publish). Consumers
// are idempotent, so an entry published twice changes nothing twice.
import type { TaskRepository } from './task-repository';

export function startOutboxRelay(opts: {
  tasks: TaskRepository;
  everyMs: number;
  olderThanMs: number;
  onError?: (err: unknown) => void;
}): { stop(): Promise<void>; runOnce(): Promise<number> } {
  let running: Promise<number> | null = null;
  async function runOnce(): Promise<number> {
    const stale = await opts.tasks.withStaleOutbox(new Date(Date.now() - opts.olderThanMs));
    let published = 0;
    for (const t of stale) {
      const due = t.outbox.filter((e) => e.createdAt.getTime() < Date.now() - opts.olderThanMs);
      await opts.tasks.flush(t._id, due);
      published += due.length;
    }
    return published;
  }
  const timer = setInterval(() => {
    if (running) return;
    running = runOnce()
      .catch((err) => {
        opts.onError?.(err);
        return 0;
      })
      .finally(() => (running = null));
  }, opts.everyMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
