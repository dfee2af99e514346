// The batched status sync of seed 000: every task waiting on a provider that has not been
// heard from is polled, within each provider's shared call rate; one round returns
// {total, updated, succeeded, failed, stillProcessing, errors}.
import { isProviderError, type Provider } from '@loom/providers';
import type { ProviderPolicy } from '@loom/config';
import { inTaskTrace, recordProviderPause, traceProviderCall } from '@loom/telemetry';
import { applyProviderStatus, type FollowDeps } from './follow-task';

export interface RoundResult {
  total: number;
  updated: number;
  succeeded: number;
  failed: number;
  stillProcessing: number;
  errors: number;
}

export async function pollRound(
  deps: FollowDeps & { providers: (name: string) => Provider; policy: (name: string) => ProviderPolicy },
  lastPolled: Map<string, number>,
): Promise<RoundResult> {
  const r: RoundResult = { total: 0, updated: 0, succeeded: 0, failed: 0, stillProcessing: 0, errors: 0 };
  const waiting = await deps.store.tasks.awaitingProvider();
  const now = Date.now();
  await Promise.all(
    groupBy(waiting, (t) => t.provider ?? '').map(async ([provider, tasks]) => {
      const policy = deps.policy(provider);
      const adapter = deps.providers(provider);
      for (const task of tasks) {
        if (now - (lastPolled.get(task._id) ?? 0) < policy.pollEveryMs) continue;
        lastPolled.set(task._id, now);
        r.total++;
        try {
          const outcome = await inTaskTrace(task.traceHeaders, 'status-sync poll', { 'loom.task.id': task._id, 'loom.provider.name': provider }, async () => {
            await deps.store.providerJobs.acquireCall(provider, policy.callsPerSecond);
            const status = await traceProviderCall(provider, 'get_status', () => adapter.getStatus(task.externalId!));
            return applyProviderStatus(deps, task, status);
          });
          if (outcome === 'succeeded') r.succeeded++;
          else if (outcome === 'failed') r.failed++;
          else {
            r.stillProcessing++;
            if (outcome === 'updated') r.updated++;
          }
        } catch (err) {
          r.errors++;
          // A provider outage or a 429 leaves the task waiting, not failed: the task's own
          // timeout (executor) decides when to give up.
          if (isProviderError(err) && err.errorClass === 'rate_limited') {
            recordProviderPause(provider);
            await deps.store.providerJobs.pause(provider, err.retryAfterMs ?? 5_000);
          }
          deps.logger.warn({ taskId: task._id, provider, err: (err as Error).message }, 'status poll failed');
        }
      }
    }),
  );
  for (const id of lastPolled.keys()) if (!waiting.some((t) => t._id === id)) lastPolled.delete(id);
  return r;
}

function groupBy<T>(items: T[], key: (t: T) => string): [string, T[]][] {
  const m = new Map<string, T[]>();
  for (const i of items) m.set(key(i), [...(m.get(key(i)) ?? []), i]);
  return [...m.entries()];
}
