import type { Connection } from 'mongoose';
import { createApiKeys } from './api-keys';
import { registerModels } from './models';
import type { OutboxPublisher } from './outbox-publisher';
import { createTaskLogs } from './task-logs';
import { createTaskQueries } from './task-queries';
import { createTaskRepository } from './task-repository';
import { createProviderJobs } from './provider-jobs';
import { createQueueStats } from './queue-stats';
import { createTenantLimits } from './tenant-limits';

export * from './models';
export * from './outbox';
export * from './task-state-machine';
export * from './task-repository';
export * from './task-queries';
export * from './task-logs';
export * from './api-keys';
export { startOutboxPublisher, startServiceOutbox, type OutboxPublisher, type OutboxPublisherOptions } from './outbox-publisher';
export { connectMongo } from './connection';
export * from './provider-jobs';
export * from './queue-stats';
export * from './search-terms';
export * from './tenant-limits';

/**
 * Everything a service needs of the store, built on one connection. Services that write tasks
 * pass their outbox publisher; readers (tests, scripts) pass none.
 */
export async function createStore(conn: Connection, outbox?: OutboxPublisher) {
  const models = registerModels(conn);
  await Promise.all(Object.values(models).map((m) => m.init()));
  return {
    models,
    tasks: createTaskRepository(models, outbox),
    queries: createTaskQueries(models),
    logs: createTaskLogs(models),
    apiKeys: createApiKeys(models),
    providerJobs: createProviderJobs(conn),
    queueStats: createQueueStats(models),
    tenantLimits: createTenantLimits(conn),
  };
}
export type Store = Awaited<ReturnType<typeof createStore>>;
