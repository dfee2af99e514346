// Paid provider work happens once and stops when asked, through the five real processes and
// the provider simulator: a submit the provider accepted but answered too late is not sent
// again (Replicate's job is found in its prediction list and followed); an executor killed (SIGKILL) mid-submit neither submits a second job nor leaks the
// provider's in-flight slot; a manual retry runs a new job with its own outputs.
import { startSimulator, type SimulatorHandle } from '@loom/provider-simulator';
import { startProviderSystem, until, waitForExternalId } from '../support/provider-system';
import type { TestSystem } from '../support/system';

const types = {
  // Grsai and Replicate calls time out after 1 s here; the simulator is told to answer submits later.
  'pf.grsai': { handler: 'provider', provider: { name: 'grsai', settings: { model: 'sora-2' } }, free: true, timeoutMs: 60_000, maxAttempts: 3 },
  'pf.runninghub': { handler: 'provider', provider: { name: 'runninghub', settings: { workflowId: 'wf-1' } }, free: true, timeoutMs: 60_000, maxAttempts: 3 },
  'pf.runninghub.once': { handler: 'provider', provider: { name: 'runninghub', settings: { workflowId: 'wf-1' } }, free: true, timeoutMs: 60_000, rerunnable: false },
  'pf.replicate': { handler: 'provider', provider: { name: 'replicate', settings: { version: 'v1' } }, free: true, timeoutMs: 60_000 },
};

describe('provider faults: paid work once', () => {
  let sim: SimulatorHandle;
  let sys: TestSystem;
  beforeAll(async () => {
    sim = await startSimulator({ jobDurationMs: 800, progressSteps: 2, outputSize: 64 * 1024, webhooks: false });
    sys = await startProviderSystem('e2e-pv-faults', sim, {
      types,
      webhooks: false,
      // One RunningHub job at a time: a leaked slot stalls every later RunningHub task.
      policies: { runninghub: { maxInFlight: 1 } },
      env: { GRSAI_TIMEOUT_MS: '1000', REPLICATE_TIMEOUT_MS: '1000', ORPHAN_SWEEP_MS: '1000' },
    });
  });
  afterAll(async () => {
    await sys?.stop();
    await sim?.close();
  });
  beforeEach(async () => {
    await sim.setOptions({ submitAnswerDelayMs: 0, jobDurationMs: 800 });
    sim.resetStats();
  });

  it('does not submit again after a submit the provider accepted but answered too late: one job, and the task says why', async () => {
    await sim.setOptions({ submitAnswerDelayMs: 3000 });
    const t = await sys.submit('pf.grsai', { prompt: 'a slow answer' });
    const done = await sys.waitForTerminal(t.id, 30_000);
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'PROVIDER_SUBMIT_UNKNOWN', retryable: false });
    expect(done.attempts).toBe(1);
    // Let any late resubmission show itself before counting the jobs at the provider.
    await sim.setOptions({ submitAnswerDelayMs: 0 });
    const later = await sys.submit('pf.grsai', { prompt: 'after' });
    expect((await sys.waitForTerminal(later.id, 30_000)).status).toBe('succeeded');
    expect(sim.stats().jobs.grsai).toBe(2); // one for each task
    expect(sim.stats().calls['grsai.sora']).toBe(2);
  });

  it('finds the job a Replicate submit made when its answer came too late (Replicate lists predictions), and follows it: one job, succeeded', async () => {
    await sim.setOptions({ submitAnswerDelayMs: 3000 });
    const t = await sys.submit('pf.replicate', { prompt: 'found, not sent again' });
    const done = await sys.waitForTerminal(t.id, 30_000);
    expect(done.status).toBe('succeeded');
    expect(sim.stats().jobs.replicate).toBe(1);
    expect(sim.stats().calls['replicate.create']).toBe(1);
    expect(sim.stats().calls['replicate.list']).toBeGreaterThanOrEqual(1);
    expect((await sys.logsOf(t.id)).some((l) => /has the job this task's earlier submit made/.test(l.message))).toBe(true);
  });

  it('after an executor is killed mid-submit: the next run submits no second job, and the slot it held is freed', async () => {
    // The provider creates the job and holds its answer while the executor dies.
    await sim.setOptions({ submitAnswerDelayMs: 60_000 });
    const killed = await sys.submit('pf.runninghub', { prompt: 'killed mid-submit' });
    await until('RunningHub to create the job', () => (sim.stats().jobs.runninghub === 1 ? true : undefined));
    await sys.process('executor-1').kill();
    await sim.setOptions({ submitAnswerDelayMs: 0 });
    await sys.startService('executor', 'executor-2', { LOOM_INSTANCE_ID: 'executor-2' });
    const resumed = await sys.waitForTerminal(killed.id, 45_000);
    expect(resumed.status).toBe('failed');
    expect(resumed.error).toMatchObject({ code: 'PROVIDER_SUBMIT_UNKNOWN' });
    expect(sim.stats().jobs.runninghub).toBe(1);

    // A type that may not run twice ends EXECUTOR_LOST on takeover: nobody releases its slot,
    // so only healing frees it (RunningHub allows one job in flight here).
    await sim.setOptions({ submitAnswerDelayMs: 60_000 });
    const lost = await sys.submit('pf.runninghub.once', { prompt: 'killed again' });
    await until('RunningHub to create the second job', () => (sim.stats().jobs.runninghub === 2 ? true : undefined));
    await sys.process('executor-2').kill();
    await sim.setOptions({ submitAnswerDelayMs: 0 });
    await sys.startService('executor', 'executor-3', { LOOM_INSTANCE_ID: 'executor-3' });
    expect((await sys.waitForTerminal(lost.id, 45_000)).error).toMatchObject({ code: 'EXECUTOR_LOST' });

    const next = await sys.submit('pf.runninghub', { prompt: 'runs after the crashes' });
    const done = await sys.waitForTerminal(next.id, 60_000);
    expect(done.status).toBe('succeeded');
    expect(sim.stats().jobs.runninghub).toBe(3);
    expect(await sys.store.providerJobs.slotHolders('runninghub')).toEqual([]);
  });

  it('a manual retry of a failed or cancelled provider task submits a new job and ends on its own', async () => {
    const failing = await sys.submit('pf.replicate', { prompt: 'doomed [sim:fail]' });
    const failed = await sys.waitForTerminal(failing.id, 30_000);
    expect(failed.status).toBe('failed');
    const firstJob = (await sys.store.tasks.get(failing.id))!.externalId;
    expect((await sys.request('POST', `/v1/tasks/${failing.id}/retry`)).status).toBe(202);
    await until('the retry to run', async () => ((await sys.task(failing.id)).attempts === 2 ? true : undefined));
    const again = await sys.waitForTerminal(failing.id, 30_000);
    expect(again.status).toBe('failed');
    const secondJob = (await sys.store.tasks.get(failing.id))!.externalId;
    expect(secondJob).toBeDefined();
    expect(secondJob).not.toBe(firstJob);
    expect(sim.stats().jobs.replicate).toBe(2);
    expect((await sys.logsOf(failing.id)).some((l) => /not submitting again/.test(l.message))).toBe(false);

    await sim.setOptions({ jobDurationMs: 30_000 });
    const long = await sys.submit('pf.replicate', { prompt: 'cancel me, then retry' });
    await waitForExternalId(sys, long.id);
    expect((await sys.request('POST', `/v1/tasks/${long.id}/cancel`)).status).toBe(202);
    expect((await sys.waitForTerminal(long.id, 15_000)).status).toBe('cancelled');
    await sim.setOptions({ jobDurationMs: 800 });
    expect((await sys.request('POST', `/v1/tasks/${long.id}/retry`)).status).toBe(202);
    const retried = await sys.waitForTerminal(long.id, 30_000);
    expect(retried.status).toBe('succeeded');
    expect(retried.outputs).toHaveLength(1);
    expect(sim.stats().jobs.replicate).toBe(4);
  });
});
