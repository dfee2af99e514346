// The executor's side of a sandboxed handler (a type's `isolation`: "worker_thread" or
// "child_process"): each run gets a thread or process of its own (sandbox-spawn.ts) that runs
// the handler (sandbox-runtime.ts), while every side effect stays here, behind the runner's
// context and its fences.
//
// What this guarantees, and why the runner may await it instead of abandoning it:
// - Once the task's signal fires (cancel, timeout, lost lease, shutdown), the sandbox is told to
//   abort, and `graceMs` later (at once on a lost lease) it is ended for good
//   (worker.terminate() / SIGKILL), whether or not the handler listened. BullMQ's sandboxed
//   processors end theirs the same way.
// - run() settles only after the thread or process has exited, so the runner acks, and the
//   next task of the type starts, only when nothing of this run can still execute.
// - Once the sandbox is being ended, or has answered, its messages are ignored: a dying sandbox
//   cannot log, report progress or write outputs.
import { PassThrough } from 'node:stream';
import type { TaskContext, TaskHandler } from '@loom/handlers';
import type { Logger } from '@loom/telemetry';
import { abortKindOf } from '../abort-reasons';
import { stopGraceMs } from '../stop-grace';
import { deserializeError, serializeError, type HostMessage, type SandboxMessage } from './sandbox-protocol';

/** How a sandbox ended. */
export interface SandboxExit {
  code: number | null;
  signal: string | null;
  /** An uncaught error that ended it, if any. */
  error?: string;
}

/** One running sandbox, as the host sees it (the real ones are in sandbox-spawn.ts). */
export interface SandboxProcess {
  /** "worker thread 3", "process 4242": for logs. */
  readonly describe: string;
  /** Best effort: a message to a sandbox that is gone is dropped. */
  send(m: HostMessage): void;
  onMessage(listener: (m: SandboxMessage) => void): void;
  /** Resolves once the thread or process has exited, whatever ended it. */
  readonly exited: Promise<SandboxExit>;
  /** Ends it now, for good (worker.terminate(), SIGKILL); exited resolves after. */
  kill(): void;
}

export interface SandboxOptions {
  /** The type's abortGraceMs: how long the handler may take to stop once the signal fired. */
  graceMs: number;
  /** Starts one sandbox (one per run). */
  spawn: () => SandboxProcess;
  logger?: Logger;
}

/** `inner` run in a sandbox per run; the same name, description and input schema. */
export function createSandboxedHandler(inner: TaskHandler, opts: SandboxOptions): TaskHandler {
  return {
    name: inner.name,
    description: inner.description,
    input: inner.input,
    settlesOnAbort: true,
    run: (ctx) => runSandboxed(inner.name, ctx, opts),
  };
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: Error };

async function runSandboxed(handler: string, ctx: TaskContext<unknown>, opts: SandboxOptions): Promise<unknown> {
  const sandbox = opts.spawn();
  opts.logger?.info({ taskId: ctx.task.id, attempt: ctx.task.attempt, sandbox: sandbox.describe }, 'sandbox started');
  const streams = new Map<number, PassThrough>();
  let outcome: Outcome | undefined;
  let closed = false;
  let grace: NodeJS.Timeout | undefined;

  /** From here on nothing the sandbox says is acted on; then it is ended. */
  const close = () => {
    if (closed) return;
    closed = true;
    clearTimeout(grace);
    for (const s of streams.values()) s.destroy(new Error('the sandbox of this run was ended'));
    sandbox.kill();
  };
  const onAbort = () => {
    sandbox.send({ kind: 'abort', reason: abortKindOf(ctx.signal) ?? 'cancelled' });
    grace = setTimeout(close, stopGraceMs(ctx.signal, opts.graceMs));
  };

  sandbox.onMessage((m) => {
    if (closed) return;
    if (m.kind === 'done') {
      outcome = m.ok ? { ok: true, value: m.value } : { ok: false, error: deserializeError(m.error) };
      close();
    } else if (m.kind === 'call') {
      answer(m).then(
        (value) => !closed && sandbox.send({ kind: 'reply', id: m.id, ok: true, value }),
        (err) => !closed && sandbox.send({ kind: 'reply', id: m.id, ok: false, error: serializeError(err) }),
      );
    }
  });

  async function answer(m: Extract<SandboxMessage, { kind: 'call' }>): Promise<unknown> {
    switch (m.method) {
      case 'progress':
        return ctx.progress(m.percent, m.message);
      case 'log':
        return ctx.log(m.level, m.message, m.data);
      case 'recordExternalJob':
        return ctx.recordExternalJob(m.provider, m.externalId);
      case 'writeOutput': {
        if (m.bytes) return ctx.writeOutput(Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength), m.contentType);
        const body = new PassThrough();
        streams.set(m.id, body);
        try {
          return await ctx.writeOutput(body, m.contentType);
        } finally {
          streams.delete(m.id);
          body.destroy();
        }
      }
      case 'outputChunk':
        return writeChunk(streamOf(m.of), Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength));
      case 'outputEnd': {
        const body = streamOf(m.of);
        if (m.error !== undefined) body.destroy(new Error(`the handler's output stream broke: ${m.error}`));
        else body.end();
        return undefined;
      }
    }
  }
  const streamOf = (id: number): PassThrough => {
    const s = streams.get(id);
    if (!s) throw new Error(`no output is being written under call ${id}`);
    return s;
  };

  sandbox.send({ kind: 'run', handler, task: ctx.task, input: ctx.input, externalId: ctx.externalId });
  if (ctx.signal.aborted) onAbort();
  else ctx.signal.addEventListener('abort', onAbort, { once: true });

  const exit = await sandbox.exited;
  closed = true;
  clearTimeout(grace);
  ctx.signal.removeEventListener('abort', onAbort);
  for (const s of streams.values()) s.destroy(new Error('the sandbox of this run exited'));
  opts.logger?.info(
    { taskId: ctx.task.id, attempt: ctx.task.attempt, sandbox: sandbox.describe, exitCode: exit.code, exitSignal: exit.signal, answered: !!outcome, aborted: abortKindOf(ctx.signal) },
    'sandbox ended',
  );

  if (outcome?.ok) return outcome.value;
  if (outcome) throw outcome.error;
  if (ctx.signal.aborted) throw ctx.signal.reason; // ended after its grace: the abort is the outcome
  throw Object.assign(
    new Error(`the handler's ${sandbox.describe} exited (code ${exit.code}${exit.signal ? `, signal ${exit.signal}` : ''}) before it finished${exit.error ? `: ${exit.error}` : ''}`),
    { name: 'TaskFailure', code: 'SANDBOX_EXITED', retryable: true },
  );
}

/** Writes one chunk, answering once the stream can take the next (or has closed). */
function writeChunk(body: PassThrough, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (body.destroyed) return reject(new Error('the output stream is closed'));
    if (body.write(chunk)) return resolve();
    const settle = () => {
      body.off('drain', settle);
      body.off('close', settle);
      if (body.destroyed && body.writableNeedDrain) reject(new Error('the output stream closed'));
      else resolve();
    };
    body.once('drain', settle);
    body.once('close', settle);
  });
}
