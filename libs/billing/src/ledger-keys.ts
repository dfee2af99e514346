// The unique keys of ledger entries: (task or batch, kind), so each movement happens once
// whatever is redelivered, retried or replayed. A settle key is derived from the hold it
// settles, so a hold is either captured or released, never both, and never twice.
//
//   task:<taskId>:hold:<fromAttempt>   credits held for a task from that attempt on (1 at submit,
//                                      the new attempt on a manual retry after a release)
//   batch:<batchId>:hold               the whole batch, held up front
//   <holdId>:settle                    its capture or release (kind says which); for a batch, one
//                                      entry with captures and releases together
//   credit:<tenantId>:<key>            an operator's grant or deduction

export function taskHoldKey(taskId: string, fromAttempt: number, generation = 1): string {
  // A generation > 1 only when an earlier hold under the same attempt was released by the sweep
  // (the retry it paid for never happened) and the task is retried again.
  return `task:${taskId}:hold:${fromAttempt}${generation > 1 ? `:g${generation}` : ''}`;
}

export function batchHoldKey(batchId: string): string {
  return `batch:${batchId}:hold`;
}

export function settleKey(holdId: string): string {
  return `${holdId}:settle`;
}

export function creditKey(tenantId: string, key: string): string {
  return `credit:${tenantId}:${key}`;
}
