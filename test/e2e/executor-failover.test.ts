// Kill -9 the active executor mid-task: the standby takes the task over once its lease lapses,
// finishes it, nothing is lost, no task of the type runs while another does, and the queue
// goes on.
import { intervals, TestSystem } from '../support/system';

describe('executor failover', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await TestSystem.start('e2e-failover', {
      types: { 'fo.work': { handler: 'sleep' } },
      executors: ['exec-a', 'exec-b'],
    });
  });
  afterAll(() => sys?.stop());

  it('finishes the killed executor\'s task on the standby, once, and keeps the type serial', async () => {
    const first = await sys.submit('fo.work', { ms: 3000, progressSteps: 3 });
    const rest = [await sys.submit('fo.work', { ms: 200 }), await sys.submit('fo.work', { ms: 200 })];
    await sys.waitForStatus(first.id, 'running');
    const owner = (await sys.store.tasks.get(first.id))!.lease!.owner;
    expect(['exec-a', 'exec-b']).toContain(owner);
    const standby = owner === 'exec-a' ? 'exec-b' : 'exec-a';

    await new Promise((r) => setTimeout(r, 500));
    await sys.process(owner).kill();

    const done = await Promise.all([first, ...rest].map((t) => sys.waitForTerminal(t.id, 60_000)));
    expect(done.map((t) => t.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    // The standby ran the taken-over task to the end, and the rest after it.
    for (const t of done) expect((await sys.store.tasks.get(t.id))!.status).toBe('succeeded');
    const logs = await sys.logsOf(first.id);
    expect(logs.filter((l) => l.message.startsWith('finished in'))).toHaveLength(1);
    expect(logs.some((l) => l.message.includes('resumed on this executor'))).toBe(true);
    expect(done[0]!.attempts).toBe(1);

    const iv = intervals(done).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < iv.length; i++) expect(iv[i]![0]).toBeGreaterThanOrEqual(iv[i - 1]![1]);
    // Nothing started on the killed executor after it died.
    expect(sys.process(standby).child.exitCode).toBeNull();
  });
});
