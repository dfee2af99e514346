// The error a handler throws to fail a task on purpose, with a stable code and whether a
// retry may help. Any other thrown error counts as HANDLER_ERROR, retryable.
export class TaskFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'TaskFailure';
  }
}

/** Tested by shape, not instanceof: module registries (jest, bundles) can hold two copies. */
export function isTaskFailure(err: unknown): err is TaskFailure {
  return typeof err === 'object' && err !== null && (err as Error).name === 'TaskFailure' && 'retryable' in err;
}
