// A task's levelled, timestamped log lines (seed 004's execution logs).
import type { LogLevel } from '@loom/contracts';
import type { StoreModels, TaskLogRecord } from './models';

export function createTaskLogs({ TaskLog }: StoreModels) {
  return {
    async append(line: Omit<TaskLogRecord, '_id'>): Promise<void> {
      await TaskLog.collection.insertOne(Object.fromEntries(Object.entries(line).filter(([, v]) => v !== undefined)) as never);
    },
    list(taskId: string, limit = 1000): Promise<TaskLogRecord[]> {
      return TaskLog.find({ taskId }, { _id: 0, taskId: 0, tenantId: 0 }).sort({ timestamp: 1, _id: 1 }).limit(limit).lean<TaskLogRecord[]>().exec();
    },
  };
}
export type TaskLogs = ReturnType<typeof createTaskLogs>;
export type { LogLevel };
