// The spans that say in words what happened to a task, named once here so a trace reads the
// same whoever calls them: `submit demo.sora`, `upload 0.mp4 262144 bytes`, `settle capture 10
// credits`. Each is an INTERNAL child of the active span (the request, the delivery being
// processed) and records a thrown error. Attributes carry ids, sizes and counts, never a key,
// a URL with a signature, or a task's input (which may hold anything a caller sent).
import path from 'node:path';
import type { Span } from '@opentelemetry/api';
import { inSpan, LOOM } from './messaging-spans';

/** The gateway accepting a task of `type` (the stored task's trace continues from this span). */
export function inSubmitSpan<T>(type: string, fn: (span: Span) => Promise<T>): Promise<T> {
  return inSpan(`submit ${type}`, { [LOOM.TASK_TYPE]: type }, fn);
}

/** The gateway accepting `count` tasks in one request (POST /v1/tasks/bulk); their traces continue from it. */
export function inSubmitManySpan<T>(count: number, fn: (span: Span) => Promise<T>): Promise<T> {
  return inSpan(`submit ${count} tasks`, { 'loom.tasks.submitted': count }, fn);
}

/**
 * One output copied into the bucket: named by the object's file name and, once known, its size
 * (`upload 0.mp4 262144 bytes`). `key` is the bucket key (<tenant>/<task>/<index>.<ext>).
 */
export async function inUploadSpan<T extends { size: number }>(info: { taskId: string; key: string }, fn: () => Promise<T>): Promise<T> {
  const file = path.posix.basename(info.key);
  return inSpan(`upload ${file}`, { [LOOM.TASK_ID]: info.taskId, 'loom.output.key': info.key }, async (span) => {
    const stored = await fn();
    span.updateName(`upload ${file} ${stored.size} bytes`);
    span.setAttribute('loom.output.bytes', stored.size);
    return stored;
  });
}

/** One settlement of a task's hold: `settle capture 10 credits` or `settle release 10 credits`. */
export function inSettleSpan<T>(
  info: { action: 'capture' | 'release'; credits: number; taskId?: string; batchId?: string },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const attributes: Record<string, string | number> = { 'loom.settlement.action': info.action, 'loom.settlement.credits': info.credits };
  if (info.taskId) attributes[LOOM.TASK_ID] = info.taskId;
  if (info.batchId) attributes['loom.batch.id'] = info.batchId;
  return inSpan(`settle ${info.action} ${info.credits} credits`, attributes, fn);
}

/** A batch settled in one movement: `settle batch 3 items: capture 2, release 1 credits`. */
export function inBatchSettleSpan<T>(
  info: { batchId: string; items: number; captured: number; released: number },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return inSpan(
    `settle batch ${info.items} items: capture ${info.captured}, release ${info.released} credits`,
    { 'loom.batch.id': info.batchId, 'loom.settlement.captured': info.captured, 'loom.settlement.released': info.released },
    fn,
  );
}
