// The sandbox host against the sandbox runtime, wired in memory (no thread, no process): what
// crosses, when the sandbox is ended, and that nothing a sandbox says after that is acted on.
// The real thread and process are covered end to end in test/e2e/sandbox.test.ts.
import { Readable } from 'node:stream';
import { defineHandler, TaskFailure, type TaskContext, type TaskHandler } from '@loom/handlers';
import { z } from 'zod';
import { TaskAborted } from '../abort-reasons';
import { createSandboxedHandler, type SandboxExit, type SandboxProcess } from './sandbox-host';
import type { HostMessage, SandboxMessage } from './sandbox-protocol';
import { startSandboxRuntime } from './sandbox-runtime';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/**
 * A sandbox in this thread. A real one stops executing when killed; this one cannot, and keeps
 * delivering what its handler sends (counted in sentAfterKill), so the host's own filter is what
 * is tested. `holdExit` keeps exit pending after kill until releaseExit().
 */
function memorySandbox(handlers: Record<string, TaskHandler>, opts: { holdExit?: boolean } = {}) {
  let toHost: (m: SandboxMessage) => void = () => undefined;
  let toSandbox: (m: HostMessage) => void = () => undefined;
  let releaseExit!: (e: SandboxExit) => void;
  const exited = new Promise<SandboxExit>((r) => (releaseExit = r));
  const state = { killed: false, exitedAt: 0, sentAfterKill: 0, received: [] as HostMessage[] };
  startSandboxRuntime(
    {
      send: (m) => {
        if (state.killed) state.sentAfterKill++;
        queueMicrotask(() => toHost(m));
      },
      onMessage: (l) => (toSandbox = l),
    },
    handlers,
  );
  const sandbox: SandboxProcess = {
    describe: 'memory sandbox',
    send: (m) => {
      state.received.push(m);
      queueMicrotask(() => toSandbox(m));
    },
    onMessage: (l) => (toHost = l),
    exited: exited.then((e) => ((state.exitedAt = Date.now()), e)),
    kill: () => {
      state.killed = true;
      if (!opts.holdExit) releaseExit({ code: null, signal: 'SIGKILL' });
    },
  };
  return { sandbox, state, exit: (e: SandboxExit) => releaseExit(e) };
}

function fakeContext(input: unknown, signal = new AbortController().signal) {
  const calls: string[] = [];
  const outputs: string[] = [];
  const ctx: TaskContext<unknown> = {
    task: { id: 't-1', type: 'x.test', tenantId: 'tenant-a', attempt: 1, maxAttempts: 1 },
    input,
    signal,
    externalId: 'job-0',
    progress: async (p, m) => void calls.push(`progress ${p} ${m ?? ''}`.trim()),
    log: async (level, m, data) => void calls.push(`log ${level} ${m}${data === undefined ? '' : ` ${JSON.stringify(data)}`}`),
    recordExternalJob: async (provider, id) => (calls.push(`record ${provider} ${id}`), true),
    writeOutput: async (body, contentType) => {
      const chunks: Buffer[] = [];
      if (typeof body === 'string' || Buffer.isBuffer(body)) chunks.push(Buffer.from(body));
      else for await (const c of body as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
      const text = Buffer.concat(chunks).toString();
      outputs.push(`${contentType}: ${text}`);
      return { key: `out/${outputs.length - 1}`, size: text.length, sha256: 'sum' };
    },
  };
  return { ctx, calls, outputs };
}

const input = z.object({}).passthrough();
/** The in-memory "stubborn" handlers cannot be killed: they end when the tests do. */
let testsOver = false;
afterAll(() => (testsOver = true));
const handlers: Record<string, TaskHandler> = {
  busy: defineHandler({
    name: 'busy',
    description: 'uses every context call',
    input,
    async run(ctx) {
      await ctx.progress(50, 'half');
      await ctx.log('info', 'hello', { n: 1, fn: () => 1 });
      const recorded = await ctx.recordExternalJob('prov', `job-of-${ctx.externalId}`);
      const whole = await ctx.writeOutput('plain text', 'text/plain');
      const streamed = await ctx.writeOutput(Readable.from(['a', 'b', 'c']), 'text/csv');
      return { recorded, whole: whole.key, streamed: streamed.key, task: ctx.task.id };
    },
  }),
  stubborn: defineHandler({
    name: 'stubborn',
    description: 'ignores its signal and keeps reporting progress',
    input,
    async run(ctx) {
      for (let i = 0; !testsOver; i++) {
        await sleep(2);
        void ctx.progress(i % 100).catch(() => undefined); // not awaited: a dead host never answers
      }
    },
  }),
  polite: defineHandler({
    name: 'polite',
    description: 'stops on abort after a last log line',
    input,
    async run(ctx) {
      await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));
    },
  }),
  failing: defineHandler({
    name: 'failing',
    description: 'fails on purpose',
    input,
    run: () => Promise.reject(new TaskFailure('BAD_THING', 'it went wrong', false)),
  }),
};

describe('sandbox host', () => {
  it('proxies every context call to the executor and returns the result, ending the sandbox before it settles', async () => {
    const { sandbox, state } = memorySandbox(handlers);
    const { ctx, calls, outputs } = fakeContext({});
    const h = createSandboxedHandler(handlers.busy!, { graceMs: 1000, spawn: () => sandbox });
    expect(h.settlesOnAbort).toBe(true);
    const result = await h.run(ctx);
    expect(result).toEqual({ recorded: true, whole: 'out/0', streamed: 'out/1', task: 't-1' });
    expect(calls).toEqual(['progress 50 half', 'log info hello {"n":1}', 'record prov job-of-job-0']);
    expect(outputs).toEqual(['text/plain: plain text', 'text/csv: abc']);
    expect(state.killed).toBe(true);
    expect(state.exitedAt).toBeGreaterThan(0);
  });

  it('a handler that ignores its signal: told to abort, ended after the grace, the abort is the outcome, and nothing it sends later is acted on', async () => {
    const { sandbox, state } = memorySandbox(handlers);
    const abort = new AbortController();
    const { ctx, calls } = fakeContext({}, abort.signal);
    const run = createSandboxedHandler(handlers.stubborn!, { graceMs: 30, spawn: () => sandbox }).run(ctx);
    await until('a progress report before the abort', () => (calls.length > 0 ? true : undefined));
    abort.abort(new TaskAborted('cancelled'));
    await expect(run).rejects.toMatchObject({ name: 'TaskAborted', kind: 'cancelled' });
    expect(state.received.map((m) => m.kind)).toContain('abort');
    expect(state.killed).toBe(true);
    const seen = calls.length;
    await until('the (unstoppable) in-memory handler to send more after it was ended', () => (state.sentAfterKill >= 3 ? true : undefined));
    expect(calls.length).toBe(seen);
  });

  it('a run whose lease is lost has its sandbox ended at once, whatever the grace', async () => {
    const { sandbox, state } = memorySandbox(handlers);
    const abort = new AbortController();
    const { ctx } = fakeContext({}, abort.signal);
    const run = createSandboxedHandler(handlers.stubborn!, { graceMs: 60_000, spawn: () => sandbox }).run(ctx);
    abort.abort(new TaskAborted('lease_lost'));
    await expect(run).rejects.toMatchObject({ kind: 'lease_lost' });
    expect(state.killed).toBe(true);
  });

  it('a handler that stops within the grace is awaited, and its own error is the outcome', async () => {
    const { sandbox, state } = memorySandbox(handlers);
    const abort = new AbortController();
    const { ctx } = fakeContext({}, abort.signal);
    const run = createSandboxedHandler(handlers.polite!, { graceMs: 60_000, spawn: () => sandbox }).run(ctx);
    abort.abort(new TaskAborted('timeout'));
    await expect(run).rejects.toMatchObject({ name: 'TaskAborted', message: 'the task ran past its timeout' });
    expect(state.killed).toBe(true); // ended right after it answered, not after the 60 s grace
  });

  it('a TaskFailure keeps its code and retryable flag across', async () => {
    const { sandbox } = memorySandbox(handlers);
    const { ctx } = fakeContext({});
    await expect(createSandboxedHandler(handlers.failing!, { graceMs: 10, spawn: () => sandbox }).run(ctx)).rejects.toMatchObject({
      name: 'TaskFailure',
      code: 'BAD_THING',
      retryable: false,
      message: 'it went wrong',
    });
  });

  it('does not settle before the sandbox has exited', async () => {
    const { sandbox, state, exit } = memorySandbox(handlers, { holdExit: true });
    const { ctx } = fakeContext({});
    let settled = false;
    const run = createSandboxedHandler(handlers.failing!, { graceMs: 10, spawn: () => sandbox })
      .run(ctx)
      .catch((err: unknown) => err)
      .finally(() => (settled = true));
    await until('the host to end the sandbox', () => (state.killed ? true : undefined));
    await sleep(20);
    expect(settled).toBe(false);
    exit({ code: 0, signal: null });
    expect(await run).toMatchObject({ code: 'BAD_THING' });
  });

  it('a sandbox that exits before it answers fails the run retryably (SANDBOX_EXITED), naming how it ended', async () => {
    const { sandbox, exit } = memorySandbox(handlers, { holdExit: true });
    const { ctx } = fakeContext({});
    const run = createSandboxedHandler(handlers.stubborn!, { graceMs: 10, spawn: () => sandbox }).run(ctx);
    exit({ code: 134, signal: null, error: 'out of memory' });
    await expect(run).rejects.toMatchObject({ name: 'TaskFailure', code: 'SANDBOX_EXITED', retryable: true, message: expect.stringContaining('code 134') });
  });

  it('an unknown handler name fails without a retry', async () => {
    const { sandbox } = memorySandbox(handlers);
    const { ctx } = fakeContext({});
    const ghost = { ...handlers.busy!, name: 'ghost' };
    await expect(createSandboxedHandler(ghost, { graceMs: 10, spawn: () => sandbox }).run(ctx)).rejects.toMatchObject({ code: 'NO_HANDLER', retryable: false });
  });
});
