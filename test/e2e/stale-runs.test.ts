// A run that is over stays over, through the five real processes: a late cancel naming an
// earlier attempt does not stop a later one; a handler that ignores its AbortSignal cannot log
// or write outputs after its run ended; a graceful shutdown does not hand a task whose type
// may not run twice to the standby (which would run it again from the start).
import fs from 'node:fs';
import path from 'node:path';
import { createEnvelope, TaskCancelRequestedV1 } from '@loom/contracts';
import { until } from '../support/until';
import { servers } from '../support/servers';
import { TestSystem } from '../support/system';

const types = {
  'st.sleep': { handler: 'sleep', timeoutMs: 60_000, maxAttempts: 1 },
  // Inline (the default): abandoned 200 ms after its timeout, it wakes up later still running.
  'st.stubborn': { handler: 'sleep', timeoutMs: 1_000, maxAttempts: 1, abortGraceMs: 200 },
  'st.once': { handler: 'sleep', timeoutMs: 60_000, rerunnable: false },
};

describe('stale runs', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await TestSystem.start('e2e-stale', { types, executors: ['executor-1', 'executor-2'] });
  });
  afterAll(() => sys?.stop());

  /** Publishes a cancel request on the events exchange, as the gateway's outbox would. */
  async function publishCancel(taskId: string, attempt: number): Promise<void> {
    const amqp = await import('amqplib');
    const conn = await amqp.connect(servers.amqpUrl);
    try {
      const ch = await conn.createConfirmChannel();
      const env = createEnvelope(TaskCancelRequestedV1, { type: 'st.sleep', attempt }, { tenantId: sys.tenantId, taskId });
      ch.publish(`${sys.namespace}.events`, TaskCancelRequestedV1.name, Buffer.from(JSON.stringify(env)), { contentType: 'application/json', messageId: env.messageId });
      await ch.waitForConfirms();
      await ch.close();
    } finally {
      await conn.close();
    }
  }

  it('a cancel request for an earlier attempt, delivered late, does not stop the retry that runs now', async () => {
    const t = await sys.submit('st.sleep', { ms: 4000 });
    await sys.waitForStatus(t.id, 'running');
    expect((await sys.request('POST', `/v1/tasks/${t.id}/cancel`)).status).toBe(202);
    expect((await sys.waitForTerminal(t.id, 15_000)).status).toBe('cancelled');
    expect((await sys.request('POST', `/v1/tasks/${t.id}/retry`)).status).toBe(202);
    await sys.waitFor(t.id, (x) => x.status === 'running' && x.attempts === 2, 'running its second attempt');
    await publishCancel(t.id, 1);
    const done = await sys.waitForTerminal(t.id, 30_000);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('a handler that ignores its AbortSignal cannot log or write outputs after its run timed out, and its type moves on', async () => {
    const t = await sys.submit('st.stubborn', { ms: 2500, ignoreAbort: true, writeOutput: 'written by a run that was over' });
    const done = await sys.waitForTerminal(t.id, 15_000);
    expect(done.error).toMatchObject({ code: 'TIMEOUT' });
    const next = await sys.submit('st.stubborn', { ms: 10 });
    expect((await sys.waitForTerminal(next.id, 15_000)).status).toBe('succeeded');
    // The stale handler wakes up and tries to log, then to write: the executor drops both.
    const logs = ['executor-1', 'executor-2'].map((l) => path.join(sys.logDir, `${l}.log`));
    await until('the executor to drop the stale run\'s output', () =>
      logs.some((f) => fs.existsSync(f) && fs.readFileSync(f, 'utf8').split('\n').some((line) => line.includes(t.id) && line.includes('"what":"output"'))) ? true : undefined,
    );
    expect((await sys.logsOf(t.id)).map((l) => l.message)).not.toContain('slept 2500 ms');
    expect(await sys.outputObject(t.id)).toBeNull();
  });

  it('a graceful shutdown fails a running task whose type may not run twice instead of handing it to the standby', async () => {
    const t = await sys.submit('st.once', { ms: 30_000 });
    await sys.waitForStatus(t.id, 'running');
    const active = (await sys.store.tasks.get(t.id))!.lease!.owner;
    await sys.process(active).stop(20_000);
    sys.processes.delete(active); // stopped on purpose, not a crash
    const done = await sys.waitForTerminal(t.id, 20_000);
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'EXECUTOR_STOPPED', retryable: false });
  });
});
