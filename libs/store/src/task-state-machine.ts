// The task status machine, pure: which status may follow which. Every write in the task
// repository is conditional on the status this table allows it to leave, so a webhook, a
// poll and a cancel that race leave one consistent answer.
import { TERMINAL_STATUSES, type TaskStatus } from '@loom/contracts';

const transitions: Record<TaskStatus, readonly TaskStatus[]> = {
  pending: ['queued', 'cancelled', 'failed'],
  queued: ['running', 'cancelled', 'failed'],
  // running -> queued: handed back by a stopping executor; -> delayed: retryable failure.
  running: ['succeeded', 'failed', 'cancelled', 'delayed', 'queued'],
  delayed: ['queued', 'cancelled', 'failed'],
  // A finished task may be retried by a person: a new attempt starts from pending.
  succeeded: [],
  failed: ['pending'],
  cancelled: ['pending'],
};

export function canTransition(from: TaskStatus, to: TaskStatus): boolean {
  return transitions[from].includes(to);
}

/** The statuses a task may be in for it to move to `to`: the condition of the update. */
export function sourcesOf(to: TaskStatus): TaskStatus[] {
  return (Object.keys(transitions) as TaskStatus[]).filter((from) => transitions[from].includes(to));
}

export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export class InvalidTransitionError extends Error {
  readonly code = 'INVALID_TRANSITION';
  constructor(
    readonly from: TaskStatus,
    readonly to: TaskStatus,
  ) {
    super(`a ${from} task cannot become ${to}`);
  }
}

export function assertTransition(from: TaskStatus, to: TaskStatus): void {
  if (!canTransition(from, to)) throw new InvalidTransitionError(from, to);
}
