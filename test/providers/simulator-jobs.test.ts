// The simulator's job timeline is a pure function of the clock: polling and webhooks agree.
import { decideFate, phaseAt, phaseChanges, type SimJob } from '../../tools/provider-simulator/src/jobs';

const job = (over: Partial<SimJob> = {}): SimJob => ({
  id: 'j',
  provider: 'replicate',
  createdAt: 1000,
  durationMs: 1000,
  steps: 4,
  fate: 'succeed',
  outputCount: 1,
  outputSize: 1,
  contentType: 'video/mp4',
  meta: {},
  ...over,
});

describe('simulated job timeline', () => {
  it('is queued, then running in equal steps, then at its fate', () => {
    const j = job();
    expect(phaseAt(j, 1000)).toEqual({ state: 'queued', progress: 0, step: 0 });
    expect(phaseAt(j, 1199)).toMatchObject({ state: 'queued' });
    expect(phaseAt(j, 1200)).toEqual({ state: 'running', progress: 0, step: 0 });
    expect(phaseAt(j, 1400)).toEqual({ state: 'running', progress: 25, step: 1 });
    expect(phaseAt(j, 1999)).toEqual({ state: 'running', progress: 75, step: 3 });
    expect(phaseAt(j, 2000)).toEqual({ state: 'succeeded', progress: 100, step: 4 });
    expect(phaseAt(job({ fate: 'fail' }), 5000)).toMatchObject({ state: 'failed' });
  });

  it('a cancel before the end freezes the job as cancelled, from the very millisecond it happened', () => {
    const j = job({ cancelledAt: 1500 });
    expect(phaseAt(j, 1499)).toMatchObject({ state: 'running' });
    expect(phaseAt(j, 1500)).toEqual({ state: 'cancelled', progress: 25, step: 1 });
    expect(phaseAt(j, 9999)).toMatchObject({ state: 'cancelled', progress: 25 });
    expect(phaseAt(job({ cancelledAt: 2500 }), 3000)).toMatchObject({ state: 'succeeded' });
  });

  it('lists the moments webhooks go out', () => {
    expect(phaseChanges(job())).toEqual([
      { at: 200, kind: 'start' },
      { at: 400, kind: 'progress' },
      { at: 600, kind: 'progress' },
      { at: 800, kind: 'progress' },
      { at: 1000, kind: 'end' },
    ]);
  });

  it('decides fates from markers, else from the failure rate', () => {
    expect(decideFate('{"prompt":"x [sim:fail]"}', 0)).toBe('fail');
    expect(decideFate('[sim:violation]', 0)).toBe('violation');
    expect(decideFate('{}', 0.5, () => 0.4)).toBe('fail');
    expect(decideFate('{}', 0.5, () => 0.6)).toBe('succeed');
  });
});
