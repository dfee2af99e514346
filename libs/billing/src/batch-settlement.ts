// When a batch settles and for how much: pure, so the rule is tested without servers.
// A batch settles in one step once every item is terminal: successes are captured at the price
// fixed on them, everything else (failed, cancelled, never created, deleted) is released. What
// is captured never exceeds what was held; what is released is the rest of the hold.
import { TERMINAL_STATUSES, type TaskStatus } from '@loom/contracts';
import type { BatchItemSettlement } from './models';

export interface BatchSettlementInput {
  taskIds: string[];
  /** Price of each item, same order as taskIds. */
  prices: number[];
  /** What the batch holds (its ledger hold's amount). */
  held: number;
  /** Status of each item task that exists now. */
  statuses: ReadonlyMap<string, TaskStatus>;
  /**
   * Whether a missing item counts as finished: true once every item was written (it was deleted
   * after it finished) or when the batch is older than the gateway could still be writing it.
   */
  missingAreFinal: boolean;
}

export type BatchSettlementDecision =
  | { complete: false; waitingFor: number }
  | { complete: true; captured: number; released: number; succeeded: number; notSucceeded: number; items: BatchItemSettlement[] };

export function decideBatchSettlement(input: BatchSettlementInput): BatchSettlementDecision {
  let waitingFor = 0;
  const items: BatchItemSettlement[] = [];
  input.taskIds.forEach((taskId, i) => {
    const status = input.statuses.get(taskId);
    const credits = input.prices[i] ?? 0;
    if (status === undefined) {
      if (input.missingAreFinal) items.push({ taskId, status: 'missing', outcome: 'released', credits });
      else waitingFor++;
    } else if (!TERMINAL_STATUSES.includes(status)) {
      waitingFor++;
    } else {
      items.push({ taskId, status, outcome: status === 'succeeded' ? 'captured' : 'released', credits });
    }
  });
  if (waitingFor > 0) return { complete: false, waitingFor };
  const succeeded = items.filter((i) => i.outcome === 'captured');
  const captured = Math.min(
    input.held,
    succeeded.reduce((sum, i) => sum + i.credits, 0),
  );
  return {
    complete: true,
    captured,
    released: input.held - captured,
    succeeded: succeeded.length,
    notSucceeded: items.length - succeeded.length,
    items,
  };
}

export interface StaleHoldFacts {
  hold: { _id: string; fromAttempt: number };
  /** The task's most recent hold (highest fromAttempt, then latest): a later one means this one's run ended. */
  latestHoldId: string;
  task: { status: TaskStatus; attempt: number } | null;
}

/**
 * What the sweep does with a task's hold that stayed open past the stale age (its terminal event
 * never settled it): `capture` or `release` it, or `wait` while its task still runs under it.
 */
export function staleTaskHoldAction(f: StaleHoldFacts): 'capture' | 'release' | 'wait' {
  // The task is gone (deleted, or never created: its gateway died between hold and write).
  if (!f.task) return 'release';
  // A later hold exists: the task was retried after this hold's run failed or was cancelled.
  if (f.latestHoldId !== f.hold._id) return 'release';
  // Held for a retry that never happened (the task still sits at an earlier attempt).
  if (f.task.attempt < f.hold.fromAttempt) return 'release';
  if (!TERMINAL_STATUSES.includes(f.task.status)) return 'wait';
  return f.task.status === 'succeeded' ? 'capture' : 'release';
}
