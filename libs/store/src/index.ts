import type { Connection } from 'mongoose';
import { createApiKeys } from './api-keys';
import { registerModels } from './models';
import type { OutboxPublish } from './outbox';
import { createTaskLogs } from './task-logs';
import { createTaskQueries } from './task-queries';
import { createTaskRepository } from './task-repository';
import { createProviderJobs } from './provider-jobs';
import { createQueueStats } from './queue-stats';

export * from './models';
export * from './outbox';
export * from './task-state-machine';
export * from './task-repository';
export * from './task-queries';
export * from './task-logs';
export * from './api-keys';
export { startOutboxRelay } from './outbox-relay';
export { connectMongo } from './connection';
export * from './provider-jobs';
export * from './queue-stats';
export * from './search-terms';

/** Everything a service needs of the store, built on one connection. */
export async function createStore(conn: Connection, publish?: OutboxPublish) {
  const models = registerModels(conn);
  await Promise.all(Object.values(models).map((m) => m.init()));
  return {
    models,
    tasks: createTaskRepository(models, publish),
    queries: createTaskQueries(models),
    logs: createTaskLogs(models),
    apiKeys: createApiKeys(models),
    providerJobs: createProviderJobs(conn),
    queueStats: createQueueStats(models),
  };
}
export type Store = Awaited<ReturnType<typeof createStore>>;
