// The shapes shared by every message about a task: its status and its error.
import { z } from 'zod';

export const TASK_STATUSES = ['pending', 'queued', 'running', 'delayed', 'succeeded', 'failed', 'cancelled'] as const;
export const taskStatusSchema = z.enum(TASK_STATUSES);
export type TaskStatus = z.infer<typeof taskStatusSchema>;
export const TERMINAL_STATUSES: readonly TaskStatus[] = ['succeeded', 'failed', 'cancelled'];

export const taskErrorSchema = z.object({
  /** Stable code to test and branch on (TIMEOUT, EXECUTOR_LOST, HANDLER_ERROR, POISON_MESSAGE, ...). */
  code: z.string(),
  message: z.string(),
  retryable: z.boolean(),
});
export type TaskErrorShape = z.infer<typeof taskErrorSchema>;

export const logLevelSchema = z.enum(['debug', 'info', 'warn', 'error']);
export type LogLevel = z.infer<typeof logLevelSchema>;
