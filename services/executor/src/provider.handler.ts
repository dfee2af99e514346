// The executor's implementation of handler `provider`: submit the task to its provider once
// (a task that already has an external id resumes instead: no second submission, no second
// bill), then hold the type's delivery while status-sync follows the job and ends the task.
// Cancel and timeout cancel the provider job (a job left running costs money); a shutdown
// leaves it running for the standby to resume.
//
// Paid work happens once: the submission is recorded BEFORE the provider is called. A submit
// whose outcome is unknown (timed out or broke after it may have reached the provider), or a
// run that finds a submission begun by an earlier run of the same attempt (its executor died
// mid-call), never submits blindly again: it asks the provider whether the job exists where
// the adapter can (Provider.findJob), else the type's `onUnknownSubmit` decides (default:
// fail the task rather than pay twice).
import type { ProviderPolicy, TaskTypes } from '@loom/config';
import { abortableDelay, FINISHED_ELSEWHERE, providerHandlerSpec, TaskFailure, type TaskHandler } from '@loom/handlers';
import { isProviderError, ProviderError, type Provider, type SubmitRequest } from '@loom/providers';
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
        const run = { taskId: ctx.task.id, attempt: ctx.task.attempt };
        await store.providerJobs.acquireSlot(cfg.name, policy.maxInFlight, run, ctx.signal);
        try {
          externalId = await submitOnce(deps, provider, cfg, policy, ctx);
        } catch (err) {
          await store.providerJobs.releaseSlot(cfg.name, ctx.task.id);
          throw await asTaskFailure(err, cfg.name, store);
        }
        await store.providerJobs.opened({ provider: cfg.name, externalId, taskId: ctx.task.id, tenantId: ctx.task.tenantId, attempt: ctx.task.attempt });
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

type ProviderCfg = { name: string; settings: Record<string, unknown>; onUnknownSubmit?: 'fail' | 'resubmit' };
type Ctx = Parameters<TaskHandler['run']>[0];

/** One task attempt's submission: who submits what, where. */
interface Submitting {
  deps: ProviderHandlerDeps;
  provider: Provider;
  cfg: ProviderCfg;
  policy: ProviderPolicy;
  ctx: Ctx;
  request: Omit<SubmitRequest, 'signal'>;
}

/** Thrown inside submitWithBackoff when the provider may have made a job although we got no answer. */
class OutcomeUnknown extends Error {
  constructor(readonly providerError: ProviderError) {
    super(providerError.message);
  }
}

/**
 * Submits this task attempt's job exactly once: the submission is recorded first; an earlier
 * run's unfinished submission, or an unknown outcome now, goes to `resolveUnknown` instead of
 * a second submit.
 */
async function submitOnce(deps: ProviderHandlerDeps, provider: Provider, cfg: ProviderCfg, policy: ProviderPolicy, ctx: Ctx): Promise<string> {
  const { store } = deps;
  const request: Omit<SubmitRequest, 'signal'> = {
    taskId: ctx.task.id,
    input: ctx.input as Record<string, unknown>,
    settings: cfg.settings,
    webhookUrl: deps.publicBaseUrl ? `${deps.publicBaseUrl.replace(/\/$/, '')}/v1/webhooks/${cfg.name}` : undefined,
    // A callback URL bound to this task outlives the longest the task may run, and no more.
    callbackExpiresAt: new Date(Date.now() + (deps.types[ctx.task.type]?.maxTimeoutMs ?? 6 * 3600_000) + 3600_000),
  };
  const s: Submitting = { deps, provider, cfg, policy, ctx, request };
  const earlier = await store.providerJobs.submission(ctx.task.id, ctx.task.attempt);
  if (earlier?.externalId) return earlier.externalId; // accepted and named; only the task write was lost
  if (earlier) {
    await ctx.log('warn', `an earlier run of this attempt began submitting to ${cfg.name} at ${earlier.startedAt.toISOString()} and never learnt the answer`);
    const found = await resolveUnknown(s, earlier.startedAt, 'the executor running it vanished mid-call');
    if (found) return found;
  }
  const begun = await store.providerJobs.beginSubmission({ provider: cfg.name, taskId: ctx.task.id, tenantId: ctx.task.tenantId, attempt: ctx.task.attempt });
  try {
    return await submitWithBackoff(s);
  } catch (err) {
    if (err instanceof OutcomeUnknown) {
      const found = await resolveUnknown(s, begun.startedAt, err.providerError.message);
      if (found) return found;
      return submitWithBackoff(s); // resolveUnknown allowed one more submit
    }
    // The provider refused outright (or the input was bad): it made no job.
    if (isProviderError(err)) await store.providerJobs.submissionRefused(ctx.task.id, ctx.task.attempt).catch(() => undefined);
    throw err;
  }
}

/**
 * A submit may have made a job. Returns its id when the provider finds one; returns null when
 * submitting again is allowed (the provider says there is none, or the type's policy is
 * "resubmit"); throws PROVIDER_SUBMIT_UNKNOWN otherwise.
 */
async function resolveUnknown({ deps, provider, cfg, policy, ctx, request }: Submitting, since: Date, why: string): Promise<string | null> {
  if (provider.findJob) {
    await deps.store.providerJobs.acquireCall(cfg.name, policy.callsPerSecond, ctx.signal);
    const found = await traceProviderCall(cfg.name, 'find_job', () => provider.findJob!({ ...request, since, signal: ctx.signal }));
    if (found) {
      await ctx.log('info', `${cfg.name} has the job this task's earlier submit made (${found.externalId}): following it, not submitting again`);
      return found.externalId;
    }
    await ctx.log('info', `${cfg.name} made no job for the earlier submit; submitting`);
    return null;
  }
  if (cfg.onUnknownSubmit === 'resubmit') {
    await ctx.log('warn', `${cfg.name} may have a job from the earlier submit (${why}); the type allows submitting again (onUnknownSubmit: resubmit)`);
    return null;
  }
  throw new TaskFailure(
    'PROVIDER_SUBMIT_UNKNOWN',
    `${cfg.name} may have accepted this task's job (${why}) and offers no way to find it; not submitting again, so it is not paid twice. ` +
      `Check the provider's dashboard; a retry of the task submits a new job (or set provider.onUnknownSubmit: "resubmit" on the type).`,
    false,
  );
}

/**
 * A 429 is the provider asking us to slow down, not the task failing: it pauses that
 * provider for every replica (Retry-After) and tries again within this attempt, as long as the
 * task's own timeout allows. A 5xx that certainly made no job gets a few quick retries here
 * before it counts against the task's attempts; a failure after which a job may exist (a
 * timeout, a broken connection) is never retried blindly: it throws OutcomeUnknown.
 */
async function submitWithBackoff({ deps, provider, cfg, policy, ctx, request }: Submitting): Promise<string> {
  let transientTries = 0;
  for (let i = 0; ; i++) {
    await deps.store.providerJobs.acquireCall(cfg.name, policy.callsPerSecond, ctx.signal);
    try {
      const { externalId } = await traceProviderCall(cfg.name, 'submit', () => provider.submit({ ...request, signal: ctx.signal }));
      return externalId;
    } catch (err) {
      if (!isProviderError(err) || ctx.signal.aborted) throw err;
      if (err.maybeAccepted) throw new OutcomeUnknown(err);
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
