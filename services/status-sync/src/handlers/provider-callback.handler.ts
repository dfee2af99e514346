// A provider webhook, verified by the gateway: apply it to the task waiting on that job.
// A status in the event is the provider's signed word (Replicate); an event without one is a
// hint from a provider that does not sign (RunningHub, Grsai), and the job's state and outputs
// are read from the provider's own API before anything changes. An event from a callback URL
// bound to one task may speak of that task's job only. Replays change nothing twice: every
// write is conditional on the task still waiting on the job.
import { ProviderCallbackV1, type PayloadOf } from '@loom/contracts';
import type { ReceivedMessage } from '@loom/messaging';
import type { Provider } from '@loom/providers';
import { inTaskTrace, traceProviderCall } from '@loom/telemetry';
import { applyProviderStatus, type FollowDeps } from '../follow-task';

export function createProviderCallbackHandler(deps: FollowDeps & { providers: (name: string) => Provider }) {
  return async function onProviderCallback({ envelope: env }: ReceivedMessage<PayloadOf<typeof ProviderCallbackV1>>): Promise<void> {
    const { provider, externalId, taskId } = env.payload;
    const task = await deps.store.tasks.findByExternalId(provider, externalId);
    if (!task || task.status !== 'running') {
      deps.logger.debug({ provider, externalId }, 'webhook for a job no task waits on; ignored');
      return;
    }
    if (taskId !== undefined && taskId !== task._id) {
      deps.logger.warn({ provider, externalId, boundTo: taskId, taskId: task._id }, 'webhook names a job of another task than its callback URL was issued for; ignored');
      return;
    }
    // Continues the task's trace, linked to the webhook's own request trace.
    await inTaskTrace(task.traceHeaders, 'apply provider webhook', { 'loom.task.id': task._id, 'loom.provider.name': provider }, async () => {
      let status = env.payload.status;
      if (!status) {
        await deps.store.providerJobs.acquireCall(provider, deps.policy(provider).callsPerSecond);
        status = await traceProviderCall(provider, 'get_status', () => deps.providers(provider).getStatus(externalId));
      }
      // The answer must be about the job asked for: anything else is not evidence about this task.
      if (status.externalId !== externalId) {
        deps.logger.warn({ provider, externalId, answered: status.externalId }, 'provider status names another job; ignored');
        return;
      }
      await applyProviderStatus(deps, task, status);
    });
  };
}
