// @loom/client: the typed client of the Loom task API (client.ts), its error (errors.ts), the
// resumable live event stream (live.ts) and the submit batcher (task-batcher.ts). The `loom`
// command line (cli/) is built on it.
export * from './client';
export { LoomApiError, isLoomApiError } from './errors';
export type { TaskBatcher, TaskBatcherOptions } from './task-batcher';
export { liveEvents, type LiveEvent, type LiveEventsOptions } from './live';
export type { components, paths } from './generated/openapi';
