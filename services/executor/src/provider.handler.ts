// The executor's implementation of handler `provider`: submit the task to its provider once
// (a task that already has an external id resumes instead: no second submission, no second
// bill), then hold the type's delivery while status-sync follows the job and ends the task.
// Cancel and timeout cancel the provider job (a job left running costs money); a shutdown
// leaves it running for the standby to resume.
import type { ProviderPolicy, TaskTypes } from '@loom/config';
import { abortableDelay, FINISHED_ELSEWHERE, providerHandlerSpec, TaskFailure, type TaskHandler } from '@loom/handlers';
import { isProviderError, type Provider } from '@loom/providers';
import { isTerminal, type Store } from '@loom/store';
import { recordProviderPause, traceProviderCall, type Logger } from '@loom/telemetry';
import { abortKindOf } from './abort-reasons';

export interface ProviderHandlerDeps {
  store: Store;
  types: TaskTypes;
  providers: (name: string) => Provider;
  policy: (name: string) => ProviderPolicy;
  /** Public base URL of the gateway; when set, providers call back at /v1/webhooks/:provider. */
  publicBaseUrl?: string;
  /** How often the waiting executor looks at the task (its heartbeat renews the lease anyway). */
  checkEveryMs: number;
  logger: Logger;
}

export function createProviderHandler(deps: ProviderHandlerDeps): TaskHandler {
  const { store } = deps;
  return {
    ...providerHandlerSpec,
    async run(ctx) {
      const cfg = deps.types[ctx.task.type]?.provider;
      if (!cfg) throw new TaskFailure('NO_PROVIDER', `task type ${ctx.task.type} names no provider`, false);
      const provider = deps.providers(cfg.name);
      const policy = deps.policy(cfg.name);
      let externalId: string;
      if (ctx.externalId) {
        externalId = ctx.externalId;
        await ctx.log('info', `resuming ${cfg.name} job ${externalId}; not submitting again`);
      } else {
        await store.providerJobs.acquireSlot(cfg.name, policy.maxInFlight, ctx.signal);
        try {
          externalId = await submitWithBackoff(deps, provider, cfg, policy, ctx);
        } catch (err) {
          await store.providerJobs.releaseSlot(cfg.name);
          throw await asTaskFailure(err, cfg.name, store);
        }
        await store.providerJobs.opened({ provider: cfg.name, externalId, taskId: ctx.task.id, tenantId: ctx.task.tenantId });
        if (!(await ctx.recordExternalJob(cfg.name, externalId))) {
          // The lease went while we submitted: do not leave a paid job nobody follows.
          await provider.cancel(externalId).catch(() => undefined);
          await store.providerJobs.close(cfg.name, externalId);
          throw new TaskFailure('LEASE_LOST', 'lost the task lease while submitting to the provider', true);
        }
        await ctx.log('info', `submitted to ${cfg.name} as ${externalId}${deps.publicBaseUrl ? ' (webhook)' : ' (polling)'}`);
      }

      try {
        for (;;) {
          await abortableDelay(deps.checkEveryMs, ctx.signal);
          const t = await store.tasks.get(ctx.task.id);
          if (!t || isTerminal(t.status)) return FINISHED_ELSEWHERE;
        }
      } catch (err) {
        const kind = abortKindOf(ctx.signal);
        if (kind === 'cancelled' || kind === 'timeout') {
          try {
            await store.providerJobs.acquireCall(cfg.name, policy.callsPerSecond);
            await traceProviderCall(cfg.name, 'cancel', () => provider.cancel(externalId));
            await store.providerJobs.close(cfg.name, externalId);
            await ctx.log('info', `cancelled ${cfg.name} job ${externalId}`);
          } catch (cancelErr) {
            // The orphan sweep in status-sync cancels it later.
            deps.logger.warn({ taskId: ctx.task.id, err: (cancelErr as Error).message }, 'provider cancel failed; left to the sweep');
          }
        }
        throw err;
      }
    },
  };
}

/**
 * A 429 is the provider asking us to slow down, not the task failing: it pauses that
 * provider for every replica (Retry-After) and tries again within this attempt, as long as the
 * task's own timeout allows. A 5xx or network error gets a few quick retries here before it
 * counts against the task's attempts.
 */
async function submitWithBackoff(
  deps: ProviderHandlerDeps,
  provider: Provider,
  cfg: { name: string; settings: Record<string, unknown> },
  policy: ProviderPolicy,
  ctx: Parameters<TaskHandler['run']>[0],
): Promise<string> {
  let transientTries = 0;
  for (let i = 0; ; i++) {
    await deps.store.providerJobs.acquireCall(cfg.name, policy.callsPerSecond, ctx.signal);
    try {
      const { externalId } = await traceProviderCall(cfg.name, 'submit', () =>
        provider.submit({
          taskId: ctx.task.id,
          input: ctx.input as Record<string, unknown>,
          settings: cfg.settings,
          webhookUrl: deps.publicBaseUrl ? `${deps.publicBaseUrl.replace(/\/$/, '')}/v1/webhooks/${cfg.name}` : undefined,
          // A callback URL bound to this task outlives the longest the task may run, and no more.
          callbackExpiresAt: new Date(Date.now() + (deps.types[ctx.task.type]?.maxTimeoutMs ?? 6 * 3600_000) + 3600_000),
          signal: ctx.signal,
        }),
      );
      return externalId;
    } catch (err) {
      if (!isProviderError(err) || ctx.signal.aborted) throw err;
      if (err.errorClass === 'rate_limited') {
        recordProviderPause(cfg.name);
        await deps.store.providerJobs.pause(cfg.name, err.retryAfterMs ?? Math.min(30_000, 1000 * 2 ** Math.min(i, 5)));
        continue;
      }
      if (err.errorClass === 'transient' && ++transientTries < 3) {
        await abortableDelay(500 * 2 ** transientTries, ctx.signal);
        continue;
      }
      throw err;
    }
  }
}

async function asTaskFailure(err: unknown, provider: string, store: Store): Promise<unknown> {
  if (!isProviderError(err)) return err;
  const e = err;
  if (e.errorClass === 'rate_limited') {
    recordProviderPause(provider);
    await store.providerJobs.pause(provider, err.retryAfterMs ?? 5_000);
  }
  return new TaskFailure(`PROVIDER_${e.errorClass.toUpperCase()}`, e.message, e.retryable);
}
