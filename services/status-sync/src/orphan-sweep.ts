// Provider jobs still running whose task already ended or is gone (after a crash, or a cancel
// whose provider call failed) are cancelled: a provider job left running costs money. And
// in-flight slots whose holder is gone (an executor killed between taking a slot and recording
// the job, whose task then ended or moved on) are freed, so crashes cannot stall a provider.
import type { Provider } from '@loom/providers';
import type { ProviderPolicy } from '@loom/config';
import { isTerminal, type Store } from '@loom/store';
import type { Logger } from '@loom/telemetry';

export async function sweepOrphanJobs(deps: {
  store: Store;
  providers: (name: string) => Provider;
  policy: (name: string) => ProviderPolicy;
  logger: Logger;
}): Promise<number> {
  let cancelled = 0;
  for (const job of await deps.store.providerJobs.openJobs()) {
    // A job opened in the last minute may not be recorded on its task yet.
    if (job.createdAt.getTime() > Date.now() - 60_000) continue;
    const task = await deps.store.tasks.get(job.taskId);
    if (task && !isTerminal(task.status) && task.externalId === job.externalId) continue;
    try {
      await deps.store.providerJobs.acquireCall(job.provider, deps.policy(job.provider).callsPerSecond);
      await deps.providers(job.provider).cancel(job.externalId);
      if (await deps.store.providerJobs.close(job.provider, job.externalId)) cancelled++;
      deps.logger.info({ taskId: job.taskId, provider: job.provider, externalId: job.externalId }, 'cancelled an orphaned provider job');
    } catch (err) {
      deps.logger.warn({ provider: job.provider, externalId: job.externalId, err: (err as Error).message }, 'orphan cancel failed; will retry');
    }
  }
  await deps.store.providerJobs.healSlots(async (provider, holder) => {
    const task = await deps.store.tasks.get(holder.taskId);
    const live = !!task && !isTerminal(task.status) && task.status !== 'delayed' && task.attempt === holder.attempt;
    if (!live) deps.logger.info({ provider, taskId: holder.taskId, attempt: holder.attempt, status: task?.status ?? 'gone' }, 'freed an in-flight slot whose holder is gone');
    return live;
  });
  return cancelled;
}
