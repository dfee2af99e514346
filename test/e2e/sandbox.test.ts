// Sandboxed task types (`isolation`), through the five real processes: the handler runs in a
// worker thread or child process whose context calls the executor carries out; one that
// ignores its AbortSignal is ended after its grace on a cancel or a timeout, the next task of
// its type starts only after that, and nothing of the ended run logs or writes afterwards; a
// graceful shutdown ends it too, and fails a task whose type may not run twice; a child process
// does not outlive its executor.
import fs from 'node:fs';
import path from 'node:path';
import { until } from '../support/until';
import { TestSystem, type TaskJson } from '../support/system';

const types = {
  'sb.worker': { handler: 'sleep', isolation: 'worker_thread', abortGraceMs: 300, timeoutMs: 60_000, maxAttempts: 1 },
  'sb.process': { handler: 'sleep', isolation: 'child_process', abortGraceMs: 300, timeoutMs: 5_000, maxAttempts: 1 },
  'sb.once': { handler: 'sleep', isolation: 'worker_thread', abortGraceMs: 300, timeoutMs: 60_000, rerunnable: false },
};

/** Sleeps 30 s without looking at its signal, reporting progress every 300 ms (its heartbeat), then logs and writes. */
const unstoppable = { ms: 30_000, progressSteps: 100, ignoreAbort: true, writeOutput: 'written by a run that was over' };

interface LogLine {
  time: number;
  msg: string;
  taskId?: string;
  sandbox?: string;
  exitSignal?: string | null;
  aborted?: string | null;
  what?: string;
}

describe('sandboxed task types', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await TestSystem.start('e2e-sandbox', { types });
  });
  afterAll(() => sys?.stop());

  const executorLog = (label = 'executor-1'): LogLine[] => {
    const file = path.join(sys.logDir, `${label}.log`);
    if (!fs.existsSync(file)) return [];
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
  };
  const sandboxEnded = (taskId: string) =>
    until(`the executor to log the end of ${taskId}'s sandbox`, () => executorLog().find((l) => l.msg === 'sandbox ended' && l.taskId === taskId));

  /** What the ended run left behind: no dropped writes (nothing of it was alive to try), no log line or output of its own. */
  async function expectNothingAfterTheEnd(t: TaskJson): Promise<void> {
    expect(executorLog().filter((l) => l.taskId === t.id && l.msg.startsWith('dropped a write'))).toEqual([]);
    expect((await sys.logsOf(t.id)).map((l) => l.message)).not.toContain('slept 30000 ms');
    expect(await sys.outputObject(t.id)).toBeNull();
  }

  it('runs a handler in a worker thread: progress, logs and outputs go through the executor', async () => {
    const t = await sys.submit('sb.worker', { ms: 50, progressSteps: 2, writeOutput: 'hello from a worker thread' });
    const done = await sys.waitForTerminal(t.id, 20_000);
    expect(done).toMatchObject({ status: 'succeeded', progress: 100, result: { sleptMs: 50 } });
    const [out] = done.outputs as { key: string; size: number; url: string }[];
    expect(out).toMatchObject({ key: `tenant-a/${t.id}/0`, size: 26 });
    expect(await (await fetch(out!.url)).text()).toBe('hello from a worker thread');
    expect((await sys.logsOf(t.id)).map((l) => l.message)).toEqual(expect.arrayContaining(['attempt 1 of 1 started', 'slept 50 ms']));
    expect(await sandboxEnded(t.id)).toMatchObject({ sandbox: expect.stringMatching(/^worker thread \d+$/) });
  });

  it("a child process's failure keeps its code and retryable flag", async () => {
    const t = await sys.submit('sb.process', { ms: 1, fail: 'permanent' });
    const done = await sys.waitForTerminal(t.id, 20_000);
    expect(done).toMatchObject({ status: 'failed', error: { code: 'SLEEP_FAILED', retryable: false } });
  });

  it('cancel: a worker-thread handler that ignores its signal is ended, and the next task of its type starts only after', async () => {
    const stubborn = await sys.submit('sb.worker', unstoppable);
    await sys.waitFor(stubborn.id, (x) => x.status === 'running' && x.progress > 0, 'running and reporting progress');
    const next = await sys.submit('sb.worker', { ms: 10 });
    expect((await sys.request('POST', `/v1/tasks/${stubborn.id}/cancel`)).status).toBe(202);
    expect((await sys.waitForTerminal(stubborn.id, 20_000)).status).toBe('cancelled');
    const after = await sys.waitForTerminal(next.id, 20_000);
    expect(after.status).toBe('succeeded');
    const ended = await sandboxEnded(stubborn.id);
    expect(ended.time).toBeLessThanOrEqual(Date.parse(after.startedAt!));
    await expectNothingAfterTheEnd(stubborn);
  });

  it('timeout: a child process that ignores its signal is killed, and the next task of its type starts only after', async () => {
    const stubborn = await sys.submit('sb.process', unstoppable);
    await sys.waitFor(stubborn.id, (x) => x.status === 'running' && x.progress > 0, 'running and reporting progress');
    const next = await sys.submit('sb.process', { ms: 10 });
    const done = await sys.waitForTerminal(stubborn.id, 20_000);
    expect(done).toMatchObject({ status: 'failed', error: { code: 'TIMEOUT' } });
    const after = await sys.waitForTerminal(next.id, 20_000);
    expect(after.status).toBe('succeeded');
    const ended = await sandboxEnded(stubborn.id);
    expect(ended).toMatchObject({ exitSignal: 'SIGKILL', sandbox: expect.stringMatching(/^process \d+$/) });
    expect(ended.time).toBeLessThanOrEqual(Date.parse(after.startedAt!));
    const pid = Number(ended.sandbox!.split(' ')[1]);
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    await expectNothingAfterTheEnd(stubborn);
  });

  // Last: it stops the only executor.
  it('a graceful shutdown ends the sandbox and fails a task whose type may not run twice, rather than handing it back', async () => {
    const stubborn = await sys.submit('sb.once', unstoppable);
    await sys.waitFor(stubborn.id, (x) => x.status === 'running' && x.progress > 0, 'running and reporting progress');
    await sys.process('executor-1').stop(30_000);
    sys.processes.delete('executor-1'); // stopped on purpose, not a crash
    const done = await sys.waitForTerminal(stubborn.id, 20_000);
    expect(done).toMatchObject({ status: 'failed', error: { code: 'EXECUTOR_STOPPED', retryable: false } });
    expect(await sandboxEnded(stubborn.id)).toMatchObject({ aborted: 'shutdown' });
    await expectNothingAfterTheEnd(stubborn);
  });

  // Last again: it kills the executor it starts.
  it("a child process exits by itself when its executor is killed (its IPC channel closes)", async () => {
    await sys.startService('executor', 'executor-2', { LOOM_INSTANCE_ID: 'executor-2' });
    const stubborn = await sys.submit('sb.process', unstoppable);
    await sys.waitFor(stubborn.id, (x) => x.status === 'running' && x.progress > 0, 'running and reporting progress');
    const started = await until('the executor to log the start of the sandbox', () =>
      executorLog('executor-2').find((l) => l.msg === 'sandbox started' && l.taskId === stubborn.id),
    );
    const pid = Number(started.sandbox!.split(' ')[1]);
    expect(() => process.kill(pid, 0)).not.toThrow(); // alive while its executor is
    await sys.process('executor-2').kill();
    await until(`sandbox process ${pid} to exit after its executor was killed`, () => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code === 'ESRCH' ? true : undefined;
      }
    }, 15_000);
  });
});
