// The heart of the executor: what happens to one task.run delivery. The delivery stays unacked
// until the task is terminal (that is what keeps a type serial). A lease in the task document
// (owner, token, expiry, renewed by heartbeat) fences every write, so an executor that lost its
// channel, and the standby that got the redelivery, never both act on one task.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { TaskTypes } from '@loom/config';
import { parseEnvelope, TaskLogV1, TaskProgressV1, TaskRunV1, type LogLevel } from '@loom/contracts';
import { FINISHED_ELSEWHERE, type TaskContext, type TaskHandler } from '@loom/handlers';
import { traceHeadersOf, type Bus, type Delivery } from '@loom/messaging';
import { outputKey, type ObjectStorage } from '@loom/storage';
import { isTerminal, type Lease, type Store, type TaskRecord, type TaskRef } from '@loom/store';
import { annotateActiveSpan, inSpan, inUploadSpan, LOOM, recordActiveSpanError, recordQueueWait, recordTaskError, recordTaskFinished, type Logger, type TaskOutcome } from '@loom/telemetry';
import { abortKindOf, TaskAborted } from './abort-reasons';
import { nextStep, toTaskError } from './failure-policy';
import { awaitHandler } from './stop-grace';
import { runHooks, type HandlerMiddleware, type RunLines } from './middleware';
import { createReadAhead } from './read-ahead';

export interface TaskRunnerDeps {
  store: Store;
  /** Where local handlers' outputs go (the same storage library status-sync uses). */
  storage?: ObjectStorage;
  bus: Bus;
  types: TaskTypes;
  handlers: Map<string, TaskHandler>;
  middlewares: HandlerMiddleware[];
  instanceId: string;
  leaseMs: number;
  heartbeatMs: number;
  logger: Logger;
}

interface ActiveRun {
  taskId: string;
  attempt: number;
  abort: AbortController;
  deliveries: Delivery[];
  done: Promise<void>;
}

/** Takeovers after which a task counts as poison (it keeps killing its executor). */
export const MAX_TAKEOVERS = 3;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createTaskRunner(deps: TaskRunnerDeps) {
  const { store, bus, types, handlers, middlewares, instanceId, leaseMs, heartbeatMs, logger } = deps;
  const active = new Map<string, ActiveRun>();
  let stopping = false;
  // The hot path of a busy type (read-ahead.ts has the why): the next deliveries' tasks as read
  // ahead, and the next task already started in the same write that ended the one before it.
  const readAhead = createReadAhead((ids) => store.tasks.getMany(ids));
  const preclaimed = new Map<Delivery, { task: TaskRecord; lease: Lease }>();

  /** A task started ahead for a delivery that will not run here after all: back to queued. */
  const releasing = new Set<Promise<unknown>>();
  async function releasePreclaimed(d: Delivery): Promise<void> {
    const pre = preclaimed.get(d);
    if (!pre) return;
    preclaimed.delete(d);
    const release = store.tasks
      .handBack(pre.task._id, pre.lease.token)
      .catch((err) => logger.warn({ taskId: pre.task._id, err: (err as Error).message }, 'could not hand back a task started ahead; its lease will lapse'));
    releasing.add(release);
    await release.finally(() => releasing.delete(release));
  }

  const newLease = (): Lease => ({ owner: instanceId, token: randomUUID(), expiresAt: new Date(Date.now() + leaseMs) });

  /** Deliveries arrived while a task of their type runs: their tasks are read now, off its critical path. */
  function onArrival(waiting: readonly Delivery[]): void {
    if (!stopping) readAhead.want(waiting);
  }

  /** One task.run delivery, from claim (or wait, or takeover) to ack. */
  async function onDelivery(d: Delivery, ahead: readonly Delivery[] = []): Promise<void> {
    if (stopping || !d.channelOpen) {
      // Left unacked: closing the channel hands it to the standby (or the broker has already).
      await releasePreclaimed(d);
      return;
    }
    readAhead.forget(d);
    // What arrived since the last read (the next bundle) is read now, so that this run's end
    // can start the next task in its write too.
    readAhead.want(ahead);
    const pre = preclaimed.get(d);
    if (pre) {
      preclaimed.delete(d);
      return execute(pre.task, pre.lease, d, false, ahead);
    }
    let env;
    try {
      env = parseEnvelope(TaskRunV1, d.body);
      if (!env.taskId) throw new Error('task.run names no task');
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'unreadable task.run; dead-lettering it');
      await d.deadLetter(`unreadable task.run: ${(err as Error).message}`);
      return;
    }
    const taskId = env.taskId!;
    const attempt = env.payload.attempt;
    const ref: TaskRef = {
      _id: taskId,
      tenantId: env.tenantId,
      type: env.payload.type,
      attempt,
      priority: 0,
      version: 0,
      traceHeaders: traceHeadersOf(d.headers),
    };

    for (;;) {
      const mine = active.get(taskId);
      if (mine) {
        // Redelivered to us while we still run it (our channel dropped and came back): acked
        // with the run's own delivery, and nothing after it starts before the run ends.
        mine.deliveries.push(d);
        await mine.done;
        return;
      }
      const lease = newLease();
      const claimed = await store.tasks.claim(taskId, attempt, lease, ref);
      if (claimed) return execute(claimed, lease, d, false, ahead);

      const t = await store.tasks.get(taskId);
      if (!t || t.attempt !== attempt || (t.status !== 'running' && t.status !== 'queued')) {
        // Finished, cancelled, deleted, or a stale duplicate of an older attempt: nothing to run.
        d.ack();
        return;
      }
      if (t.status === 'queued') continue; // a concurrent change; claim again
      if (!t.lease || t.lease.expiresAt.getTime() > Date.now()) {
        // Another executor holds a live lease (we got the redelivery after its channel dropped,
        // while it may still be working). Hold this delivery, so the type stays serial, and
        // wait for the task to end or the lease to lapse.
        if (!d.channelOpen || stopping) return;
        const wait = t.lease ? Math.min(Math.max(t.lease.expiresAt.getTime() - Date.now(), 50), heartbeatMs) : heartbeatMs;
        await sleep(wait);
        continue;
      }
      // The lease lapsed: its executor is gone. Take the task over.
      const taken = await store.tasks.takeOver(taskId, t.lease.token, lease);
      if (!taken) continue;
      if ((taken.takeovers ?? 0) > MAX_TAKEOVERS) {
        // Its executors keep vanishing while running it: a poison task, counted by real losses
        // (a broker restart does not take a task over; its executor keeps the lease).
        await store.tasks.fail(
          taskId,
          { code: 'POISON_TASK', message: `its executor vanished ${taken.takeovers} times while running it`, retryable: false },
          { token: lease.token },
        );
        d.ack();
        return;
      }
      if (!types[t.type]?.rerunnable) {
        await store.tasks.fail(
          taskId,
          { code: 'EXECUTOR_LOST', message: 'the executor running this task vanished, and its type may not run twice', retryable: false },
          { token: lease.token },
        );
        d.ack();
        return;
      }
      logger.warn({ taskId, previousOwner: t.lease.owner }, 'took over a task whose executor vanished');
      return execute(taken, lease, d, true, ahead);
    }
  }

  /** One run of a task, in a span of its own (`run <type>`) inside the delivery's `process` span. */
  /** The outcome of a task another service ended (status-sync, for provider tasks): its status. */
  async function endedElsewhereAs(taskId: string): Promise<TaskOutcome> {
    const t = await store.tasks.get(taskId).catch(() => null);
    return t && isTerminal(t.status) ? (t.status as TaskOutcome) : 'awaiting_provider';
  }

  function execute(task: TaskRecord, lease: Lease, d: Delivery, takeover: boolean, ahead: readonly Delivery[]): Promise<void> {
    const attributes = { [LOOM.TASK_ID]: task._id, [LOOM.TASK_TYPE]: task.type, [LOOM.TASK_ATTEMPT]: task.attempt, 'loom.executor.instance': instanceId, 'loom.executor.takeover': takeover };
    return inSpan(`run ${task.type}`, attributes, () => runTask(task, lease, d, takeover, ahead));
  }

  /**
   * Ends a run in success; when the type's next delivery is here and its task was read ahead as
   * queued, starts that task in the same write (it is then run without a claim of its own).
   */
  async function succeedRun(task: TaskRecord, token: string, result: unknown, ref: TaskRef, outputs: unknown[], ahead: readonly Delivery[]): Promise<void> {
    const next = ahead[0];
    const known = next && next.channelOpen && !stopping ? await readAhead.take(next) : undefined;
    if (!next || !known) {
      await store.tasks.succeed(task._id, token, result, ref, outputs);
      return;
    }
    const lease = newLease();
    const { claimed } = await store.tasks.succeedThenClaim({ taskId: task._id, token, result, ref, outputs }, { known: known.task, attempt: known.attempt, lease });
    if (!claimed) return;
    // Its delivery's turn comes right after this one's ack; if its channel closed meanwhile, or
    // the executor is stopping, onDelivery hands the task back instead of running it.
    preclaimed.set(next, { task: { ...claimed, traceHeaders: known.traceHeaders }, lease });
  }

  async function runTask(task: TaskRecord, lease: Lease, d: Delivery, takeover: boolean, ahead: readonly Delivery[]): Promise<void> {
    const abort = new AbortController();
    let finish!: () => void;
    const run: ActiveRun = { taskId: task._id, attempt: task.attempt, abort, deliveries: [d], done: new Promise((r) => (finish = r)) };
    active.set(task._id, run);
    const ref: TaskRef = { ...task, traceHeaders: task.traceHeaders };
    const log = logger.child({ taskId: task._id, type: task.type, attempt: task.attempt });
    let handedBack = false;

    // Heartbeat: renew the lease; notice a cancel request; stop if the lease is gone.
    let lastRenewed = Date.now();
    const heartbeat = setInterval(() => {
      store.tasks.heartbeat(task._id, lease.token, leaseMs).then(
        ({ held, cancelRequested }) => {
          if (!held) abort.abort(new TaskAborted('lease_lost'));
          else {
            lastRenewed = Date.now();
            if (cancelRequested) abort.abort(new TaskAborted('cancelled'));
          }
        },
        () => {
          // The store is unreachable: past our own lease we must assume someone took over.
          if (Date.now() - lastRenewed > leaseMs) abort.abort(new TaskAborted('lease_lost'));
        },
      );
    }, heartbeatMs);
    const elapsed = takeover ? 0 : Date.now() - (task.startedAt?.getTime() ?? Date.now());
    const timeout = setTimeout(() => abort.abort(new TaskAborted('timeout')), Math.max(0, task.timeoutMs - elapsed));
    if (task.cancelRequestedAt) abort.abort(new TaskAborted('cancelled'));

    const handler = handlers.get(task.type);
    // Set once this run has ended. A handler that ignored its signal may still be running (the
    // runner abandoned it after its grace): it must not log, report or write outputs any more,
    // since a later run of the task (same output keys) may be under way. So too, at once, a run
    // whose lease is lost: another executor may run the task already.
    let ended = false;
    const fenced = (what: string): boolean => {
      const stale = ended || abortKindOf(abort.signal) === 'lease_lost';
      if (stale) log.warn({ what }, ended ? 'dropped a write from a run that already ended (its handler ignored the AbortSignal)' : 'dropped a write from a run that lost its lease');
      return stale;
    };
    const written: { index: number; key: string; size: number; contentType: string; sha256: string }[] = [];
    const ctx: TaskContext<unknown> = {
      task: { id: task._id, type: task.type, tenantId: task.tenantId, attempt: task.attempt, maxAttempts: task.maxAttempts },
      input: task.input,
      signal: abort.signal,
      async progress(percent, message) {
        if (fenced('progress')) return;
        const p = Math.max(0, Math.min(100, Math.round(percent)));
        if (await store.tasks.progress(task._id, lease.token, p, message)) {
          bus.announceEvent(TaskProgressV1, { type: task.type, progress: p, message }, { tenantId: task.tenantId, taskId: task._id, headers: ref.traceHeaders }, { viewersOnly: true });
        }
      },
      externalId: task.externalId,
      async writeOutput(body, contentType) {
        if (!deps.storage) throw new Error('this executor has no output storage configured (S3_*)');
        if (fenced('output')) throw Object.assign(new Error('this run has ended: its outputs are no longer written'), { code: 'RUN_ENDED' });
        abort.signal.throwIfAborted();
        const index = written.length;
        const stream = typeof body === 'string' || Buffer.isBuffer(body) ? Readable.from([Buffer.from(body)]) : Readable.from(body as AsyncIterable<Buffer>);
        const key = outputKey(task.tenantId, task._id, index);
        const obj = await inUploadSpan({ taskId: task._id, key }, () => deps.storage!.uploadStream(key, stream, { contentType, signal: abort.signal }));
        written.push({ index, key: obj.key, size: obj.size, contentType: obj.contentType, sha256: obj.sha256 });
        return obj;
      },
      recordExternalJob: (provider, externalId) => store.tasks.recordSubmission(task._id, lease.token, provider, externalId),
      async log(level: LogLevel, message: string, data?: unknown) {
        if (fenced('log')) return;
        // Buffered: stored with the other lines of this executor within a few ms (task-logs.ts).
        const timestamp = new Date();
        store.logs.write({ taskId: task._id, tenantId: task.tenantId, timestamp, level, message, data });
        announceLine(timestamp, level, message, data);
      },
    };
    function announceLine(timestamp: Date, level: LogLevel, message: string, data?: unknown): void {
      bus.announceEvent(TaskLogV1, { timestamp: timestamp.toISOString(), level, message, data }, { tenantId: task.tenantId, taskId: task._id, headers: ref.traceHeaders }, { viewersOnly: true });
    }
    // The middleware's lines, stored only where the task document will not have them.
    const lines: RunLines = {
      store(level, message, at = new Date()) {
        if (fenced('log')) return;
        store.logs.write({ taskId: task._id, tenantId: task.tenantId, timestamp: at, level, message });
        announceLine(at, level, message);
      },
    };
    const onHookError = (m: HandlerMiddleware, err: unknown) => log.warn({ middleware: m.name, err: (err as Error).message }, 'middleware failed');
    const started = Date.now();
    let outcome: TaskOutcome = 'succeeded';
    if (!takeover && task.queuedAt && task.startedAt) recordQueueWait(task.type, task.startedAt.getTime() - task.queuedAt.getTime());

    try {
      if (!handler) throw Object.assign(new Error(`no handler for task type ${task.type}`), { name: 'TaskFailure', code: 'NO_HANDLER', retryable: false });
      if (takeover) await ctx.log('warn', 'resumed on this executor after the previous one vanished (run again from the start)');
      await runHooks(middlewares, 'before', (m) => m.before?.(ctx, lines), onHookError);
      // Once the signal fired, the handler gets the type's grace to stop; one that ignores it is
      // abandoned then (a sandboxed one is ended), so it cannot hold the type forever.
      const result = await awaitHandler(handler, handler.run(ctx), abort.signal, types[task.type]?.abortGraceMs ?? 0);
      if (result !== FINISHED_ELSEWHERE) {
        await runHooks(middlewares, 'after', (m) => m.after?.(ctx, result, Date.now() - started, lines), onHookError);
        await succeedRun(task, lease.token, result ?? null, ref, written, ahead);
      } else outcome = await endedElsewhereAs(task._id);
    } catch (err) {
      const kind = abortKindOf(abort.signal);
      outcome = kind === 'cancelled' || kind === 'timeout' || kind === 'lease_lost' ? kind : kind === 'shutdown' ? 'handed_back' : 'failed';
      if (outcome === 'failed' || outcome === 'timeout') recordActiveSpanError(kind ? abort.signal.reason : err);
      if (kind !== 'lease_lost' && kind !== 'shutdown') {
        await runHooks(middlewares, 'onError', (m) => m.onError?.(ctx, kind ? abort.signal.reason : err, Date.now() - started, lines), onHookError);
      }
      if (kind === 'cancelled') await store.tasks.cancelRunning(task._id, lease.token, ref);
      else if (kind === 'timeout') {
        recordTaskError(task.type, 'TIMEOUT');
        await store.tasks.fail(task._id, { code: 'TIMEOUT', message: `ran longer than its timeout of ${task.timeoutMs} ms`, retryable: false }, { token: lease.token, ref });
      } else if (kind === 'shutdown' && !types[task.type]?.rerunnable && types[task.type]?.handler !== 'provider') {
        // Handing it back would run it again from the start on the standby, which its type
        // forbids (a provider task resumes its recorded job instead, so it is handed back).
        outcome = 'failed';
        await store.tasks.fail(
          task._id,
          { code: 'EXECUTOR_STOPPED', message: 'the executor stopped while running this task, and its type may not run twice', retryable: false },
          { token: lease.token, ref },
        );
      } else if (kind === 'shutdown') {
        handedBack = !!(await store.tasks.handBack(task._id, lease.token));
      } else if (kind === 'lease_lost') {
        const now = await store.tasks.get(task._id).catch(() => null);
        if (now && isTerminal(now.status)) {
          // Not lost: status-sync ended the provider task (and so released the lease).
          outcome = now.status as TaskOutcome;
          log.debug({ status: now.status }, 'the task was ended elsewhere (status-sync)');
        } else log.warn('lease lost; another executor owns this task now');
      } else {
        const error = toTaskError(err);
        recordTaskError(task.type, error.code);
        const step = nextStep(error, task.attempt, task.maxAttempts, types[task.type]?.retryBackoff ?? { baseMs: 1000, maxMs: 60_000 });
        if (step.kind === 'retry') {
          outcome = 'retry_scheduled';
          await store.tasks.delayRetry(task._id, lease.token, error, step.delayMs, ref);
        } else await store.tasks.fail(task._id, error, { token: lease.token, ref });
      }
    } finally {
      ended = true;
      clearInterval(heartbeat);
      clearTimeout(timeout);
      active.delete(task._id);
      annotateActiveSpan({ [LOOM.TASK_OUTCOME]: outcome });
      recordTaskFinished(task.type, outcome, Date.now() - started, types[task.type]?.provider?.name);
      // Terminal (or handed back, or no longer ours): now the type's next task may start.
      if (!handedBack) for (const delivery of run.deliveries) delivery.ack();
      finish();
    }
  }

  return {
    onDelivery,
    onArrival,
    /** A cancel request for a task this executor may be running: only the attempt it names stops. */
    cancel(taskId: string, attempt?: number): void {
      const run = active.get(taskId);
      if (run && (attempt === undefined || attempt === run.attempt)) run.abort.abort(new TaskAborted('cancelled'));
    },
    get activeCount() {
      return active.size;
    },
    /**
     * Graceful stop, step one: take no new deliveries; let running tasks finish for up to
     * drainMs, then hand them back. The caller closes the channels afterwards.
     */
    async drain(drainMs: number): Promise<void> {
      stopping = true;
      const runs = [...active.values()];
      const deadline = sleep(drainMs).then(() => 'late' as const);
      await Promise.all(
        runs.map(async (r) => {
          if ((await Promise.race([r.done.then(() => 'done' as const), deadline])) === 'late') {
            r.abort.abort(new TaskAborted('shutdown'));
            await r.done;
          }
        }),
      );
      // Tasks started ahead for deliveries that will not run here now: back to queued first,
      // so the standby runs them (a type that may not run twice is not failed for it).
      await Promise.all([...preclaimed.keys()].map(releasePreclaimed));
      await Promise.all([...releasing]);
    },
  };
}
