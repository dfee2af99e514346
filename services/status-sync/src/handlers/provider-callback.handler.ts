// A provider webhook, verified by the gateway: apply the status it carries (or ask the
// provider) to the task waiting on that job. Replays change nothing twice: every write is
// conditional on the task still waiting on the job.
import { parseEnvelope, ProviderCallbackV1 } from '@loom/contracts';
import type { Delivery } from '@loom/messaging';
import type { Provider } from '@loom/providers';
import { inTaskTrace, traceProviderCall } from '@loom/telemetry';
import { applyProviderStatus, type FollowDeps } from '../follow-task';

export function createProviderCallbackHandler(deps: FollowDeps & { providers: (name: string) => Provider }) {
  return async function onProviderCallback(d: Delivery): Promise<void> {
    const env = parseEnvelope(ProviderCallbackV1, d.body);
    const { provider, externalId } = env.payload;
    const task = await deps.store.tasks.findByExternalId(provider, externalId);
    if (!task || task.status !== 'running') {
      deps.logger.debug({ provider, externalId }, 'webhook for a job no task waits on; ignored');
      return;
    }
    // Continues the task's trace, linked to the webhook's own request trace.
    await inTaskTrace(task.traceHeaders, 'apply provider webhook', { 'loom.task.id': task._id, 'loom.provider.name': provider }, async () => {
      let status = env.payload.status;
      if (!status) {
        await deps.store.providerJobs.acquireCall(provider, deps.policy(provider).callsPerSecond);
        status = await traceProviderCall(provider, 'get_status', () => deps.providers(provider).getStatus(externalId));
      }
      await applyProviderStatus(deps, task, status);
    });
  };
}
