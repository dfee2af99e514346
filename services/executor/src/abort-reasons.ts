// Why a running handler's AbortSignal fired; decides the status the task ends in.
export type AbortKind = 'cancelled' | 'timeout' | 'lease_lost' | 'shutdown';

export class TaskAborted extends Error {
  constructor(readonly kind: AbortKind) {
    super(
      {
        cancelled: 'the task was cancelled',
        timeout: 'the task ran past its timeout',
        lease_lost: 'this executor lost the task lease',
        shutdown: 'the executor is shutting down; the task is handed back',
      }[kind],
    );
    this.name = 'TaskAborted';
  }
}

export function abortKindOf(signal: AbortSignal): AbortKind | null {
  return signal.aborted && signal.reason instanceof TaskAborted ? signal.reason.kind : null;
}
