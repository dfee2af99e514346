// What a provider's status means for a task waiting on it. Every write is conditional on the
// task still waiting on that job, so a webhook, a poll and a cancel that race leave one answer.
import type { ProviderPolicy } from '@loom/config';
import type { ProviderStatus } from '@loom/providers';
import type { ObjectStorage } from '@loom/storage';
import type { Store, TaskRecord } from '@loom/store';
import type { Logger } from '@loom/telemetry';
import { ingestOutputs } from './ingest-outputs';

export type FollowOutcome = 'succeeded' | 'failed' | 'updated' | 'unchanged';

export interface FollowDeps {
  store: Store;
  storage: ObjectStorage;
  logger: Logger;
  instanceId: string;
  ingestLeaseMs: number;
  policy: (provider: string) => ProviderPolicy;
}

export async function applyProviderStatus(deps: FollowDeps, task: TaskRecord, status: ProviderStatus): Promise<FollowOutcome> {
  const { store } = deps;
  const provider = task.provider!;
  switch (status.state) {
    case 'queued':
    case 'running': {
      if (status.progress === undefined) return 'unchanged';
      return (await store.tasks.providerProgress(task._id, task.externalId!, Math.round(status.progress), status.message)) ? 'updated' : 'unchanged';
    }
    case 'succeeded': {
      const outcome = await ingestOutputs(deps, task, status.outputs ?? [], deps.policy(provider));
      if (outcome === 'succeeded' || outcome === 'failed') await store.providerJobs.close(provider, task.externalId!);
      return outcome === 'succeeded' ? 'succeeded' : outcome === 'failed' ? 'failed' : 'unchanged';
    }
    case 'cancelled':
    case 'failed': {
      // Cancelled because the executor cancelled it (the task's cancel or timeout): the
      // executor writes the true reason; a provider that cancelled on its own fails the task.
      const cancelledByUs = task.cancelRequestedAt || (task.startedAt && task.startedAt.getTime() + task.timeoutMs <= Date.now());
      if (status.state === 'cancelled' && cancelledByUs) return 'unchanged';
      const cls = status.error?.class ?? 'permanent';
      const failed = await store.tasks.providerFailed(task._id, task.externalId!, {
        code: status.state === 'cancelled' ? 'PROVIDER_CANCELLED' : `PROVIDER_${cls.toUpperCase()}`,
        message: status.error?.message ?? `the provider reports the job ${status.state}`,
        retryable: false,
      });
      await store.providerJobs.close(provider, task.externalId!);
      return failed ? 'failed' : 'unchanged';
    }
  }
}
