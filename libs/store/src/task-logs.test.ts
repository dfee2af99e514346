// runLinesOf: the start and end lines a task's document stands for, by its status.
import { finishedLine, runLinesOf, startedLine } from './task-logs';

describe('runLinesOf', () => {
  const startedAt = new Date('2026-12-02T10:00:00.000Z');
  const finishedAt = new Date('2026-12-02T10:00:01.250Z');
  const task = { _id: 't1', tenantId: 'a', attempt: 2, maxAttempts: 3, startedAt, finishedAt: null as Date | null };

  it("shows a running attempt's start, and a succeeded one's start and end with its length", () => {
    expect(runLinesOf({ ...task, status: 'running' })).toEqual([{ taskId: 't1', tenantId: 'a', level: 'info', timestamp: startedAt, message: 'attempt 2 of 3 started' }]);
    expect(runLinesOf({ ...task, status: 'succeeded', finishedAt }).map((l) => [l.timestamp, l.message])).toEqual([
      [startedAt, startedLine(2, 3)],
      [finishedAt, finishedLine(1250)],
    ]);
  });

  it('stands for nothing before a start, nor for an attempt that failed or was cancelled (those store their own lines)', () => {
    for (const status of ['pending', 'queued', 'delayed', 'failed', 'cancelled'] as const) expect(runLinesOf({ ...task, status })).toEqual([]);
    expect(runLinesOf({ ...task, status: 'running', startedAt: null })).toEqual([]);
  });
});
