// POST /v1/tasks/bulk takes at most 500 tasks, and a refusal names the items it is about by
// their index in that request: `tasks.<i>.<field>` in a 400's details and messages,
// `tasks.<i>: ` before a 422's message. submitMany sends a long list as several requests, so it
// moves those indexes to the whole list's; the batcher sends many callers' tasks as one
// request, so it turns a refusal into one error per item it names, each worded as a single
// POST /v1/tasks would have answered.
import { LoomApiError } from './errors';

/** Most tasks one POST /v1/tasks/bulk takes (the gateway's MAX_SUBMIT_MANY). */
export const MAX_SUBMIT_MANY = 500;

const ITEM = /\btasks\.(\d+)\b/g;
const ITEM_PREFIX = /^tasks\.(\d+)(?:\.|$)/;
const MESSAGE_ITEM = /(^|: )tasks\.(\d+): /;

type FieldIssue = { path: string; message: string };
const fieldIssues = (details: unknown): FieldIssue[] | undefined =>
  Array.isArray(details) && details.every((d) => typeof (d as FieldIssue)?.path === 'string') ? (details as FieldIssue[]) : undefined;

/** The error with every `tasks.<i>` it names moved by `offset` (the request's first item in the whole list). */
export function shiftItems(err: LoomApiError, offset: number): LoomApiError {
  if (offset === 0) return err;
  const shift = (s: string) => s.replace(ITEM, (_, i: string) => `tasks.${Number(i) + offset}`);
  const issues = fieldIssues(err.details);
  const details = issues ? issues.map((d) => ({ ...d, path: shift(d.path) })) : err.details;
  return new LoomApiError(err.code, err.status, shift(err.message), details, err.retryAfterMs);
}

/**
 * One error per item a refusal names (by index in the request of `count` items), each as
 * that item's own submit would have had it: its fields without the `tasks.<i>.` prefix, its
 * message without the `tasks.<i>: ` one (`what` is the request, as the message begins with it). Undefined when the refusal names no item, so it is
 * about the request as a whole (402, 429, 413, ...).
 */
export function errorsByItem(err: LoomApiError, count: number, what: string): Map<number, LoomApiError> | undefined {
  const byItem = new Map<number, LoomApiError>();
  const issues = fieldIssues(err.details);
  if (issues) {
    const grouped = new Map<number, FieldIssue[]>();
    for (const d of issues) {
      const m = ITEM_PREFIX.exec(d.path);
      if (!m) return undefined; // a field of the request itself (tasks): not one item's
      const i = Number(m[1]);
      if (i >= count) return undefined;
      grouped.set(i, [...(grouped.get(i) ?? []), { ...d, path: d.path.slice(m[0].length) || '(task)' }]);
    }
    for (const [i, own] of grouped) {
      const message = `${what}: invalid request: ${own.map((d) => `${d.path}: ${d.message}`).join('; ')}`;
      byItem.set(i, new LoomApiError(err.code, err.status, message, own, err.retryAfterMs));
    }
    return byItem.size > 0 ? byItem : undefined;
  }
  const m = MESSAGE_ITEM.exec(err.message);
  if (!m || Number(m[2]) >= count) return undefined;
  byItem.set(Number(m[2]), new LoomApiError(err.code, err.status, err.message.replace(MESSAGE_ITEM, '$1'), err.details, err.retryAfterMs));
  return byItem;
}
