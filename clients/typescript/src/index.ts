// @loom/client: the typed client of the Loom task API (client.ts), its error (errors.ts), and
// the resumable live event stream (live.ts). The `loom` command line (cli/) is built on it.
export * from './client';
export { LoomApiError, isLoomApiError } from './errors';
export { liveEvents, type LiveEvent, type LiveEventsOptions } from './live';
export type { components, paths } from './generated/openapi';
