import { TASK_STATUSES } from '@loom/contracts';
import { assertTransition, canTransition, isTerminal, sourcesOf } from './task-state-machine';

describe('task state machine', () => {
  it('follows the happy path pending -> queued -> running -> succeeded', () => {
    expect(canTransition('pending', 'queued')).toBe(true);
    expect(canTransition('queued', 'running')).toBe(true);
    expect(canTransition('running', 'succeeded')).toBe(true);
  });

  it('never leaves succeeded, and leaves failed or cancelled only for a retry', () => {
    for (const to of TASK_STATUSES) expect(canTransition('succeeded', to)).toBe(false);
    expect(TASK_STATUSES.filter((to) => canTransition('failed', to))).toEqual(['pending']);
    expect(TASK_STATUSES.filter((to) => canTransition('cancelled', to))).toEqual(['pending']);
  });

  it('does not skip the queue or run a finished task again', () => {
    expect(canTransition('pending', 'running')).toBe(false);
    expect(canTransition('cancelled', 'running')).toBe(false);
    expect(canTransition('failed', 'succeeded')).toBe(false);
    expect(() => assertTransition('succeeded', 'running')).toThrow('a succeeded task cannot become running');
  });

  it('lists the statuses an update may start from', () => {
    expect(sourcesOf('cancelled').sort()).toEqual(['delayed', 'pending', 'queued', 'running']);
    expect(sourcesOf('running')).toEqual(['queued']);
    expect(sourcesOf('pending').sort()).toEqual(['cancelled', 'failed']);
  });

  it('knows the terminal statuses', () => {
    expect(TASK_STATUSES.filter(isTerminal)).toEqual(['succeeded', 'failed', 'cancelled']);
  });
});
